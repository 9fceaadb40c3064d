"""What capture makes of a host's answers: the products its roles recognise (every evidence
there), the version the installed package matches, params by the roles' read-backs with
secrets left out, the customer's cron jobs (not Debian's), and what matched no role. The
host is a fake passed in; tests/integration/test_capture.py reads real ones."""

from __future__ import annotations

from rehearsal.envs.base import CommandResult
from rehearsal.envs.capture import read_host
from rehearsal.envs.capture_targets import Target
from rehearsal.models.catalog import Recognise, RoleCatalog, RoleInfo

FACTS = """
@@os
ID=debian
VERSION_ID="12"
@@hostname
db-prod-01
@@nproc
8
@@meminfo
MemTotal:       16318460 kB
@@cpumax
max 100000
@@memmax
max
@@addr
2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0
@@route
default via 10.1.2.1 dev eth0
@@hosts
127.0.0.1 localhost
10.1.2.3 db-prod-01
@@df
/var/lib/postgresql 251658240 ext4
@@packages
postgresql-15\t15.20-0+deb12u1\tii
cron\t3.0pl1-162\tii
@@rc
S01postgresql S01cron S02erp
@@systemd
@@listen
LISTEN 0 244 0.0.0.0:5432 0.0.0.0:* users:(("postgres",pid=40,fd=6))
LISTEN 0 50 0.0.0.0:9000 0.0.0.0:* users:(("java",pid=51,fd=9))
@@procs
40\t/usr/lib/postgresql/15/bin/postgres\t/usr/lib/postgresql/15/bin/postgres -D /srv/pg
51\t/usr/lib/jvm/java-17/bin/java\tjava -jar /opt/erp/erp.jar
@@owners
postgresql-15: /usr/lib/postgresql/15/bin/postgres
openjdk-17-jre-headless:amd64: /usr/lib/jvm/java-17/bin/java
@@http
5432\t000
9000\t200
@@cron
#file /etc/crontab
17 * * * * root cd / && run-parts --report /etc/cron.hourly
#file /etc/cron.d/e2scrub_all
30 3 * * 0 root test -e /run/systemd/system || /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron
#file /etc/cron.d/erp-export
MAILTO=ops@example.com
15 2 * * * erp /opt/erp/bin/export --since yesterday
@@cronowned
e2fsprogs: /etc/cron.d/e2scrub_all
@@usercron
#file /var/spool/cron/crontabs/postgres
@daily pg_dumpall -f /backup/all.sql
@@timers
@@binaries
/usr/lib/postgresql/*/bin/postgres\t/usr/lib/postgresql/15/bin/postgres
@@services
postgresql
""".replace("\\t", "\t")

READBACKS = {
    "SHOW max_connections": "200\n",
    "cat /etc/pw": "hunter2-very-secret\n",
}


class FakeHost:
    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        command = argv[2]
        if "@@os" in command or "part os" in command:
            return CommandResult(0, FACTS, 0.1)
        output = next((out for key, out in READBACKS.items() if key in command), "")
        return CommandResult(0 if output else 1, output, 0.01)


def _catalog() -> RoleCatalog:
    postgresql = RoleInfo(
        "postgresql",
        frozenset({"max_connections", "replication_password"}),
        versions={"15": "15.*"},
        default_version="15",
        package="postgresql-{version}",
        readback={"max_connections": "SHOW max_connections", "replication_password": "cat /etc/pw"},
        recognise=Recognise(
            ("postgresql-[0-9]*",), "/usr/lib/postgresql/*/bin/postgres", "postgresql"
        ),
    )
    redis = RoleInfo("redis", frozenset(), recognise=Recognise(("redis-server",)))
    return RoleCatalog({"postgresql": postgresql, "redis": redis}, ())


def test_a_host_reads_into_its_product_size_disk_network_jobs_and_candidates() -> None:
    host = read_host(FakeHost(), Target("10.1.2.3", "10.1.2.3"), _catalog())  # type: ignore[arg-type]
    assert host.node == "db-prod-01"  # named by its hostname when named by its address
    assert (host.release, host.mirrorable, host.cpus, host.memory_bytes) == (
        "debian-12", True, 8.0, 16318460 * 1024,
    )  # fmt: skip
    assert [(m.path, m.size_bytes) for m in host.mounts] == [("/var/lib/postgresql", 251658240)]
    assert [str(i) for i in host.routed] == ["10.1.2.3/24"]
    (product,) = host.products  # redis: its package is not installed
    assert (product.role, product.version, product.installed, product.ports) == (
        "postgresql", "15", "postgresql-15 15.20-0+deb12u1", (5432,),
    )  # fmt: skip
    params = {p.name: (p.value, p.secret) for p in product.params}
    assert params == {"max_connections": ("200", False), "replication_password": ("", True)}
    assert [(c.schedule, c.user, c.command) for c in host.cron] == [
        ("15 2 * * *", "erp", "/opt/erp/bin/export --since yesterday"),
        ("@daily", "postgres", "pg_dumpall -f /backup/all.sql"),
    ]
    (candidate,) = host.candidates
    assert (candidate.process, candidate.command, candidate.ports, candidate.package) == (
        "java", "java -jar /opt/erp/erp.jar", (9000,), "openjdk-17-jre-headless",
    )  # fmt: skip
    assert [(lis.port, lis.http_status) for lis in host.listeners] == [(5432, None), (9000, 200)]
