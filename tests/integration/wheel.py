"""rehearsal as a worker host gets it: the wheel built from this checkout, installed with its
declared dependencies into a fresh virtual environment where the checkout is not importable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import ROOT

# Not part of the package: a wheel built without them proves it does not need them.
NOT_BUILT_FROM = (".git", ".venv*", "build", "*.egg-info", "__pycache__", ".*_cache")
NOT_BUILT_FROM += (".hypothesis", "reports", "examples", "tests", "bench", "scripts", ".ci")


def _pip(argv: list[str | Path], timeout: float) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"


def install_wheel(work: Path) -> Path:
    """Build the wheel from a copy of the checkout and install it into ``work/venv``; the
    venv. Dependencies come through pip's own cache, as ``pip install .`` would get them."""
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_BUILT_FROM))
    _pip([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work, source], 600)
    (wheel,) = work.glob("rehearsal-*.whl")
    venv = work / "venv"
    _pip([sys.executable, "-m", "venv", venv], 120)
    _pip([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], 1200)
    return venv


def wheel_env(venv: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``base`` in ``venv``, with nothing that would lead back to the checkout."""
    env = {k: v for k, v in base.items() if k not in {"PYTHONPATH", "REHEARSAL_PLAYBOOKS"}}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env
