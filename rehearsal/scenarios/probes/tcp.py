"""A TCP connect check: is anything listening on the port."""

from __future__ import annotations

import socket
import time
from typing import ClassVar

from rehearsal.models.probes import TcpCheck
from rehearsal.scenarios.probes.base import Probe, Sample


class TcpProbe(Probe[TcpCheck]):
    key: ClassVar[str] = "tcp"

    def sample(self) -> Sample:
        spec = self.spec
        started = time.monotonic()
        try:
            try:
                connection = self.nodes.connect(spec.host, spec.port, spec.timeout)
            except KeyError:
                connection = socket.create_connection((spec.host, spec.port), spec.timeout)
            connection.close()
        except OSError as error:
            return Sample(False, time.monotonic() - started, f"connect failed: {error}")
        return Sample(True, time.monotonic() - started, f"port {spec.port} open")
