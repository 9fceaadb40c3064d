"""A log monitor: alerts when a pattern appears in the lines a log file gained since the
previous sample (as log-watching agents do), so a sample fails once per burst of errors."""

from __future__ import annotations

import shlex
from typing import ClassVar

from rehearsal.models.probes import LogCheck
from rehearsal.scenarios.probes.base import Probe, Sample

# Prints the file's line count, then how many lines after line $2 match $3 (all of them
# when the file shrank: it was rotated); $2 = -1 starts at the end.
SCRIPT = (
    'n=$(wc -l < "$1") || exit 2; s=$2; [ "$s" -lt 0 ] && s=$n; [ "$s" -gt "$n" ] && s=0; '
    'echo "$n"; tail -n "+$((s + 1))" "$1" | grep -c -E -- "$3"; true'
)


class LogProbe(Probe[LogCheck]):
    key: ClassVar[str] = "log"
    _seen: int | None = None

    def sample(self) -> Sample:
        spec = self.spec
        # The first sample starts at the end of the file: old lines are not news.
        start = -1 if self._seen is None else self._seen
        argv = ["sh", "-c", SCRIPT, "log-probe", spec.file, str(start), spec.pattern]
        try:
            result = self.shell().run_command(spec.on, shlex.join(argv), spec.timeout)
        except OSError as error:
            return Sample(False, 0.0, f"{spec.on} unreachable: {error}")
        lines = result.output.split()
        if len(lines) < 2 or not all(part.isdigit() for part in lines[:2]):
            return Sample(
                False, result.duration_s, f"cannot read {spec.file}: {result.output[-200:]}"
            )
        self._seen, matches = int(lines[0]), int(lines[1])
        if matches:
            return Sample(False, result.duration_s, f"{matches} new line(s) match /{spec.pattern}/")
        return Sample(True, result.duration_s, f"no new line matches /{spec.pattern}/")
