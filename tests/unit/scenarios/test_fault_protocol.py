"""Every registered fault is generic over the spec it registers, so ``self.spec`` is typed
as the spec the YAML is validated against; and a revert is retried as the engine promises."""

from __future__ import annotations

import itertools
import time
from typing import Any, ClassVar, get_args, get_origin

import pytest

from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.base import Fault
from rehearsal.scenarios.faults.lifecycle import REVERT_ATTEMPTS, revert_with_retries
from rehearsal.scenarios.faults.network import NetworkIsolateSpec


def _spec_argument(fault: type[Fault[Any]]) -> type | None:
    """The spec class a fault type binds its type parameter to, wherever in its bases."""
    for klass in fault.__mro__:
        for base in klass.__dict__.get("__orig_bases__", ()):
            origin = get_origin(base)
            bound = [arg for arg in get_args(base) if isinstance(arg, type)]
            if bound and isinstance(origin, type) and issubclass(origin, Fault):
                return bound[0]
    return None


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_each_fault_is_generic_over_the_spec_it_registers(kind: str) -> None:
    fault = FAULTS[kind]
    assert _spec_argument(fault) is fault.Spec, f"{fault.__name__} is not Fault[{fault.Spec}]"


class _Flaky(Fault[NetworkIsolateSpec]):
    """Its revert raises ``errors`` first, then reports the node back after ``back_after``
    calls (never, when None)."""

    kind: ClassVar[str] = "test.flaky"
    example: ClassVar[dict[str, Any]] = {}

    def __init__(self, errors: list[BaseException], back_after: int | None) -> None:
        super().__init__(
            NetworkIsolateSpec(type="network.isolate", target="n1"),
            None,  # type: ignore[arg-type]  # the revert here never reaches a node
        )
        self.errors = errors
        self.back_after = back_after
        self.reverts: list[float] = []

    def inject(self) -> None:
        pass

    def is_injected(self) -> bool:
        return True

    def revert(self) -> None:
        self.reverts.append(time.monotonic())
        if self.errors:
            raise self.errors.pop(0)

    def is_reverted(self) -> bool:
        return self.back_after is not None and len(self.reverts) >= self.back_after


def test_a_revert_that_takes_on_a_later_attempt_succeeds() -> None:
    fault = _Flaky([OSError("node unreachable")], back_after=2)
    assert revert_with_retries(fault) is None
    assert len(fault.reverts) == 2


def test_a_revert_that_never_takes_says_so_after_every_attempt_with_backoff() -> None:
    fault = _Flaky([], back_after=None)
    assert revert_with_retries(fault) == "the revert ran but the node is not back to normal"
    assert len(fault.reverts) == REVERT_ATTEMPTS == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(fault.reverts)]
    assert 0.45 < gaps[0] < 0.9 and 0.95 < gaps[1] < 1.5, gaps


def test_the_last_error_is_what_is_reported() -> None:
    fault = _Flaky([ValueError("first"), OSError("second"), OSError("last")], back_after=None)
    assert revert_with_retries(fault) == "OSError: last"


def test_an_interrupt_is_not_retried() -> None:
    fault = _Flaky([KeyboardInterrupt()], back_after=1)
    with pytest.raises(KeyboardInterrupt):
        revert_with_retries(fault)
    assert len(fault.reverts) == 1
