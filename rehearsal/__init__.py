"""Rehearse failures of a customer's system on a mirror of it, from Python.

    from pathlib import Path

    import rehearsal

    plan = rehearsal.load_plan(Path("examples/webshop/drill-app-node-loss.yaml"))
    results = rehearsal.run(plan, rehearsal.RunOptions(Path("reports")))
    print(results.status, [finding.title for finding in results.findings])
    rehearsal.rebuild(Path("reports") / results.run_id, rehearsal.ReportOptions(locale="ja"))

``run`` works in this process without Prefect; ``rehearsal run`` (the CLI) and the
Prefect flows load and admit plans the same way. Every error a user can see is a
``RehearsalError`` (the tree is drawn in ``rehearsal.errors``). Names load on first use,
so importing the package costs nothing the command line's ``--help`` would wait for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rehearsal.errors import (
    ArchiveRefused,
    ConvergeFailure,
    DockerUnavailable,
    EnvironmentFailure,
    FaultFailure,
    ImageBuildFailure,
    InvalidInput,
    PdfUnavailable,
    Problem,
    RehearsalError,
    ReportRefused,
    ReportsFolderFull,
    RunCancelled,
    RunRefused,
    RunStopped,
    SteadyStateNotReached,
)

if TYPE_CHECKING:
    from rehearsal.report.rebuild import Rebuilt, ReportOptions, rebuild
    from rehearsal.results.model import Results
    from rehearsal.runs.direct import run
    from rehearsal.runs.session import RunOptions
    from rehearsal.scenarios.planning import Plan, load_plan

_LAZY = {
    "load_plan": "rehearsal.scenarios.planning",
    "Plan": "rehearsal.scenarios.planning",
    "run": "rehearsal.runs.direct",
    "RunOptions": "rehearsal.runs.session",
    "Results": "rehearsal.results.model",
    "rebuild": "rehearsal.report.rebuild",
    "ReportOptions": "rehearsal.report.rebuild",
    "Rebuilt": "rehearsal.report.rebuild",
}

__all__ = [
    "ArchiveRefused",
    "ConvergeFailure",
    "DockerUnavailable",
    "EnvironmentFailure",
    "FaultFailure",
    "ImageBuildFailure",
    "InvalidInput",
    "PdfUnavailable",
    "Plan",
    "Problem",
    "Rebuilt",
    "RehearsalError",
    "ReportOptions",
    "ReportRefused",
    "ReportsFolderFull",
    "Results",
    "RunCancelled",
    "RunOptions",
    "RunRefused",
    "RunStopped",
    "SteadyStateNotReached",
    "load_plan",
    "rebuild",
    "run",
]


def __getattr__(name: str) -> Any:
    """PEP 562: a facade name is imported from its module the first time it is asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'rehearsal' has no attribute {name!r}")
    if name == "run":
        # The Prefect secret reader, alert channel and stop store, as the CLI has them; they
        # import Prefect only when a profile or a server asks for it.
        import_module("rehearsal.flows.adapters").install()
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
