"""Fault types, registered here by the ``type:`` users write in YAML."""

from __future__ import annotations

from rehearsal.scenarios.faults.base import Fault, FaultSpec, Placement
from rehearsal.scenarios.faults.clock import ClockDrift, ClockOffset
from rehearsal.scenarios.faults.config import ConfigChange, ConfigCorrupt
from rehearsal.scenarios.faults.container import (
    ContainerKill,
    ContainerPause,
    ContainerRecreate,
    ContainerRestart,
    ContainerStop,
)
from rehearsal.scenarios.faults.custom import CustomCommand, CustomPlaybook
from rehearsal.scenarios.faults.database import DbDrop
from rehearsal.scenarios.faults.network import (
    NetworkDns,
    NetworkIsolate,
    NetworkLoss,
    NetworkPartition,
    NetworkPortBlock,
)
from rehearsal.scenarios.faults.process import ProcessHang, ProcessKill
from rehearsal.scenarios.faults.resource import (
    ResourceCpu,
    ResourceDiskFill,
    ResourceInodes,
    ResourceMemory,
)
from rehearsal.scenarios.faults.service import ServiceBrokenStart, ServiceStop
from rehearsal.scenarios.faults.shaping import NetworkBandwidth, NetworkLatency

FAULTS: dict[str, type[Fault[FaultSpec]]] = {
    fault.kind: fault
    for fault in (
        ContainerStop,
        ContainerKill,
        ContainerPause,
        ContainerRestart,
        ContainerRecreate,
        ProcessKill,
        ProcessHang,
        ServiceStop,
        ServiceBrokenStart,
        NetworkPartition,
        NetworkIsolate,
        NetworkLoss,
        NetworkBandwidth,
        NetworkLatency,
        NetworkDns,
        NetworkPortBlock,
        ResourceCpu,
        ResourceMemory,
        ResourceDiskFill,
        ResourceInodes,
        ConfigChange,
        ConfigCorrupt,
        ClockOffset,
        ClockDrift,
        DbDrop,
        CustomCommand,
        CustomPlaybook,
    )
}

__all__ = ["FAULTS", "Fault", "FaultSpec", "Placement"]
