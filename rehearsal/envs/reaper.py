"""A watcher that outlives the orchestrator and removes its run's Docker resources when it
dies, as testcontainers' Ryuk does: a run killed outright (SIGKILL, OOM) leaks nothing.

The reaper is a small detached process in a session of its own (so a signal to the
orchestrator's process group does not reach it). It polls the owner's pid and kernel start
time; once that process is gone it removes everything labelled with the run, deletes the
run's SSH keys, ends the helper processes the owner had started (Prefect's temporary
server, ansible-playbook), which a SIGKILL leaves orphaned, and exits. A run that ends
normally tells its reaper so with SIGUSR1 (a long-lived ``rehearsal serve`` must not
gather one reaper a run): the reaper then sweeps once, finding nothing unless teardown
failed half-way, and exits. Kept runs (``--keep``)
get no reaper: ``rehearsal gc --include-kept`` removes those.

    python3 -m rehearsal.envs.reaper RUN_ID OWNER_PID OWNER_START RUN_DIR [PID:START,...]
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from rehearsal.envs import labels as L

POLL_S = 0.5


def start_reaper(labels: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """Start the run's reaper (none for a kept run); it needs nothing from us afterwards."""
    if labels.get(L.KEEP) == "true":
        return None
    argv = [
        sys.executable,
        "-m",
        "rehearsal.envs.reaper",
        labels[L.RUN],
        labels[L.OWNER_PID],
        labels[L.OWNER_START],
        labels.get(L.RUN_DIR, ""),
        # The owner's helpers now (Prefect's server): it may die before our first look.
        ",".join(f"{c}:{s}" for c, s in _children(int(labels[L.OWNER_PID])).items()),
    ]
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def release(reaper: subprocess.Popen[bytes] | None) -> None:
    """The run ended and tore down: let its reaper sweep once and go."""
    if reaper is None or reaper.poll() is not None:
        return
    reaper.send_signal(signal.SIGUSR1)
    try:
        reaper.wait(timeout=30)
    except subprocess.TimeoutExpired:
        reaper.kill()
        reaper.wait()


def watch(run_id: str, pid: int, start: str, run_dir: Path | None, children: dict[int, str]) -> int:
    """Wait for the owner to be gone (or done), then remove the run's resources; return how
    many."""
    done = False

    def owner_done(_signum: int, _frame: object) -> None:
        nonlocal done
        done = True

    signal.signal(signal.SIGUSR1, owner_done)
    while not done and L.process_start(pid) == start != "":
        children.update(_children(pid))
        time.sleep(POLL_S)
    if not done:
        _end(children)
    if run_dir is not None:
        shutil.rmtree(run_dir / "ssh", ignore_errors=True)
        if not done:
            _drop_ansible_inputs(run_dir / "ansible")
    from rehearsal.envs.docker import docker_client, remove_run

    client = docker_client()
    removed, quiet = 0, 0
    # A create the owner sent just before it died may land after a pass: sweep until two
    # passes in a row find nothing. An owner that is done sends nothing more: one pass.
    while quiet < (1 if done else 2):
        found = remove_run(client, run_id)
        removed, quiet = removed + found, 0 if found else quiet + 1
        if quiet < (1 if done else 2):
            time.sleep(POLL_S)
    return removed


def _drop_ansible_inputs(workdir: Path) -> None:
    """The owner masks secrets in Ansible's files once Ansible is done; killed during a
    converge it never did, so the inventory, the environment and each artifact's recorded
    command (which holds the whole environment) go. Ansible's output stays, for the post-mortem."""
    for folder in ("inventory", "env"):
        shutil.rmtree(workdir / folder, ignore_errors=True)
    for command in workdir.glob("artifacts/*/command"):
        command.unlink(missing_ok=True)


def _children(pid: int) -> dict[int, str]:
    """The owner's child processes (but us), each with its start time."""
    try:
        children = psutil.Process(pid).children()
    except psutil.Error:
        return {}
    starts = {child.pid: L.process_start(child.pid) for child in children}
    return {child: start for child, start in starts.items() if start and child != os.getpid()}


def _still(pid: int, start: str) -> psutil.Process | None:
    """The process ``pid`` if it is still the one that started at ``start``."""
    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return None
    return process if L.process_start(pid) == start != "" else None


def _end(children: dict[int, str]) -> None:
    """SIGTERM the dead owner's children that are still the same processes, then SIGKILL."""
    alive = [process for c, start in children.items() if (process := _still(c, start))]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(sig)
        _gone, alive = psutil.wait_procs(alive, timeout=3)


def main(argv: list[str]) -> int:
    run_id, pid, start, run_dir, known = argv
    children = {int(c): s for c, s in (item.split(":") for item in known.split(",") if item)}
    watch(run_id, int(pid), start, Path(run_dir) if run_dir else None, children)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
