"""An SQL monitor: a query run with psql on a database node (as the postgres account); the
service is up when it succeeds and, if asked, its result matches."""

from __future__ import annotations

import shlex
from typing import ClassVar

from rehearsal.models.probes import SqlCheck
from rehearsal.scenarios.probes.base import Probe, Sample


class SqlProbe(Probe[SqlCheck]):
    key: ClassVar[str] = "sql"

    def sample(self) -> Sample:
        import re

        spec = self.spec
        argv = ["runuser", "-u", "postgres", "--", "psql", "-X", "-tA", "-v", "ON_ERROR_STOP=1"]
        argv += ["-d", spec.database, "-c", spec.query]
        try:
            result = self.shell().run_command(spec.on, "cd / && " + shlex.join(argv), spec.timeout)
        except OSError as error:
            return Sample(False, 0.0, f"{spec.on} unreachable: {error}")
        output = result.output.strip()
        if not result.ok:
            return Sample(False, result.duration_s, f"query failed: {output[-200:]}")
        if spec.expect_output and not re.search(spec.expect_output, result.output):
            return Sample(False, result.duration_s, f"result {output[-100:]!r} lacks match")
        return Sample(True, result.duration_s, output[-200:])
