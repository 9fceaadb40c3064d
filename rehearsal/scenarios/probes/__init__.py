"""Probe types, registered here by the YAML key that selects them."""

from __future__ import annotations

from rehearsal.scenarios.probes.base import AddressBook, Probe, Sample
from rehearsal.scenarios.probes.http import HttpCheck, HttpProbe
from rehearsal.scenarios.probes.tcp import TcpCheck, TcpProbe

PROBES: dict[str, type[Probe]] = {probe.key: probe for probe in (HttpProbe, TcpProbe)}

__all__ = ["PROBES", "AddressBook", "HttpCheck", "Probe", "Sample", "TcpCheck"]
