"""The draft profile written from captured facts: it validates as written, says where each
value came from, never holds a secret, flags what a node image cannot be, and says when it
is partial."""

from __future__ import annotations

from ipaddress import IPv4Interface
from pathlib import Path

from rehearsal.models.captured import (
    Candidate,
    Capture,
    CapturedHost,
    CronEntry,
    Listener,
    Mount,
    ParamReading,
    Product,
    Unreached,
)
from rehearsal.models.draft import draft_profile
from rehearsal.models.loading import load_profile


def _host(node: str, address: str, **kwargs: object) -> CapturedHost:
    fields: dict[str, object] = {
        "os_id": "debian",
        "os_version": "12",
        "os_like": (),
        "cpus": 2.0,
        "memory_bytes": 2 * 1024**3,
        "limits_source": "cgroup limits",
        "interfaces": (IPv4Interface(address),),
    }
    fields.update(kwargs)
    return CapturedHost(node=node, address=f"root@{address.split('/')[0]}:22", **fields)  # type: ignore[arg-type]


DB = _host(
    "db1",
    "10.1.2.3/24",
    mounts=(Mount("/var/lib/postgresql", 240 * 1024**2, "ext4"),),
    routed=(IPv4Interface("10.1.2.3/24"),),
    listeners=(Listener(5432, "0.0.0.0", "postgres", "/usr/lib/postgresql/15/bin/postgres"),),
    products=(
        Product(
            "postgresql",
            "package postgresql-15 15.20-0+deb12u1",
            "15",
            "postgresql-15 15.20-0+deb12u1",
            (
                ParamReading("max_connections", "200", "psql -c 'SHOW max_connections'"),
                ParamReading("db_password", "", "cat /etc/pw", secret=True),
            ),
            ports=(5432,),
        ),
    ),
    cron=(CronEntry("@daily", "/usr/local/bin/backup --full", "postgres", "/etc/cron.d/backup"),),
)
APP = _host(
    "app1",
    "10.1.2.4/24",
    os_id="rocky",
    os_version="9",
    os_like=("rhel", "fedora"),
    listeners=(Listener(8080, "0.0.0.0", "java", "java -jar /opt/erp/erp.jar", "", 200),),
    candidates=(Candidate("java", "java -jar /opt/erp/erp.jar", (8080,), "", "erp"),),
)


def _written(tmp_path: Path, capture: Capture) -> tuple[str, Path]:
    path = tmp_path / "profile.yaml"
    text = draft_profile(capture)
    path.write_text(text)
    return text, path


def test_a_draft_validates_and_says_where_each_value_came_from(tmp_path: Path) -> None:
    text, path = _written(tmp_path, Capture((DB, APP), sources=("hosts.ini",)))
    profile = load_profile(path)
    db = profile.node("db1")
    assert (db.role, db.version, db.params["max_connections"]) == ("postgresql", "15", 200)
    assert db.volumes[0].size == "256m"  # df's 240 MiB of ext4 is a 256 MiB disk
    assert db.resources.cpus == 2 and db.resources.memory == "2048m"
    assert (
        "max_connections: 200  # captured: read back with `psql -c 'SHOW max_connections'`" in text
    )
    assert profile.networks[0].name == "net-10-1-2-0-24" and not profile.networks[0].internal
    assert [n.networks for n in profile.nodes] == [["net-10-1-2-0-24"]] * 2  # one shared subnet
    job = profile.jobs[0]
    assert (job.schedule, job.on, job.run) == (
        "cron 0 0 * * *",
        "db1",
        "/usr/local/bin/backup --full",
    )
    assert [(p.name, p.kind) for p in profile.probes] == [
        ("db1-5432", "tcp"),
        ("app1-8080", "http"),
    ]
    assert "PARTIAL" not in text


def test_a_secret_is_a_reference_to_fill_in_never_the_value(tmp_path: Path) -> None:
    text, path = _written(tmp_path, Capture((DB,)))
    profile = load_profile(path)
    assert profile.node("db1").params["db_password"] == ""
    assert [(s.param, s.env) for s in profile.secrets if not isinstance(s, str)] == [
        ("db_password", "REHEARSAL_SECRET_DB_PASSWORD")
    ]
    assert 'db_password: ""  # secret: not copied from the server' in text


def test_a_host_matching_no_role_is_a_service_node_and_a_candidate(tmp_path: Path) -> None:
    text, path = _written(tmp_path, Capture((APP,)))
    app = load_profile(path).node("app1")
    assert (app.role, app.params) == (
        "service",
        {"command": "java -jar /opt/erp/erp.jar", "port": 8080},
    )
    assert (
        "#   app1: process java; command java -jar /opt/erp/erp.jar; ports 8080; service erp"
        in text
    )
    assert "# NOT MIRRORABLE AS IS: the host runs rocky-9" in text


def test_a_partial_draft_says_so_and_names_the_hosts_left_out(tmp_path: Path) -> None:
    reason = "db2 (root@10.1.2.9:22) refused the login with the key k: add its public key"
    text, path = _written(tmp_path, Capture((DB,), (Unreached("root@10.1.2.9:22", reason),)))
    assert (
        f"# PARTIAL DRAFT: these hosts could not be read and are not in it:\n#   {reason}" in text
    )
    assert [n.name for n in load_profile(path).nodes] == ["db1"]
