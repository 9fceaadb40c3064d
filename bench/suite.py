"""``bench/run``: run the benchmarks, print one table, write ``bench/results.json``.

A benchmark that fails is reported and the others still run; the exit status is 1 when a
benchmark failed or a figure missed its target.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench.options import Options
from bench.table import Figure, render, write_json

BENCHES = (
    "envup",
    "webshop_up",
    "mirror20",
    "cold",
    "converge",
    "own_role",
    "product_roles",
    "faults",
    "switch",
    "engine",
    "probes",
    "teardown",
    "volumes",
    "report",
    "readiness",
    "notice",
    "prefect_overhead",
    "demo",
    "repro",
    "concurrent",
    "emergency_stop",
    "load",
    "image_archive",
    "capture",
)
RESULTS = Path(__file__).with_name("results.json")
Measure = Callable[[Options], list[Figure]]


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="bench/run",
        description="Run rehearsal's benchmarks against same-run baselines (plain docker run, "
        "docker-compose, ansible-playbook, docker stop/rm) and print one table. Only the "
        "containers and networks the benchmarks create (labelled rehearsal.run=bench-…) are "
        "removed; images are left alone unless --cold.",
    )
    parse.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parse.add_argument(
        "--only",
        action="append",
        choices=BENCHES,
        metavar="NAME",
        help=f"run only NAME (repeatable): {', '.join(BENCHES)}",
    )
    parse.add_argument(
        "--cold",
        action="store_true",
        help="also measure cold image builds: DELETES and rebuilds the rehearsal/* images",
    )
    parse.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    return parse


def selected(only: list[str] | None, cold: bool) -> list[str]:
    if only:
        return list(only)
    return [name for name in BENCHES if cold or name != "cold"]


def _docker_version() -> str:
    argv = ["docker", "version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:  # logs and pipes get the whole table, not 80 columns
        console = Console(width=170)
    started, clock = datetime.now(UTC), time.monotonic()
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="rehearsal-bench-") as tmp:
        options = Options(quick=args.quick, cold=args.cold, workdir=Path(tmp))
        for name in selected(args.only, args.cold):
            console.print(f"[bold]{name}[/] …", highlight=False)
            measure: Measure = importlib.import_module(f"bench.{name}").measure
            began = time.monotonic()
            try:
                figures += measure(options)
            except Exception as error:  # one broken benchmark must not hide the others
                errors[name] = f"{type(error).__name__}: {error}"
                console.print(traceback.format_exc(), markup=False, highlight=False)
            console.print(f"  {name} took {time.monotonic() - began:.0f} s", highlight=False)
    duration = time.monotonic() - clock
    title = f"rehearsal benchmarks, {started:%Y-%m-%d %H:%M} UTC, {duration:.0f} s" + (
        " (--quick)" if args.quick else ""
    )
    render(figures, title, console)
    for name, message in errors.items():
        console.print(f"[red]{name} failed:[/] {message}", highlight=False)
    meta = {
        "started_at": started.isoformat(),
        "duration_s": round(duration, 1),
        "quick": args.quick,
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "docker": _docker_version(),
    }
    write_json(figures, args.out, meta, errors)
    console.print(f"written {args.out}", highlight=False)
    return 1 if errors or any(figure.passed is False for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
