"""A TCP connect check: is anything listening on the port."""

from __future__ import annotations

import socket
import time
from typing import ClassVar

from pydantic import Field

from rehearsal.models.base import Strict
from rehearsal.models.durations import Duration
from rehearsal.scenarios.probes.base import Probe, Sample


class TcpCheck(Strict):
    host: str = Field(description="a node name, or an address")
    port: int = Field(ge=1, le=65535)
    timeout: Duration = 2.0


class TcpProbe(Probe):
    key: ClassVar[str] = "tcp"
    Spec: ClassVar[type[Strict]] = TcpCheck

    def sample(self) -> Sample:
        spec = self.spec
        assert isinstance(spec, TcpCheck)
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
