"""The shipped tomcat role for real: Tomcat 10.1 from Debian running a WAR written here (a zip
of a web.xml and static pages; no JDK needed), its connector and heap from the profile and read
back from the running JVM, the WAR compared by SHA-256; the JVM killed by a process.kill fault
and brought back with the runbook's commands, timed; back by itself after a container restart;
a new WAR swapped in with tomcat-redeploy; and the example drill run as `rehearsal run` runs it,
its runbook bringing the killed JVM back within the RTO."""

from __future__ import annotations

import base64
import json
import secrets
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from rehearsal.scenarios.probes import PROBES
from tests.conftest import EXAMPLES
from tests.integration.conftest import converged, converged_again, eventually, injected
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker

PROFILE = """\
customer: {name: Tomcat shop}
business: {targets: {rto: 2m}}
nodes:
  - name: app1
    role: tomcat
    networks: [front]
    params:
      war: dist/shop.war
      context_path: /
      health_path: /health.txt
      port: 8081
      max_threads: 50
      connection_timeout: 15000
      xms: 64m
      xmx: 192m
networks: [{name: front}]
probes:
  - {name: shop-http, http: {url: "http://app1:8081/", expect_status: 200}, interval: 500ms}
"""

WEB_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <display-name>shop</display-name>
</web-app>
"""


def write_war(path: Path, release: str, web_xml: str = WEB_XML) -> None:
    """A WAR is a zip: a deployment descriptor and static pages are a whole application."""
    with zipfile.ZipFile(path, "w") as war:
        war.writestr("WEB-INF/web.xml", web_xml)
        war.writestr("index.html", f"<h1>shop {release}</h1>\n")
        war.writestr("health.txt", "ok\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    folder = tmp_path_factory.mktemp("tomcat")
    (folder / "dist").mkdir()
    write_war(folder / "dist" / "shop.war", "v1")
    (folder / "profile.yaml").write_text(PROFILE)
    run_dir = folder / f"tomcat-test-{secrets.token_hex(3)}"
    with converged(folder / "profile.yaml", run_dir) as mirror:
        yield mirror


def _run(mirror: Mirror, argv: list[str], timeout_s: float = 60) -> tuple[int, str]:
    assert mirror.env is not None
    result = mirror.env.exec("app1", argv, timeout_s)
    return result.exit_code, result.output.strip()


def _put(mirror: Mirror, path: str, data: bytes) -> None:
    copy = 'printf %s "$1" | base64 -d > "$2"'
    assert _run(mirror, ["sh", "-c", copy, "sh", base64.b64encode(data).decode(), path])[0] == 0


def _page(mirror: Mirror) -> str:
    return _run(mirror, ["curl", "-fsS", "--max-time", "3", "http://127.0.0.1:8081/"])[1]


def _probe_passes(mirror: Mirror) -> bool:
    assert mirror.env is not None
    spec = mirror.profile.probe("shop-http")
    return PROBES[spec.kind](spec.check, mirror.env).sample().ok


def test_the_war_answers_through_the_connector(built: Mirror) -> None:
    assert _page(built) == "<h1>shop v1</h1>"
    assert eventually(lambda: _probe_passes(built), 30)
    code, version = _run(built, ["dpkg-query", "-W", "-f=${Version}", "tomcat10"])
    assert code == 0 and version.startswith("10.1.")


def test_fidelity_reads_the_connector_and_heap_back_from_the_running_jvm(built: Mirror) -> None:
    [check] = [e for e in read_journal(built.run_dir) if e["event"] == "fidelity.checked"]
    assert check["differences"] == 0, [f for f in check["facts"] if not f["matches"]]
    facts = {f["name"]: f["actual"] for f in check["facts"] if f["node"] == "app1"}
    assert facts["port"] == "8081"
    assert facts["max_threads"] == "50"
    assert facts["connection_timeout"] == "15000"
    assert (facts["xms"], facts["xmx"]) == ("64m", "192m")
    assert facts["tomcat10"].startswith("10.1.")
    code, args = _run(built, ["sh", "-c", "ps -o args= -p $(cat /run/tomcat10.pid)"])
    assert code == 0 and "-Xmx192m" in args.split()


def test_the_helpers_say_how_tomcat_is_and_refuse_bad_usage(built: Mirror) -> None:
    code, said = _run(built, ["tomcat-health"])
    assert code == 0 and "connector listening on :8081" in said and "answered 200" in said
    code, listed = _run(built, ["tomcat-manager", "text/list"])
    assert code == 0 and "/:running:0:ROOT" in listed  # the WAR, not Debian's page
    assert _run(built, ["tomcat-manager"])[0] == 2
    assert _run(built, ["tomcat-health", "soon"])[0] == 2
    assert _run(built, ["tomcat-redeploy", "/etc/hostname"])[0] == 2


def test_a_second_converge_changes_nothing(built: Mirror) -> None:
    changed = converged_again(built)
    assert sum(changed.values()) == 0, changed


def test_a_killed_jvm_is_brought_back_by_the_runbooks_commands(built: Mirror) -> None:
    spec = {"type": "process.kill", "target": "app1", "name": "java", "service": "tomcat10"}
    assert built.env is not None
    with injected(built.env, spec):
        killed = time.monotonic()
        code, said = _run(built, ["tomcat-health"])
        assert code == 1 and "JVM not running" in said
        assert not _probe_passes(built)
        code, said = _run(built, ["sh", "-c", "/etc/init.d/tomcat10 start && tomcat-health 120"])
        recovered = time.monotonic() - killed
        assert code == 0, said
        assert "is serving" in said
    assert _page(built) == "<h1>shop v1</h1>"
    print(f"tomcat: JVM killed to the application answering again: {recovered:.1f}s")


def test_tomcat_comes_back_by_itself_after_a_container_restart(built: Mirror) -> None:
    assert built.env is not None
    with injected(built.env, {"type": "container.restart", "target": "app1"}):
        restarted = time.monotonic()
        assert eventually(lambda: _run(built, ["tomcat-health"])[0] == 0, 120)
        back = time.monotonic() - restarted
    assert _page(built) == "<h1>shop v1</h1>"
    print(f"tomcat: container restart to the application answering again: {back:.1f}s")


def test_tomcat_redeploy_swaps_the_war_and_fidelity_sees_the_new_one(built: Mirror) -> None:
    assert built.env is not None
    new = Path(str(built.profile.node("app1").params["war"])).with_name("shop-v2.war")
    write_war(new, "v2")
    _put(built, "/tmp/shop-v2.war", new.read_bytes())
    code, said = _run(built, ["tomcat-redeploy", "/tmp/shop-v2.war", "90"], 120)
    assert code == 0, said
    assert "deployed after" in said and "is serving" in said
    assert _page(built) == "<h1>shop v2</h1>"
    facts = {(f.node, f.name): f for f in built.check_fidelity()}
    assert not facts[("app1", "war")].matches, "the deployed WAR is no longer the profile's"
    assert facts[("app1", "port")].matches


def test_tomcat_redeploy_puts_the_previous_war_back_when_the_new_one_does_not_come_up(
    built: Mirror,
) -> None:
    broken = Path(str(built.profile.node("app1").params["war"])).with_name("broken.war")
    write_war(broken, "v3", web_xml="<web-app")  # a descriptor Tomcat cannot parse
    _put(built, "/tmp/broken.war", broken.read_bytes())
    code, said = _run(built, ["tomcat-redeploy", "/tmp/broken.war", "25"], 60)
    assert code == 1, said
    assert "the previous WAR is back in place" in said
    assert eventually(lambda: _page(built) == "<h1>shop v2</h1>", 60)


def test_the_jvm_crash_drill_recovers_with_its_runbook_within_the_rto(tmp_path: Path) -> None:
    drill = EXAMPLES / "products" / "tomcat" / "drill-jvm-crash.yaml"
    process = _rehearsal("run", str(drill), "--people", "none", "--out", str(tmp_path))
    output, _ = process.communicate(timeout=900)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert (fault["type"], fault["targets"], fault["revert_status"]) == (
        "process.kill",
        ["app1"],
        "reverted",
    )
    [phase] = results["phases"]
    [runbook] = [s for s in phase["steps"] if s["type"] == "runbook"]
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed"] * 4
    assert "JVM not running" in runbook["runbook_steps"][0]["output"]
    assert "is serving" in runbook["runbook_steps"][2]["output"]
    assert "/orders:running" in runbook["runbook_steps"][3]["output"]
    metrics = results["metrics"]
    assert 0 < metrics["time_to_detect_s"] < metrics["time_to_recover_s"] < metrics["rto_s"]
    assert metrics["within_rto"] is True
    assert _labelled(results["run_id"]) == []
    detected, recovered = metrics["time_to_detect_s"], metrics["time_to_recover_s"]
    print(f"tomcat drill: detected after {detected}s, recovered after {recovered}s")
