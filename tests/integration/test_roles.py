"""The Redis and HAProxy roles for real: installed at the version asked for, configured from
their params, serving, and idempotent (a second converge changes nothing)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from rehearsal.journal import Journal
from rehearsal.mirror import Mirror
from rehearsal.models.loading import load_profile
from rehearsal.scenarios.probes import PROBES
from tests.integration.conftest import eventually

pytestmark = pytest.mark.docker

PROFILE = Path(__file__).parent / "data" / "roles" / "profile.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    """The roles profile brought up and converged once for the module."""
    run_id = f"roles-test-{secrets.token_hex(3)}"
    run_dir = tmp_path_factory.mktemp("roles") / run_id
    with ExitStack() as stack, Journal(run_dir) as journal:
        mirror = Mirror(
            load_profile(PROFILE), run_id, run_dir, journal, False, stack, lambda _m: None
        )
        mirror.prepare_images()
        mirror.environment_up()
        mirror.converge()
        yield mirror


def _sh(mirror: Mirror, node: str, script: str) -> str:
    assert mirror.env is not None
    result = mirror.env.exec(node, ["sh", "-c", script], 20)
    assert result.ok, result.output
    return result.output.strip()


def test_every_probe_of_the_roles_profile_passes(built: Mirror) -> None:
    assert built.env is not None
    for spec in built.profile.probes:
        probe = PROBES[spec.kind](spec.check, built.env)
        assert eventually(lambda probe=probe: probe.sample().ok, 30), spec.name


def test_redis_runs_the_pinned_version_with_the_profiles_params(built: Mirror) -> None:
    assert _sh(built, "cache1", "dpkg-query -W -f='${Version}' redis-server").startswith("5:7.0.")
    assert _sh(built, "cache1", "redis-local --raw CONFIG GET maxmemory | tail -n 1") == str(
        64 * 1024 * 1024
    )
    policy = "redis-local --raw CONFIG GET maxmemory-policy | tail -n 1"
    assert _sh(built, "cache1", policy) == "allkeys-lru"


def test_redis_replica_follows_its_primary(built: Mirror) -> None:
    _sh(built, "cache1", "redis-local SET rehearsal-key replicated")

    def replicated() -> bool:
        assert built.env is not None
        found = built.env.exec("cache2", ["redis-local", "GET", "rehearsal-key"], 5)
        return found.output.strip() == "replicated"

    assert eventually(replicated, 30)
    assert "role:slave" in _sh(built, "cache2", "redis-local INFO replication")


def test_haproxy_forwards_to_its_backend_with_the_profiles_maxconn(built: Mirror) -> None:
    assert _sh(built, "lb2", "dpkg-query -W -f='${Version}' haproxy").startswith("2.6.")
    assert "nginx" in _sh(built, "lb2", "curl -sS -i http://127.0.0.1/ | grep -i '^server:'")
    info = "echo 'show info' | socat stdio /run/haproxy/admin.sock | sed -n 's/^Maxconn: //p'"
    assert _sh(built, "lb2", info) == "500"


def test_a_second_converge_changes_nothing(built: Mirror) -> None:
    from rehearsal.envs.ansible import HostVars, run_playbook
    from rehearsal.models.loading import playbooks_dir

    assert built.env is not None and built.keys is not None
    hosts = [
        HostVars(n.name, built.env.address(n.name), n.role, n.version or "", n.params)
        for n in built.profile.nodes
    ]
    report = run_playbook(
        playbooks_dir() / "converge.yml", hosts, built.keys.private_path, built.run_dir / "again"
    )
    assert sum(report.changed.values()) == 0, report.changed
