"""A non-editable install (the wheel, as a worker host gets it) has its roles and playbooks
and validates every example; it once said ``unknown role 'nginx'``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.integration.wheel import wheel_env

pytestmark = pytest.mark.install
WHERE = "import rehearsal.models.loading as m; print(m.__file__, m.playbooks_dir())"


def test_the_wheel_install_runs_its_own_code_with_the_playbooks_it_ships(
    wheel_venv: Path, tmp_path: Path
) -> None:
    found = subprocess.run(
        [wheel_venv / "bin" / "python", "-c", WHERE],
        cwd=tmp_path,
        env=wheel_env(wheel_venv),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    module, playbooks = map(Path, found.stdout.split())
    assert module.is_relative_to(wheel_venv), f"rehearsal imported from {module}"
    assert playbooks.is_relative_to(wheel_venv), f"playbooks found at {playbooks}"
    shipped = sorted(p.name for p in (ROOT / "playbooks" / "roles").iterdir())
    assert sorted(p.name for p in (playbooks / "roles").iterdir()) == shipped
    assert {"nginx", "postgresql", "tomcat", "service"} <= set(shipped)
    assert (playbooks / "converge.yml").is_file() and (playbooks / "install.yml").is_file()


def test_the_wheel_install_validates_every_example(wheel_venv: Path, tmp_path: Path) -> None:
    examples = sorted(EXAMPLES.rglob("*.yaml"))
    assert len(examples) >= 12
    validated = subprocess.run(
        [wheel_venv / "bin" / "rehearsal", "validate", *examples],
        cwd=tmp_path,
        env=wheel_env(wheel_venv),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert f"{len(examples)} file(s) valid" in validated.stdout
