"""Probe types, registered here by the YAML key that selects them."""

from __future__ import annotations

from rehearsal.models.probes import CommandCheck, HttpCheck, LogCheck, SqlCheck, TcpCheck
from rehearsal.scenarios.probes.base import AddressBook, AnyProbe, NodeShell, Probe, Sample
from rehearsal.scenarios.probes.command import CommandProbe
from rehearsal.scenarios.probes.http import HttpProbe
from rehearsal.scenarios.probes.log import LogProbe
from rehearsal.scenarios.probes.sql import SqlProbe
from rehearsal.scenarios.probes.tcp import TcpProbe

PROBES: dict[str, type[AnyProbe]] = {
    probe.key: probe for probe in (HttpProbe, TcpProbe, CommandProbe, LogProbe, SqlProbe)
}

__all__ = [
    "PROBES",
    "AddressBook",
    "AnyProbe",
    "CommandCheck",
    "HttpCheck",
    "LogCheck",
    "NodeShell",
    "Probe",
    "Sample",
    "SqlCheck",
    "TcpCheck",
]
