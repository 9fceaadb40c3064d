"""The email: channel as written in a profile: the docs' example is valid, and each mistake
is one FILE:LINE problem saying what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.models.mail import EmailChannel
from tests.conftest import ROOT

runner = CliRunner()


def docs_example() -> str:
    """The complete profile of docs/people.md's "Alerts by e-mail"."""
    section = (ROOT / "docs" / "people.md").read_text().split("## Alerts by e-mail", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def _validate(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    profile = tmp_path / "profile.yaml"
    profile.write_text(text)
    result = runner.invoke(app, ["validate", str(profile)])
    return result.exit_code, result.stdout.strip().splitlines()


def test_the_docs_example_is_a_valid_profile(tmp_path: Path) -> None:
    assert _validate(tmp_path, docs_example()) == (0, ["1 file(s) valid"])


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            "password_secret: smtp_password   #",
            "password: hunter2   #",
            23,
            "unknown key 'password' in monitors.0.notify.0.email; did you mean 'password_secret'",
        ),
        (
            "password_secret: smtp_password   #",
            "password_secret: smtp_pasword   #",
            23,
            "password_secret 'smtp_pasword' names no secret with a source; did you mean "
            "'smtp_password'?",
        ),
        ("{{ probe }} failing", "{{ probes }} failing", 26, "the subject uses probes, which"),
        ("{{ probe }} failing", "{{ probe failing", 26, "the subject template does not parse"),
        ("security: starttls ", "security: ssl ", 21, "'starttls', 'tls' or 'none'"),
        (
            "to: lee.jun@acme.example",
            "to: lee.jun-at-acme",
            39,
            "'lee.jun-at-acme' is not an e-mail address",
        ),
        (
            "          user: alerts@acme.example\n",
            "",
            18,
            "an e-mail login needs both 'user:' and 'password_secret:'",
        ),
    ],
)
def test_a_mistake_is_one_problem_at_its_line(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    text = docs_example()
    assert old in text
    code, lines = _validate(tmp_path, text.replace(old, new, 1))
    assert code == 2
    assert len(set(lines)) == 1, lines
    assert lines[0].startswith(f"{tmp_path / 'profile.yaml'}:{line}:"), lines[0]
    assert expected in lines[0]


def test_one_recipient_or_many_and_the_port_by_security() -> None:
    one = EmailChannel.model_validate({"host": "mx", "from": "a@x.example", "to": "b@x.example"})
    assert (one.to, one.server) == (["b@x.example"], "mx:587")
    tls = one.model_copy(update={"security": "tls"})
    assert tls.server == "mx:465"


def test_the_password_is_in_no_dump_of_the_channel() -> None:
    channel = EmailChannel.model_validate(
        {"host": "mx", "from": "a@x.example", "to": "b@x.example", "user": "u",
         "password_secret": "smtp_password"}
    ).with_password("s3cret-value")  # fmt: skip
    assert channel.password == "s3cret-value"
    assert "s3cret-value" not in channel.model_dump_json() + repr(channel.model_dump())
