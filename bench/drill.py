"""The real ``rehearsal run`` command, only with run ids that start with ``bench-``.

Benchmarks must label every Docker resource they make as theirs (``rehearsal.run=bench-…``)
so they can never remove anyone else's; the CLI names runs by time, so this wrapper
prefixes the id it picks and otherwise runs the CLI unchanged:
``python3 -m bench.drill run SCENARIO --out DIR``.
"""

from __future__ import annotations

from pathlib import Path

from rehearsal.cli.main import main
from rehearsal.runs import session

_cli_run_id = session.new_run_id


def bench_run_id(scenario_path: Path) -> str:
    return f"bench-{_cli_run_id(scenario_path)}"


if __name__ == "__main__":
    session.new_run_id = bench_run_id
    main()
