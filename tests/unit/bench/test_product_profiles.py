"""bench/product_roles.py's profiles: each one valid, named for the shipped role it benches,
and `bench/run` knows the benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.product_roles import PROFILES
from bench.suite import BENCHES
from rehearsal.models.loading import load_profile, playbooks_dir


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.yaml")), ids=lambda path: path.stem)
def test_a_product_profile_is_valid_and_uses_the_role_it_is_named_for(path: Path) -> None:
    profile = load_profile(path)
    assert (playbooks_dir() / "roles" / path.stem).is_dir()
    assert {node.role for node in profile.nodes} == {path.stem}
    assert 1 <= len(profile.nodes) <= 2


def test_bench_run_includes_the_product_roles_benchmark() -> None:
    assert "product_roles" in BENCHES
    assert (PROFILES / "keepalived.yaml").is_file()
