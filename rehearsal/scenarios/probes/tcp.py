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
        try:
            host, port = self.nodes.endpoint(spec.host, spec.port)
        except KeyError:
            host, port = spec.host, spec.port
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=spec.timeout):
                pass
        except OSError as error:
            return Sample(False, time.monotonic() - started, f"connect failed: {error}")
        return Sample(True, time.monotonic() - started, f"port {spec.port} open")
