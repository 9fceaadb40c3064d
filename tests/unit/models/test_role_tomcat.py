"""The shipped tomcat role as validate sees it: Debian bookworm's Tomcat 10.1, short params onto
`tomcat_` variables, the WAR a file beside the profile, read-backs for the connector and the
heap; a connector or heap param of the wrong shape is an error at its line saying what to give;
the example drill and the bench profile are valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import InvalidInput
from rehearsal.models.catalog import role
from rehearsal.models.loading import load_profile, playbooks_dir
from tests.conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "products" / "tomcat"
PROFILE = """\
customer: {name: Tomcat}
business: {targets: {rto: 1m}}
nodes:
  - name: app1
    role: tomcat
    networks: [front]
    params:
      war: dist/shop.war
      PARAM
networks: [{name: front}]
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _profile(tmp_path: Path, param: str) -> Path:
    (tmp_path / "dist").mkdir(exist_ok=True)
    (tmp_path / "dist" / "shop.war").write_bytes(b"PK\x05\x06" + bytes(18))
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.replace("PARAM", param))
    return path


def _problem(tmp_path: Path, param: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        load_profile(_profile(tmp_path, param))
    [problem] = caught.value.problems
    return str(problem)


def test_tomcat_offers_bookworms_10_1_with_short_params_and_the_war_beside_the_profile() -> None:
    tomcat = role(playbooks_dir() / "roles" / "tomcat")
    assert (tomcat.default_version, tomcat.versions) == ("10.1", {"10.1": "10.1.*"})
    assert tomcat.package == "tomcat10" and "default-jre-headless" in tomcat.packages
    assert tomcat.path_params == ("war",)
    assert tomcat.variable("max_threads") == "tomcat_max_threads"
    assert set(tomcat.readback) == {"port", "max_threads", "connection_timeout", "xms", "xmx"}
    assert set(tomcat.params_schema) <= tomcat.params


def test_the_war_is_resolved_beside_the_profile(tmp_path: Path) -> None:
    profile = load_profile(_profile(tmp_path, "max_threads: 50"))
    params = profile.nodes[0].params
    assert params == {"war": str((tmp_path / "dist" / "shop.war").resolve()), "max_threads": 50}


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("max_threads: lots", "max_threads must be integer; give a whole number of threads, 1 to"),
        ("max_threads: 0", "max_threads must be bigger than or equal to 1; give a whole number"),
        ("port: 80800", "port must be smaller than or equal to 65535; give a TCP port, 1 to 65535"),
        ("connection_timeout: 20s", "connection_timeout must be integer; give milliseconds as a"),
        ("xmx: 512", "xmx must be string; give a heap size as the JVM writes it, such as 256m"),
        ("xms: 1.5g", "xms must match pattern ^([0-9]+[kKmMgG]?)?$; give a heap size"),
        ("context_path: shop", "context_path must match pattern ^/([A-Za-z0-9._-]+(/"),
        ("health_path: health", "health_path must match pattern ^/[^\\s]*$; give a path starting"),
    ],
)
def test_a_param_of_the_wrong_shape_is_an_error_at_its_line(
    tmp_path: Path, param: str, expected: str
) -> None:
    problem = _problem(tmp_path, param)
    assert problem.startswith(f"{tmp_path / 'profile.yaml'}:9:7: {expected}"), problem


def test_the_example_drill_and_the_bench_profile_are_valid() -> None:
    paths = [
        EXAMPLE / "profile.yaml",
        EXAMPLE / "drill-jvm-crash.yaml",
        ROOT / "bench" / "product_profiles" / "tomcat.yaml",
    ]
    result = CliRunner().invoke(app, ["validate", *map(str, paths)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "3 file(s) valid"
