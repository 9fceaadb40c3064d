"""A command monitor: a script run on a node (over SSH, as a monitoring agent would) whose
exit status, and optionally output, say whether the service is up."""

from __future__ import annotations

from typing import ClassVar

from rehearsal.models.probes import CommandCheck
from rehearsal.scenarios.probes.base import Probe, Sample


class CommandProbe(Probe[CommandCheck]):
    key: ClassVar[str] = "command"

    def sample(self) -> Sample:
        import re

        spec = self.spec
        try:
            result = self.shell().run_command(spec.on, spec.run, spec.timeout)
        except OSError as error:
            return Sample(False, 0.0, f"{spec.on} unreachable: {error}")
        output = result.output.strip()
        if result.exit_code != spec.expect_exit:
            return Sample(False, result.duration_s, f"exit {result.exit_code}: {output[-200:]}")
        if spec.expect_output and not re.search(spec.expect_output, result.output):
            return Sample(False, result.duration_s, f"output lacks /{spec.expect_output}/")
        return Sample(True, result.duration_s, output[-200:] or f"exit {result.exit_code}")
