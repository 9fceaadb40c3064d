"""Drift between a profile and its servers: a version upgraded, a param changed, a job
added, a node gone, each one row; the servers as the profile says them are no drift."""

from __future__ import annotations

from pathlib import Path

from rehearsal.envs.drift import Drift, drift
from rehearsal.models.captured import (
    Capture,
    CapturedHost,
    CronEntry,
    ParamReading,
    Product,
    Unreached,
)
from rehearsal.models.loading import catalog_of, load_profile

WEBSHOP = Path(__file__).parents[3] / "examples" / "webshop" / "profile.yaml"


def _host(node: str, product: Product, cron: tuple[CronEntry, ...] = ()) -> CapturedHost:
    return CapturedHost(
        node, f"root@{node}:22", "debian", "12", (), 2, None, "", products=(product,), cron=cron
    )


def _servers(db_version: str = "15", max_connections: str = "100") -> list[CapturedHost]:
    lb = Product(
        "nginx", "", "1.22", "nginx 1.22.1-9", (ParamReading("worker_connections", "1024", ""),)
    )
    app = Product("shop-app", "", None, "", (ParamReading("pool_size", "20", ""),))
    params = (
        ParamReading("max_connections", max_connections, ""),
        ParamReading("shared_buffers", "128MB", ""),
    )
    version = db_version if db_version == "15" else None
    db = Product("postgresql", "", version, f"postgresql-15 {db_version}", params)
    return [_host("lb1", lb), _host("app1", app), _host("app2", app), _host("db1", db)]


def test_servers_as_the_profile_says_are_no_drift() -> None:
    profile = load_profile(WEBSHOP)
    assert drift(profile, Capture(tuple(_servers())), catalog_of(profile)) == []


def test_each_kind_of_drift_is_one_row() -> None:
    profile = load_profile(WEBSHOP)
    lb, _app1, app2, db = _servers("16.1-1", "200")
    job = CronEntry("0 2 * * *", "/usr/local/bin/export", "root", "/etc/cron.d/export")
    app2 = _host("app2", app2.products[0], (job,))
    gone = Unreached("root@10.0.0.2:22", "app1 (root@10.0.0.2:22): cannot reach lab host", "app1")
    found = drift(profile, Capture((lb, app2, db), (gone,)), catalog_of(profile))
    assert found == [
        Drift("app1", "node", "app1", "shop-app", "app1 (root@10.0.0.2:22): cannot reach lab host"),
        Drift("app2", "job", "/usr/local/bin/export", "not in the profile", "0 2 * * *"),
        Drift("db1", "version", "postgresql", "15", "postgresql-15 16.1-1"),
        Drift("db1", "param", "max_connections", "100", "200"),
    ]
