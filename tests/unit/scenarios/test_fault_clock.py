"""Clock faults read signed offsets and rates as people write them, hand libfaketime the
values it reads, refuse what cannot work with the fix, and keep their revert in the node."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from rehearsal.envs.base import CommandResult
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.clock import ClockDrift, ClockOffset


def _offset(**fields: Any) -> ClockOffset:
    spec = ClockOffset.Spec.model_validate({"type": "clock.offset", "target": "n1", **fields})
    return ClockOffset(spec, None)  # type: ignore[arg-type]  # nothing here reaches a node


@pytest.mark.parametrize(
    ("written", "faketime"),
    [("+2h", "+7200"), ("-90s", "-90"), ("-1h30m", "-5400"), (45, "+45"), ("+500ms", "+0.500")],
)
def test_an_offset_is_signed_seconds_as_libfaketime_reads_them(written: Any, faketime: str) -> None:
    assert _offset(offset=written).faketime() == faketime


def test_a_large_offset_is_never_written_in_exponent_form() -> None:
    assert _offset(offset="+36500d").faketime() == "+3153600000"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"offset": "2 hours"}, "write it like '+2h', '-90s'"),
        ({"offset": "0s"}, "an offset of 0 is the true time"),
        ({"offset": "-36600d"}, "more than 100 years"),
        ({"offset": "+1h", "services": ["ssh"]}, "sshd is the node's main process"),
        ({"offset": "+1h", "services": ["sudo"]}, "the base image's own"),
    ],
)
def test_an_offset_that_cannot_work_is_refused_with_the_fix(
    fields: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)):
        _offset(**fields)


def test_drift_is_a_rate_from_an_offset() -> None:
    spec = ClockDrift.Spec.model_validate({"type": "clock.drift", "target": "n1", "rate": 1.5})
    assert ClockDrift(spec, None).faketime() == "+0 x1.5"  # type: ignore[arg-type]
    spec = ClockDrift.Spec.model_validate(
        {"type": "clock.drift", "target": "n1", "rate": 1.000001, "offset": "-1m"}
    )
    assert ClockDrift(spec, None).faketime() == "-60 x1.000001"  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="a rate of 1 is the true clock"):
        ClockDrift.Spec.model_validate({"type": "clock.drift", "target": "n1", "rate": 1})


class _Node:
    """A node that answers every command with one exit code and output."""

    run_id = "test"

    def __init__(self, code: int, output: str = "") -> None:
        self.result = CommandResult(code, output, 0.0)
        self.argvs: list[list[str]] = []

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        self.argvs.append(argv)
        return self.result


def test_a_node_without_libfaketime_is_told_how_to_get_it() -> None:
    fault = _offset(offset="+1h")
    fault.env = _Node(3, "libfaketime is not installed")  # type: ignore[assignment]
    with pytest.raises(FaultFailure, match=r"packages: \[libfaketime\]"):
        fault.inject()


def test_the_services_named_reach_the_node_as_arguments_with_the_state_file() -> None:
    fault = _offset(offset="+1h", services=["shop-app", "nginx"])
    node = _Node(0)
    fault.env = node  # type: ignore[assignment]
    fault.inject()
    (argv,) = node.argvs
    assert argv[:2] == ["sh", "-c"] and argv[-2:] == ["shop-app", "nginx"]
    assert argv[4].startswith("/var/lib/rehearsal/clock-") and argv[5] == "+3600"


def test_both_have_a_dead_mans_switch_that_runs_the_revert_kept_in_the_node() -> None:
    assert FAULTS["clock.offset"].has_switch() and FAULTS["clock.drift"].has_switch()
    fault = _offset(offset="+1h")
    argv = fault.revert_argv("n1")
    assert argv is not None and argv[-1].startswith("/var/lib/rehearsal/clock-")
    again = _offset(offset="+1h")  # as recover rebuilds it from the journal
    assert again.revert_argv("n1") == argv
