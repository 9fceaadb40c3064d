"""Every error a user can see, as one tree.

RehearsalError                 base; ``exit_code`` is what the CLI exits with
├── InvalidInput               profile/scenario problems (exit 2); carries ``problems``
├── RunRefused                 a run that must not start (exit 2)
├── ArchiveRefused             an image archive that is damaged, foreign or of another
│                              rehearsal: nothing was loaded (exit 2)
├── ReportRefused              a report or finding change asked for wrongly: unknown locale,
│                              finding id, severity; no journal (exit 2)
├── PdfUnavailable             no headless Chromium to print report.pdf with (exit 3)
├── NoticeUndelivered          the mail server did not take the customer notice (exit 3)
├── EnvironmentFailure         the environment could not be built or reached (exit 3)
│   ├── DockerUnavailable      the Docker engine does not answer
│   ├── ImageBuildFailure      the base or a role image could not be made
│   ├── ConvergeFailure        Ansible did not configure the nodes
│   └── SteadyStateNotReached  the mirror was not healthy before any fault
├── FaultFailure               a fault could not be injected or reverted (exit 3)
├── ReportsFolderFull          no space left for the run's files; faults reverted all the same
│                              (exit 3)
└── RunCancelled               Ctrl-C, SIGTERM or a cancelled flow run (exit 3)
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

OUT_OF_SPACE = (errno.ENOSPC, errno.EDQUOT)
"""The errno values of a full file system (or a user's quota used up)."""


# Every character str.splitlines breaks at, written as its escape: a problem stays one line
# even when it quotes a key or value that holds one.
ONE_LINE = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located so an editor can jump to it."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}".translate(ONE_LINE)


class RehearsalError(Exception):
    exit_code = 3


class InvalidInput(RehearsalError):
    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RunRefused(RehearsalError):
    exit_code = 2


class ArchiveRefused(RehearsalError):
    exit_code = 2


class ReportRefused(RehearsalError):
    exit_code = 2


class PdfUnavailable(RehearsalError):
    exit_code = 3


class NoticeUndelivered(RehearsalError):
    exit_code = 3


class EnvironmentFailure(RehearsalError):
    exit_code = 3


class DockerUnavailable(EnvironmentFailure):
    pass


class ImageBuildFailure(EnvironmentFailure):
    pass


class ConvergeFailure(EnvironmentFailure):
    def __init__(self, message: str, output: str = "") -> None:
        self.output = output
        super().__init__(message if not output else f"{message}\n{output}")


class FaultFailure(RehearsalError):
    exit_code = 3


class SteadyStateNotReached(EnvironmentFailure):
    pass


class ReportsFolderFull(RehearsalError):
    """The file system of the reports folder is full: says whether the journal kept every
    event and how to get the reports once there is space."""

    exit_code = 3

    def __init__(self, run_dir: Path, journal_intact: bool = True) -> None:
        self.run_dir = run_dir
        journal = run_dir / "journal.jsonl"
        kept = (
            f"the journal {journal} is intact"
            if journal_intact
            else f"the journal {journal} may lack events recorded after the disk filled"
        )
        super().__init__(
            f"{run_dir.parent}: no space left on the device; {kept}; once there is space, "
            f"`rehearsal report {run_dir}` rebuilds the reports"
        )


def out_of_space(error: OSError) -> bool:
    return error.errno in OUT_OF_SPACE


class RunCancelled(RehearsalError):
    exit_code = 3


class RunStopped(RehearsalError):
    """A stop condition of the scenario was reached; faults were reverted."""

    exit_code = 1
