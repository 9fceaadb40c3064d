"""The CLI keeps its word: every command the commands page's table names, and every command a
message, finding, help text or report tells the user to run, exists with the options
named."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.conftest import ROOT

PACKAGE = ROOT / "rehearsal"
WORD = re.compile(r"[a-z][a-z-]*")
OPTION = re.compile(r"--[a-z][a-z-]*")
# A command the user is told to run is written in backticks (or <code> in HTML):
# "`rehearsal env down RUN_ID`". Prose ("if rehearsal dies") is not.
QUOTED = re.compile(r"(?:`|<code>)rehearsal((?: +[^\s`<]+)*)")
Command = TyperCommand | TyperGroup
NAMED = re.compile(r"(?<![\w.`>-])rehearsal ([a-z][a-z-]*)")


@dataclass(frozen=True)
class Mention:
    where: str
    text: str

    def tokens(self) -> list[str]:
        """The command's words: a leading 'rehearsal' dropped, brackets of optional parts."""
        words = self.text.replace("[", " ").replace("]", " ").split()
        return words[1:] if words[:1] == ["rehearsal"] else words


def readme_mentions() -> list[Mention]:
    """Every backticked command in the first column of the "Everyday commands" table,
    including shorthands such as ``findings add`` (read as ``rehearsal findings add``)."""
    text = (ROOT / "docs" / "commands.md").read_text()
    section = text.split("## Everyday commands", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows[0].startswith("| command | what it does |"), rows[0]
    mentions = []
    for number, row in enumerate(rows[2:], start=3):
        first = re.split(r"(?<!\\)\|", row)[1].replace("\\|", "|")
        mentions += [
            Mention(f"docs/commands.md table row {number}", quoted)
            for quoted in re.findall(r"`([^`]+)`", first)
        ]
    assert len(mentions) > 20, mentions
    return mentions


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def user_texts() -> list[tuple[str, str]]:
    """(where, text) of everything the package shows a user: its string literals and
    f-string parts (docstrings are for developers; the CLI's reach users as help texts,
    read from the command tree below), locales and report templates."""
    texts = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                texts.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".yaml", ".j2", ".md", ".html"):
            texts.append((str(path.relative_to(ROOT)), path.read_text()))
    for words, command in _commands(typer.main.get_command(app), []):
        name = " ".join(["rehearsal", *words])
        texts.append((f"help of {name}", command.help or ""))
        texts += [
            (f"help of {name} {param.name}", getattr(param, "help", None) or "")
            for param in command.params
        ]
    return texts


def _commands(command: Command, words: list[str]) -> list[tuple[list[str], Command]]:
    found = [(words, command)]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            found += _commands(sub, [*words, name])
    return found


def message_mentions() -> list[Mention]:
    return [
        Mention(where, "rehearsal" + match.group(1))
        for where, text in user_texts()
        for match in QUOTED.finditer(text)
    ]


def unquoted_commands() -> list[str]:
    """Commands named in running text without backticks: they would escape the check."""
    names = typer.main.get_command(app)
    assert isinstance(names, TyperGroup)
    return [
        f"{where}: {match.group(0)!r}"
        for where, text in user_texts()
        for match in NAMED.finditer(text)
        if match.group(1) in names.commands
    ]


def resolve(mention: Mention) -> tuple[list[str], Command]:
    """The command a mention names, following subcommands; fails on an unknown one or on
    an option the command does not have."""
    command: Command = typer.main.get_command(app)
    words: list[str] = []
    tokens = mention.tokens()
    while tokens and WORD.fullmatch(tokens[0]) and isinstance(command, TyperGroup):
        sub = command.commands.get(tokens[0])
        assert sub is not None, (
            f"{mention.where}: `{mention.text}` names "
            f"{' '.join(['rehearsal', *words, tokens[0]])!r}, which does not exist "
            f"(commands: {', '.join(sorted(command.commands))})"
        )
        words.append(tokens.pop(0))
        command = sub
    assert words, f"{mention.where}: `{mention.text}` names no command"
    options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    for token in tokens:
        for option in OPTION.findall(token.split("=", 1)[0]):
            assert option in options, (
                f"{mention.where}: `{mention.text}`: rehearsal {' '.join(words)} has no {option}"
            )
    return words, command


runner = CliRunner()


@pytest.mark.parametrize("mention", readme_mentions(), ids=lambda m: m.text)
def test_every_command_in_the_readme_table_answers_help(mention: Mention) -> None:
    words, _ = resolve(mention)
    done = runner.invoke(app, [*words, "--help"])
    assert done.exit_code == 0, (
        f"{mention.where}: rehearsal {' '.join(words)} --help: {done.output}"
    )
    assert "Usage:" in done.output


def test_every_command_a_message_tells_the_user_to_run_exists() -> None:
    mentions = message_mentions()
    assert len(mentions) > 10, mentions  # the scan reaches the messages
    for mention in mentions:
        words, _ = resolve(mention)
        assert runner.invoke(app, [*words, "--help"]).exit_code == 0, mention


def test_messages_write_commands_in_backticks() -> None:
    assert unquoted_commands() == []
