"""Bad input never crashes: malformed and hostile YAML given to ``validate`` and ``run``
always ends in a clear error and exit 2, never a traceback, never a started environment.

Inputs are the webshop example with parts replaced by hostile values (hypothesis), hand-made
attacks (alias bombs, python tags, deep nesting, huge files) and arbitrary text. Run with
``-s`` to see the count line.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from rehearsal.cli.app import app
from tests.conftest import EXAMPLES

WEBSHOP = EXAMPLES / "webshop"
PROFILE = yaml.safe_load((WEBSHOP / "profile.yaml").read_text())
SCENARIO = yaml.safe_load((WEBSHOP / "drill-app-node-loss.yaml").read_text())
PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: \S")
PWNED = Path(tempfile.gettempdir()) / "rehearsal-hostile-pwned"

seen = {"inputs": 0, "tracebacks": 0}


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    yield
    print(f"\nhostile inputs tried: {seen['inputs']}, tracebacks seen: {seen['tracebacks']}")


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reaching the Docker engine at all would mean a bad input got through to a run."""

    def refuse() -> None:
        raise AssertionError("a run with bad input reached the Docker engine")

    monkeypatch.setattr("rehearsal.envs.docker.docker_client", refuse)


hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF), max_size=20),
    st.sampled_from(["", "../../etc/passwd", "$(reboot)", "; rm -rf /", "9" * 400, "1e999"]),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(document: Any) -> list[tuple[Any, ...]]:
    """Every path into a document, so any part can be replaced."""
    found: list[tuple[Any, ...]] = [()]
    if isinstance(document, dict):
        for key, value in document.items():
            found += [(key, *rest) for rest in _paths(value)]
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += [(index, *rest) for rest in _paths(value)]
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    if isinstance(document, dict):
        return {k: _replace(v, tuple(rest), value) if k == head else v for k, v in document.items()}
    return [_replace(v, tuple(rest), value) if i == head else v for i, v in enumerate(document)]


def _invoke(*args: str) -> Result:
    seen["inputs"] += 1
    result = CliRunner().invoke(app, list(args))
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    if crashed or "Traceback" in result.output:
        seen["tracebacks"] += 1
    assert not crashed, f"{args}: {result.exception!r}\n{result.output}"
    assert "Traceback" not in result.output, result.output
    return result


def _check(folder: Path, profile_text: str | bytes, scenario_text: str | bytes) -> None:
    profile, scenario = folder / "profile.yaml", folder / "scenario.yaml"
    for path, text in ((profile, profile_text), (scenario, scenario_text)):
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    checked = _invoke("validate", str(profile), str(scenario))
    assert checked.exit_code in (0, 2), checked.output
    if checked.exit_code == 0:
        return
    lines = checked.output.strip().splitlines()
    assert lines and all(PROBLEM_LINE.match(line) for line in lines), lines
    ran = _invoke("run", str(scenario), "--profile", str(profile), "--out", str(folder / "out"))
    assert ran.exit_code == 2, ran.output
    assert ran.output.strip(), "exit 2 without a word"
    assert not (folder / "out").exists(), "a bad run made a run folder"
    assert not PWNED.exists(), "a YAML tag ran code"


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(["profile", "scenario"]))
def test_a_part_replaced_by_anything_is_refused_cleanly(data: st.DataObject, which: str) -> None:
    original = PROFILE if which == "profile" else SCENARIO
    path = data.draw(st.sampled_from(_paths(original)))
    broken = _replace(original, path, data.draw(hostile_values))
    profile, scenario = (broken, SCENARIO) if which == "profile" else (PROFILE, broken)
    with tempfile.TemporaryDirectory() as folder:
        scenario = (
            {**scenario, "profile": "profile.yaml"} if isinstance(scenario, dict) else scenario
        )
        _check(Path(folder), _dump(profile), _dump(scenario))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300) | st.binary(max_size=300))
def test_arbitrary_text_is_refused_cleanly(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(Path(folder), _dump(PROFILE), text)
        _check(Path(folder), text, _dump({**SCENARIO, "profile": "profile.yaml"}))


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nkind: *a{levels - 1}\n"


ATTACKS = {
    "alias bomb": _bomb(9),
    "python object": f"kind: !!python/object/apply:os.system ['touch {PWNED}']\n",
    "python name": "kind: !!python/name:os.system\n",
    "python module": "kind: !!python/module:os\n",
    "custom tag": "kind: !shell 'reboot'\n",
    "deep list": "kind: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep map": "kind: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "huge file": "title: " + "x" * 3_000_000 + "\n",
    "huge number": "kind: rehearsal\nseed: " + "9" * 5000 + "\n",
    "many keys": "".join(f"k{i}: {i}\n" for i in range(50_000)),
    "duplicate keys": "kind: rehearsal\nkind: reproduction\n",
    "tabs": "kind:\trehearsal\n\tphases: []\n",
    "bom and nul": "\ufeffkind: rehearsal\x00\n",
    "lone surrogate text": 'title: "\\ud800"\n',
    "multiple documents": "kind: rehearsal\n---\nkind: reproduction\n",
    "not a mapping": "- 1\n- 2\n",
    "empty": "",
    "merge key loop": "a: &a {<<: *a}\n",
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
@pytest.mark.parametrize("into", ["profile", "scenario"])
def test_known_attacks_are_refused_cleanly(attack: str, into: str, tmp_path: Path) -> None:
    valid_scenario = _dump({**SCENARIO, "profile": "profile.yaml"})
    if into == "profile":
        _check(tmp_path, attack, valid_scenario)
    else:
        _check(tmp_path, _dump(PROFILE), attack)
