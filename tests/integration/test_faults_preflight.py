"""Before phase 1, every node a fault will hit is checked for what the fault needs; a
fault the environment cannot do is refused with its FILE:LINE, and nothing is injected.

The kernel these tests run on has no tc netem, the real case of a missing capability."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.errors import RunRefused
from rehearsal.scenarios.faults.preflight import CHECKS, missing, preflight
from rehearsal.scenarios.planning import load_plan

pytestmark = pytest.mark.docker

PROFILE = """\
customer: {name: Test}
business: {targets: {rto: 1m}}
nodes:
  - {name: n1, role: shop-app, networks: [front]}
  - {name: n2, role: shop-app, networks: [front, back]}
  - {name: n3, role: nginx, networks: [back]}
networks: [{name: front}, {name: back, internal: true}]
probes: [{name: n1-http, tcp: {host: n1, port: 8080}}]
"""
SCENARIO = """\
kind: rehearsal
profile: profile.yaml
team: {operators: [{name: o}], analysts: [{name: a}]}
steady_state: [n1-http]
phases:
  - name: p1
    operator: o
    analyst: a
    steps:
      - fault: {type: network.loss, target: n1, loss: 10}
      - fault: {type: network.latency, role: shop-app, delay: 100}
"""


def test_base_image_node_has_everything_but_netem(nodes: DockerEnvironment) -> None:
    assert missing(nodes, "n1", set(CHECKS)) == ["netem"], "this kernel has tc netem?"
    assert "netem" not in nodes.exec("n1", ["tc", "qdisc", "show", "dev", "lo"], 5).output


def test_fault_the_nodes_cannot_do_is_refused_with_its_line(
    nodes: DockerEnvironment, tmp_path: Path
) -> None:
    (tmp_path / "profile.yaml").write_text(PROFILE)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    with pytest.raises(RunRefused) as refused:
        preflight(load_plan(scenario), nodes, 0)
    lines = str(refused.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{scenario}:11:9"] * 2, lines
    assert "network.latency on n1 needs tc netem in the kernel" in lines[0]
    assert "without it give 'port:'" in lines[0]
    assert "network.latency on n2" in lines[1]
    firewall = nodes.exec("n1", ["iptables-save"], 5).output
    assert "REHEARSAL-" not in firewall, "nothing may be injected"

    scenario.write_text(SCENARIO.replace("delay: 100", "delay: 100, port: 8080"))
    preflight(load_plan(scenario), nodes, 0)
