"""The shipped roles for real: installed at the version asked for, configured from their
params, serving, and idempotent (a second converge changes nothing); nginx sites, TLS and
upstream groups; PostgreSQL's databases, users and init_sql; every probe kind; node resource
limits; the fidelity check after converge and `rehearsal env check`; and last, the helper
commands a runbook calls (they change the nodes, so they run after the rest)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from rehearsal.scenarios.probes import PROBES
from tests.integration.conftest import converged, converged_again, eventually

pytestmark = pytest.mark.docker

PROFILE = Path(__file__).parent / "data" / "roles" / "profile.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    """The roles profile brought up and converged once for the module."""
    run_id = f"roles-test-{secrets.token_hex(3)}"
    run_dir = tmp_path_factory.mktemp("roles") / run_id
    with converged(PROFILE, run_dir) as mirror:
        yield mirror


def _sh(mirror: Mirror, node: str, script: str) -> str:
    assert mirror.env is not None
    result = mirror.env.exec(node, ["sh", "-c", script], 20)
    assert result.ok, result.output
    return result.output.strip()


def _run(mirror: Mirror, node: str, script: str) -> tuple[int, str]:
    """Exit status and output of a script that may fail."""
    assert mirror.env is not None
    result = mirror.env.exec(node, ["sh", "-c", script], 60)
    return result.exit_code, result.output.strip()


def _answers(mirror: Mirror, url: str, times: int, curl: str = "curl -fsS") -> list[str]:
    script = f"for i in $(seq {times}); do {curl} {url}; echo; done"
    return _sh(mirror, "web2", script).split()


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
    changed = converged_again(built)
    assert sum(changed.values()) == 0, changed


def test_files_of_the_parameter_design_are_written_and_their_service_reloaded(
    built: Mirror,
) -> None:
    extra = _sh(built, "web1", "cat /etc/nginx/conf.d/rehearsal-extra.conf")
    assert extra.splitlines()[:2] == [
        "# written by rehearsal for web1 (worker_connections 256)",
        "add_header X-Rehearsal-Node web1 always;",
    ]
    # nginx was running before the file came: the headers show only if it was reloaded
    headers = _sh(built, "web1", "curl -sS -I http://127.0.0.1/")
    assert "X-Rehearsal-Node: web1" in headers and "X-Rehearsal-Keepalive: 7" in headers
    assert (
        _sh(built, "web1", "cat /etc/rehearsal/notes.txt")
        == "kept as written: {{ not_a_template }}"
    )
    assert _sh(built, "web1", "stat -c %a /etc/rehearsal/notes.txt") == "600"
    [converged] = [e for e in read_journal(built.run_dir) if e["event"] == "fidelity.checked"][:1]
    files = [f for f in converged["facts"] if f["aspect"] == "file"]
    assert [(f["name"], f["matches"]) for f in files] == [
        ("/etc/nginx/conf.d/rehearsal-extra.conf", True),
        ("/etc/rehearsal/notes.txt", True),
    ]


def test_a_log_probe_fails_once_for_new_matching_lines(built: Mirror) -> None:
    assert built.env is not None
    spec = built.profile.probe("redis-errors")
    probe = PROBES["log"](spec.check, built.env)
    assert probe.sample().ok
    _sh(built, "cache1", "echo 'x REHEARSAL-ALERT y' >> /var/log/redis/redis-server.log")
    alerted = probe.sample()
    assert not alerted.ok and "1 new line" in alerted.detail
    assert probe.sample().ok


def test_node_resources_are_container_limits(built: Mirror) -> None:
    assert built.env is not None
    limits = built.env.limits("db3")
    assert (limits.cpus, limits.memory_bytes) == (0.5, 512 * 1024**2)
    assert limits.networks == ("back",)
    assert built.env.limits("lb2").networks == ("back", "front")
    assert built.env.address("lb2") == "10.213.77.12"  # the profile's subnet, .10 + index


def test_fidelity_after_converge_matches_the_profile(built: Mirror) -> None:
    [check] = [e for e in read_journal(built.run_dir) if e["event"] == "fidelity.checked"]
    facts = {(f["node"], f["name"]): f for f in check["facts"]}
    assert check["differences"] == 0, [f for f in check["facts"] if not f["matches"]]
    assert facts[("db3", "max_connections")]["actual"] == "50"
    assert facts[("db3", "shared_buffers")]["actual"] == "32MB"
    assert facts[("cache1", "maxmemory")]["actual"] == str(64 * 1024**2)
    assert facts[("lb2", "haproxy")]["actual"].startswith("2.6.")
    assert facts[("db3", "postgresql-15")]["matches"]
    assert facts[("db3", "memory")]["actual"] == str(512 * 1024**2)
    assert facts[("web1", "worker_connections")]["actual"] == "256"


def test_env_check_finds_a_parameter_changed_behind_the_profiles_back(built: Mirror) -> None:
    from typer.testing import CliRunner

    from rehearsal.cli.app import app
    from rehearsal.results.findings import fidelity_findings
    from rehearsal.results.model import FidelityFact

    runner = CliRunner()
    same = runner.invoke(app, ["env", "check", str(built.run_dir)], env={"COLUMNS": "300"})
    assert same.exit_code == 0, same.output
    _sh(built, "cache1", "redis-local CONFIG SET maxmemory-policy noeviction")
    try:
        changed = runner.invoke(app, ["env", "check", str(built.run_dir)], env={"COLUMNS": "300"})
    finally:
        _sh(built, "cache1", "redis-local CONFIG SET maxmemory-policy allkeys-lru")
    assert changed.exit_code == 1, changed.output
    assert "noeviction" in changed.output
    last = [e for e in read_journal(built.run_dir) if e["event"] == "fidelity.checked"][-1]
    facts = [FidelityFact.model_validate(f) for f in last["facts"]]
    [finding] = fidelity_findings(facts)
    assert "cache1" in finding.title and "maxmemory_policy" in finding.detail


def test_nginx_weighs_the_upstream_servers_and_keeps_the_backup_out(built: Mirror) -> None:
    answers = _answers(built, "-H 'Host: shop.example' http://127.0.0.1/", 8)
    assert sorted(answers) == ["a"] * 6 + ["b"] * 2  # weight 3 to 1; the backup c gets none


def test_nginx_sends_to_the_backup_when_every_server_in_service_is_down(built: Mirror) -> None:
    assert _answers(built, "http://127.0.0.1/fallback", 3) == ["c"] * 3


def test_nginx_serves_a_tls_site_with_a_self_signed_certificate_for_its_name(
    built: Mirror,
) -> None:
    sans = _sh(
        built, "web2", "openssl x509 -in /etc/nginx/tls/secure.crt -noout -ext subjectAltName"
    )
    assert "DNS:secure.example" in sans and "DNS:web2" in sans
    verified = "curl -fsS --cacert /etc/nginx/tls/secure.crt --resolve secure.example:443:127.0.0.1"
    answers = _answers(built, "https://secure.example/", 4, curl=verified)
    assert set(answers) <= {"a", "b"} and len(answers) == 4
    assert _run(built, "web2", "curl -fsS http://127.0.0.1:443/")[0] != 0  # TLS only there


def test_nginx_serves_a_tls_site_with_the_certificate_beside_the_profile(built: Mirror) -> None:
    given = (PROFILE.parent / "files" / "tls" / "given.crt").read_text()
    _sh(built, "web3", f"cat > /tmp/given.crt <<'EOF'\n{given}EOF")
    curl = "curl -fsS --cacert /tmp/given.crt --resolve given.example:443:127.0.0.1"
    assert _sh(built, "web3", f"{curl} https://given.example/") == "given"


def test_postgresql_makes_the_asked_users_and_databases_and_runs_init_sql(built: Mirror) -> None:
    login = "PGPASSWORD={pw} psql -X -tA -h 127.0.0.1 -U {user} -d inventory -c"
    stock = login.format(pw="stock-pw", user="stock")
    assert _sh(built, "db3", f"{stock} 'SELECT count(*) FROM items'") == "3"
    owner = "SELECT tableowner FROM pg_tables WHERE tablename = 'items'"
    assert _sh(built, "db3", f'{stock} "{owner}"') == "stock"
    reader = login.format(pw="reader-pw", user="reader")
    assert _sh(built, "db3", f"{reader} 'SELECT name FROM items ORDER BY id LIMIT 1'") == "bolt"
    databases = _sh(
        built,
        "db3",
        "cd / && runuser -u postgres -- psql -X -tA -c 'SELECT datname FROM pg_database'",
    )
    assert "shop" not in databases.split() and "inventory" in databases.split()
    # the replica has them by WAL, without running anything itself
    replica = (
        "cd / && runuser -u postgres -- psql -X -tA -d inventory -c 'SELECT count(*) FROM items'"
    )
    assert eventually(lambda: _run(built, "db4", replica) == (0, "3"), 30)


# The helper commands below change the nodes (switched servers, promotions): they come last.


def test_nginx_upstream_switch_puts_other_servers_in_service_and_keeps_the_backup(
    built: Mirror,
) -> None:
    switched = _sh(built, "web2", "nginx-upstream-switch pool 127.0.0.1:8082=2")
    assert "upstream pool now: 127.0.0.1:8082" in switched
    assert "backup" in _sh(built, "web2", "grep 8083 /etc/nginx/conf.d/upstream-pool.conf")
    assert eventually(lambda: set(_answers(built, "http://127.0.0.1/", 4)) == {"b"}, 10)
    _sh(built, "web2", "nginx-upstream-switch pool 127.0.0.1:8089")
    assert eventually(lambda: set(_answers(built, "http://127.0.0.1/", 3)) == {"c"}, 10)
    code, said = _run(built, "web2", "nginx-upstream-switch nosuch 127.0.0.1")
    assert code == 2 and "groups: fallback pool" in said
    before = _sh(built, "web2", "cat /etc/nginx/conf.d/upstream-pool.conf")
    code, said = _run(built, "web2", "nginx-upstream-switch pool no-such-host.invalid")
    assert code == 1 and "previous one restored" in said
    assert _sh(built, "web2", "cat /etc/nginx/conf.d/upstream-pool.conf") == before
    _sh(built, "web2", "nginx-upstream-switch pool 127.0.0.1:8081=3 127.0.0.1:8082")


def test_the_shorthands_upstream_group_is_app(built: Mirror) -> None:
    said = _sh(built, "web1", "nginx-upstream-switch app 127.0.0.1:81")
    assert "upstream app now: 127.0.0.1:81" in said


def test_haproxy_server_drains_takes_out_and_readies_a_server(built: Mirror) -> None:
    assert "now DRAIN" in _sh(built, "lb2", "haproxy-server app/web1 drain")
    assert "now MAINT" in _sh(built, "lb2", "haproxy-server app/web1 maint")
    code, said = _run(built, "lb2", "haproxy-server app/nosuch ready")
    assert code == 2 and "app/web1" in said
    assert _run(built, "lb2", "haproxy-server app/web1 sideways")[0] == 2
    readied = _sh(built, "lb2", "haproxy-server app/web1 ready")
    assert "was MAINT" in readied and "now MAINT" not in readied


def test_redis_promote_makes_the_replica_a_primary_that_takes_writes(built: Mirror) -> None:
    promoted = _sh(built, "cache2", "redis-promote")
    assert "cache2 is now a primary" in promoted and "written to redis.conf" in promoted
    assert "role:master" in _sh(built, "cache2", "redis-local INFO replication")
    assert _sh(built, "cache2", "redis-local SET after-promotion yes") == "OK"
    assert "already a primary" in _sh(built, "cache2", "redis-promote")


def test_pg_promote_makes_the_replica_a_primary(built: Mirror) -> None:
    assert _run(built, "db4", "pg-promote soon")[0] == 2
    promoted = _sh(built, "db4", "pg-promote")
    assert "db4 is now a primary" in promoted
    sql = "cd / && runuser -u postgres -- psql -X -tA -d inventory -c"
    assert _sh(built, "db4", f"{sql} \"INSERT INTO items (name) VALUES ('pin') RETURNING id\"")
    assert "pg-promote: db4 is already a primary" in _sh(built, "db4", "pg-promote")


def test_pg_repoint_makes_the_other_replica_follow_the_promoted_primary(built: Mirror) -> None:
    """db5 streamed from db3; once db4 is promoted, pg-repoint points db5 at db4 and a row
    written on db4 reaches db5."""
    assert _run(built, "db5", "pg-repoint db4 port")[0] == 2
    code, said = _run(built, "db3", "pg-repoint db4")
    assert code == 1 and "db3 is a primary, not a replica" in said
    _sh(built, "db4", "pg-promote")
    repointed = _sh(built, "db5", "pg-repoint db4")
    assert "was streaming from db3" in repointed and "now streams from db4:5432" in repointed
    sql = "cd / && runuser -u postgres -- psql -X -tA -d inventory -c"
    _sh(built, "db4", f"{sql} \"INSERT INTO items (name) VALUES ('after-repoint')\"")
    assert eventually(
        lambda: "after-repoint" in _sh(built, "db5", f'{sql} "SELECT name FROM items"'), 20
    )
    conninfo = _sh(built, "db5", f"{sql} 'SHOW primary_conninfo'")
    assert "host=db4" in conninfo
