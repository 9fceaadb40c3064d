"""Files of the parameter design: templates found beside the file that names them (an included
fragment's too), rendered with the node's params, and refused at validate with their line when
they cannot be rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput
from rehearsal.models.loading import load_profile
from rehearsal.models.node_files import render_all

PROFILE = """\
customer: {name: Files}
business: {targets: {rto: 1m}}
nodes:
  - name: web1
    role: nginx
    networks: [front]
    params: {worker_connections: 64}
    files:
      - {dest: /etc/nginx/conf.d/x.conf, template: t/x.conf.j2, vars: {port: 81}}
      - {dest: /etc/motd, content: "{{ literal }}", mode: "600", then: reload nginx}
networks: [{name: front}]
"""


def _profile(folder: Path, text: str = PROFILE, template: str = "{{ node }} {{ port }}") -> Path:
    (folder / "t").mkdir(exist_ok=True)
    (folder / "t" / "x.conf.j2").write_text(template + " {{ worker_connections }}\n")
    (folder / "profile.yaml").write_text(text)
    return folder / "profile.yaml"


def test_a_template_renders_with_the_nodes_params_and_the_files_vars(tmp_path: Path) -> None:
    node = load_profile(_profile(tmp_path)).node("web1")
    conf, motd = render_all(node)
    assert conf.content == "web1 81 64\n"
    assert motd.content == "{{ literal }}"
    assert motd.as_vars()["then"] == ["reload", "nginx"]
    assert node.files[0].template == str(tmp_path / "t" / "x.conf.j2")


def test_a_template_is_found_beside_the_fragment_that_names_it(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _profile(shared)
    (shared / "profile.yaml").rename(shared / "base.yaml")
    (tmp_path / "customer.yaml").write_text("include: [shared/base.yaml]\n")
    node = load_profile(tmp_path / "customer.yaml").node("web1")
    assert node.files[0].template == str(shared / "t" / "x.conf.j2")


@pytest.mark.parametrize(
    ("template", "text", "where", "message"),
    [
        ("{{ nope }}", PROFILE, ":9:", "'nope' is undefined; give it in the node's params"),
        ("{% if %}", PROFILE, ":9:", "template x.conf.j2"),
        ("x", PROFILE.replace("t/x.conf.j2", "t/missing.j2"), ":9:", "cannot be read"),
        ("x", PROFILE.replace("/etc/motd", "/etc/nginx/conf.d/x.conf"), ":10:", "already written"),
        ("x", PROFILE.replace("/etc/motd", "etc/motd"), ":10:", "dest"),
        (
            "x",
            PROFILE.replace('content: "{{ literal }}"', "template: t/x.conf.j2, content: a"),
            ":10:",
            "exactly one of 'template:', 'content:' or 'copy:'",
        ),
        ("x", PROFILE.replace("reload nginx", "bounce nginx"), ":10:", "then"),
    ],
)
def test_files_that_cannot_be_written_are_refused_with_their_line(
    tmp_path: Path, template: str, text: str, where: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        load_profile(_profile(tmp_path, text, template))
    assert f"profile.yaml{where}" in str(raised.value) and message in str(raised.value)
