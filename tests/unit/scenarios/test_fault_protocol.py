"""Every registered fault is generic over the spec it registers, so ``self.spec`` is typed
as the spec the YAML is validated against."""

from __future__ import annotations

from typing import Any, get_args, get_origin

import pytest

from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.base import Fault


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
