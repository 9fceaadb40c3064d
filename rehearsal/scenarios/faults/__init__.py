"""Fault types, registered here by the ``type:`` users write in YAML."""

from __future__ import annotations

from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.container import ContainerStop

FAULTS: dict[str, type[Fault]] = {fault.kind: fault for fault in (ContainerStop,)}

__all__ = ["FAULTS", "Fault", "FaultSpec"]
