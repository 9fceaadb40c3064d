"""Does a role keep rehearsal's contract? Checked at ``validate`` for the customer's own
roles, and by ``rehearsal role check``; every break is reported at FILE:LINE.

The contract: the four files exist (:data:`REQUIRED`); ``defaults/main.yml`` declares each
param once; every variable the templates and tasks use is declared somewhere Ansible would
find it; each read-back reads a declared param with a real command; and ``tasks/main.yml``
fetches nothing from the network unless guarded to run only when the product is missing
(converge runs on networks without internet).

The result is cached by the role's content, in this process and on disk, so ``validate``
stays quick for a profile whose roles have not changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rehearsal.errors import Problem
from rehearsal.models.catalog import param_name, role
from rehearsal.models.param_shapes import schema_problem

REQUIRED = {
    "defaults/main.yml": "it declares the role's params, each with a comment",
    "tasks/main.yml": "it configures the product at converge, without network",
    "tasks/install.yml": "it installs the packages baked into the role's image",
    "meta/rehearsal.yml": "it names versions, packages and read-backs for rehearsal",
}
NETWORK_MODULES = {"apt", "get_url", "pip", "uri", "git", "apt_repository", "apt_key"}
ANSIBLE_NAMES = {
    "hostvars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short",
    "inventory_dir", "inventory_file", "play_hosts", "playbook_dir", "role_path", "role_name",
    "role_names", "omit", "item", "environment", "lookup", "query", "q", "now", "range",
    "dict", "lipsum", "cycler", "joiner", "namespace", "undef", "true", "false", "none",
    "True", "False", "None",
}  # fmt: skip
"""Names Ansible and Jinja provide to every task and template."""
EXPRESSION_KEYS = {"when", "changed_when", "failed_when", "until", "that"}
"""Task keys whose value is a bare Jinja expression (no ``{{ }}``)."""
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_role(folder: Path) -> list[Problem]:
    """Every contract break of the role in ``folder`` (none: it keeps the contract)."""
    digest = _digest(folder)
    return list(_cached(folder, digest))


def _digest(folder: Path) -> str:
    digest = hashlib.sha256(str(folder).encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(f"\0{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _cached(folder: Path, digest: str) -> tuple[Problem, ...]:
    store = _cache_dir() / f"{digest}.json"
    try:
        return tuple(Problem(*item) for item in json.loads(store.read_text()))
    except (OSError, ValueError, TypeError):
        pass
    problems = tuple(_check(folder))
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps([[p.file, p.line, p.column, p.message] for p in problems]))
    except OSError:
        pass  # a read-only home only makes the next validate slower
    return problems


def _cache_dir() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "rehearsal" / "role-checks"


def _check(folder: Path) -> list[Problem]:
    problems = [
        Problem(
            str(folder / name),
            1,
            1,
            f"role {folder.name!r} has no {name}; every role needs one ({why}); "
            "`rehearsal role new NAME` writes a role to copy it from",
        )
        for name, why in REQUIRED.items()
        if not (folder / name).is_file()
    ]
    defaults, found = _declared_params(folder / "defaults" / "main.yml")
    problems += found
    meta = _tree(folder / "meta" / "rehearsal.yml")
    also = _list_of(meta, "also_accepts")
    prefix = _scalar(meta, "var_prefix")
    params = {param_name(name, prefix) for name in defaults} | also
    problems += _readbacks(folder / "meta" / "rehearsal.yml", meta, params, folder.name)
    problems += _schemas(folder, meta, params)
    problems += _version_sources(folder / "meta" / "rehearsal.yml", meta, folder)
    problems += _recognise(folder / "meta" / "rehearsal.yml", meta)
    declared = defaults | {prefix + name for name in also}
    declared |= _declared_in_tasks(folder) | _keys(_tree(folder / "vars" / "main.yml"))
    problems += _undeclared(folder, declared)
    problems += _network_at_converge(folder / "tasks" / "main.yml")
    return problems


def _tree(path: Path) -> Any:
    """The composed YAML node tree of ``path`` (positions kept); None when unreadable."""
    import yaml

    try:
        return yaml.compose(path.read_text(), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def _pairs(node: Any) -> list[tuple[Any, Any]]:
    import yaml

    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _keys(node: Any) -> set[str]:
    return {str(key.value) for key, _ in _pairs(node)}


def _get(node: Any, name: str) -> Any:
    return next((value for key, value in _pairs(node) if key.value == name), None)


def _scalar(node: Any, name: str) -> str:
    import yaml

    value = _get(node, name)
    return str(value.value) if isinstance(value, yaml.ScalarNode) and value.value else ""


def _list_of(node: Any, name: str) -> set[str]:
    import yaml

    value = _get(node, name)
    if not isinstance(value, yaml.SequenceNode):
        return set()
    return {str(item.value) for item in value.value if isinstance(item, yaml.ScalarNode)}


def _declared_params(path: Path) -> tuple[set[str], list[Problem]]:
    """The params ``defaults/main.yml`` declares; a key given twice is a problem (YAML keeps
    the last silently, so one of the two values would be ignored)."""
    tree = _tree(path)
    seen: dict[str, int] = {}
    problems = []
    for key, _ in _pairs(tree):
        name, line = str(key.value), key.start_mark.line + 1
        if name in seen:
            problems.append(
                Problem(
                    str(path),
                    line,
                    key.start_mark.column + 1,
                    f"param {name!r} is declared twice (first at line {seen[name]}); "
                    "keep one, or YAML silently uses the last",
                )
            )
        else:
            seen[name] = line
    return set(seen), problems


def _readbacks(path: Path, meta: Any, params: set[str], role: str) -> list[Problem]:
    problems = []
    for key, command in _pairs(_get(meta, "readback")):
        name = str(key.value)
        at = (str(path), key.start_mark.line + 1, key.start_mark.column + 1)
        if not str(getattr(command, "value", "") or "").strip():
            problems.append(
                Problem(
                    *at,
                    f"readback {name!r} has no command, so it reads nothing; give a "
                    "shell command that prints the effective value in the node",
                )  # fmt: skip
            )
        if name not in params:
            problems.append(
                Problem(
                    *at,
                    f"readback {name!r} is for a param role {role!r} does not "
                    "declare; declare it in defaults/main.yml or drop the read-back",
                )  # fmt: skip
            )
    return problems


def _schemas(folder: Path, meta: Any, params: set[str]) -> list[Problem]:
    """Each ``params_schema`` entry is for a declared param and is a JSON Schema."""
    path = str(folder / "meta" / "rehearsal.yml")
    schemas = role(folder).params_schema
    problems = []
    for key, _ in _pairs(_get(meta, "params_schema")):
        name = str(key.value)
        at = (path, key.start_mark.line + 1, key.start_mark.column + 1)
        if name not in params:
            problems.append(
                Problem(
                    *at,
                    f"params_schema {name!r} is for a param the role does not declare; "
                    "declare it in defaults/main.yml or drop the schema",
                )  # fmt: skip
            )
        wrong = schema_problem(schemas.get(name))
        if wrong is not None:
            problems.append(Problem(*at, f"params_schema {name!r}: {wrong}"))
    return problems


VERSION_KEYS = {"apt", "source"}
SOURCE_KEYS = {"url", "suite", "components", "key"}


def _version_sources(path: Path, meta: Any, folder: Path) -> list[Problem]:
    """A version written as a mapping has its apt pattern and a whole apt source."""
    problems = []
    for key, entry in _pairs(_get(meta, "versions")):
        if not hasattr(entry, "value") or isinstance(entry.value, str):
            continue  # the plain form: "15": "15.*"
        at = (str(path), key.start_mark.line + 1, key.start_mark.column + 1)
        name = str(key.value)
        unknown = _keys(entry) - VERSION_KEYS
        source = _get(entry, "source")
        wrong = sorted(_keys(source) - SOURCE_KEYS) if source is not None else []
        url = _scalar(source, "url") if source is not None else ""
        why = [
            *(f"unknown key {k!r} (a version takes apt: and source:)" for k in sorted(unknown)),
            *(f"unknown source key {k!r} (url, suite, components, key)" for k in wrong),
        ]
        if not _scalar(entry, "apt"):
            why.append("no apt: version pattern (such as '16.*')")
        if source is not None and not url.startswith(("http://", "https://")):
            why.append(f"source url {url!r} is not an http:// or https:// repository")
        if source is not None and not _scalar(source, "suite"):
            why.append("source has no suite: (the repository's dists/SUITE, e.g. bookworm-pgdg)")
        key_file = _scalar(source, "key") if source is not None else ""
        if key_file and not (folder / key_file).is_file():
            why.append(f"source key {key_file!r} is not a file in the role's folder")
        problems += [Problem(*at, f"version {name!r}: {reason}") for reason in why]
    return problems


RECOGNISE_KEYS = ("packages", "binary", "service")


def _recognise(path: Path, meta: Any) -> list[Problem]:
    """A misspelt key of ``recognise:`` would make capture never recognise the product."""
    return [
        Problem(
            str(path),
            key.start_mark.line + 1,
            key.start_mark.column + 1,
            f"recognise: {key.value!r} is not evidence capture looks for; give "
            + ", ".join(RECOGNISE_KEYS),
        )
        for key, _ in _pairs(_get(meta, "recognise"))
        if key.value not in RECOGNISE_KEYS
    ]


def _task_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for part in ("tasks", "handlers")
        for path in (folder / part).glob("*.y*ml")
        if path.is_file()
    )


def _tasks(node: Any) -> Iterator[Any]:
    """Every task mapping in a task file, blocks' inner tasks included."""
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return
    for task in node.value:
        if not isinstance(task, yaml.MappingNode):
            continue
        yield task
        for part in ("block", "rescue", "always"):
            yield from _tasks(_get(task, part))


def _declared_in_tasks(folder: Path) -> set[str]:
    """Names tasks make: ``register``, ``set_fact``, ``vars:``, loop variables."""
    found = set()
    for path in _task_files(folder):
        for task in _tasks(_tree(path)):
            for key, value in _pairs(task):
                name = str(key.value)
                if name == "register":
                    found.add(str(value.value))
                elif name in ("vars", "set_fact", "ansible.builtin.set_fact"):
                    found |= _keys(value)
                elif name in ("include_vars", "ansible.builtin.include_vars"):
                    found |= {str(v.value) for k, v in _pairs(value) if k.value == "name"}
                elif name == "loop_control":
                    found |= {str(v.value) for k, v in _pairs(value) if k.value.endswith("var")}
    return found


def _known(name: str, declared: set[str]) -> bool:
    return name in declared or name in ANSIBLE_NAMES or name.startswith(("rehearsal_", "ansible_"))


def _undeclared(folder: Path, declared: set[str]) -> list[Problem]:
    import jinja2
    import jinja2.meta

    env = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    # Ansible's filters and tests (to_json, match...) are not Jinja's: accept any name.
    env.filters, env.tests = _AnyName(env.filters), _AnyName(env.tests)
    problems = []

    def report(path: Path, line: int, column: int, source: str) -> None:
        try:
            used = jinja2.meta.find_undeclared_variables(env.parse(source))
        except jinja2.TemplateSyntaxError as error:
            problems.append(Problem(str(path), line, column, f"Jinja syntax error: {error}"))
            return
        for name in sorted(used):
            if not _known(name, declared):
                problems.append(
                    Problem(
                        str(path),
                        line + _line_of(source, name),
                        column,
                        f"variable {name!r} is used but role {folder.name!r} does not declare "
                        "it; declare it in defaults/main.yml (with a comment), or set it in "
                        "the tasks (register, set_fact, vars:)",
                    )
                )

    for template in sorted((folder / "templates").rglob("*.j2")):
        report(template, 1, 1, template.read_text())
    for path in _task_files(folder):
        for line, column, source in _expressions(_tree(path)):
            report(path, line, column, source)
    return problems


class _AnyName(dict[str, Any]):
    def __contains__(self, _name: object) -> bool:
        return True

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name, str)


def _line_of(source: str, name: str) -> int:
    """Lines after the first of ``source`` to the first use of ``name``."""
    for number, text in enumerate(source.splitlines()):
        if name in _WORD.findall(text):
            return number
    return 0


def _expressions(node: Any, key: str = "") -> Iterator[tuple[int, int, str]]:
    """Each Jinja source in a task file, as a template: ``{{ }}`` in strings, and the bare
    expressions of ``when:`` and its kin."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        at = (node.start_mark.line + 1, node.start_mark.column + 1)
        if key in EXPRESSION_KEYS and text and "{{" not in text:
            yield (*at, "{{ " + text + " }}")
        elif "{{" in text or "{%" in text:
            yield (*at, text)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _expressions(item, key)
    elif isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            yield from _expressions(value, str(name.value))


def _network_at_converge(path: Path) -> list[Problem]:
    """Tasks of ``tasks/main.yml`` that download unless guarded (a ``when:`` on them or on
    the block around them, as the shipped roles include install.yml only when missing)."""
    problems = []

    def walk(node: Any, guarded: bool) -> None:
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            return
        for task in node.value:
            here = guarded or _get(task, "when") is not None
            for key, _ in _pairs(task):
                module = str(key.value).removeprefix("ansible.builtin.")
                if module in NETWORK_MODULES and not here:
                    problems.append(
                        Problem(
                            str(path),
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            f"'{key.value}' needs the network, and converge runs without it; "
                            "move it to tasks/install.yml (baked into the image), or guard it "
                            "with `when:` so it runs only when the product is not installed",
                        )
                    )
            for part in ("block", "rescue", "always"):
                walk(_get(task, part), here)

    walk(_tree(path), False)
    return problems
