"""Profile capture against real servers: the demo's mirror captured from an Ansible
inventory of two groups, the draft validated and mirrored again, and the new mirror checked
against the *original* profile; a lab host (the sshd stand-in) captured from the command
line, read-only, its cron job, secret and unknown program found, and the hosts that cannot
be read named while the others are captured."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.client.schemas.responses import DeploymentResponse

from rehearsal.envs.capture import CaptureAccess, capture
from rehearsal.envs.capture_targets import from_inventory, from_words
from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NetworkSpec, NodeSpec
from rehearsal.envs.fidelity import check_fidelity
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.labels import owner_labels
from rehearsal.flows.drift_check import rehearsal_drift
from rehearsal.models.catalog import role_catalog
from rehearsal.models.draft import draft_profile
from rehearsal.models.loading import catalog_of, load_profile, playbooks_dir
from tests.integration.conftest import converged, serve_http
from tests.integration.prefect_server import prefect_server, wait_for

pytestmark = pytest.mark.docker

WEBSHOP = Path(__file__).parents[2] / "examples" / "webshop" / "profile.yaml"


def test_the_demo_captured_from_an_inventory_mirrors_as_the_original_profile(
    tmp_path: Path,
) -> None:
    original = load_profile(WEBSHOP)
    (tmp_path / "reports").mkdir()
    with converged(WEBSHOP, tmp_path / "reports" / f"capture-src-{secrets.token_hex(3)}") as src:
        assert src.env is not None and src.keys is not None
        inventory = tmp_path / "hosts.ini"
        address = src.env.address
        inventory.write_text(
            "[web]\n"
            f"lb1 ansible_host={address('lb1')}\n"
            "[shop]\n"
            f"app1 ansible_host={address('app1')}\n"
            f"app2 ansible_host={address('app2')}\n"
            "db1\n"
        )
        # db1's address and the shop group's login come from Ansible's vars folders
        (tmp_path / "host_vars").mkdir()
        (tmp_path / "host_vars" / "db1.yml").write_text(
            f"ansible_host: {address('db1')}\nansible_port: 22\n"
        )
        (tmp_path / "group_vars" / "shop").mkdir(parents=True)
        (tmp_path / "group_vars" / "shop" / "login.yml").write_text("ansible_user: root\n")
        access = CaptureAccess(src.keys.private_path, tmp_path / "known_hosts", "accept-new")
        captured = capture(from_inventory(inventory), access, catalog_of(None))
        assert not captured.partial, captured.unreached
        assert {h.node: h.groups for h in captured.hosts} == {
            "lb1": ("web",),
            "app1": ("shop",),
            "app2": ("shop",),
            "db1": ("shop",),
        }
        draft = tmp_path / "captured" / "profile.yaml"
        draft.parent.mkdir()
        draft.write_text(draft_profile(captured))
    profile = load_profile(draft)  # the draft validates as written
    assert {n.name: n.role for n in profile.nodes} == {n.name: n.role for n in original.nodes}
    with converged(draft, tmp_path / "reports" / f"capture-new-{secrets.token_hex(3)}") as new:
        assert new.env is not None
        facts = check_fidelity(new.env, original, catalog_of(original))
    checked = [f for f in facts if f.aspect in ("package", "param")]
    assert [f for f in checked if not f.matches] == []
    assert {(f.node, f.name) for f in checked} >= {
        ("lb1", "nginx"),
        ("lb1", "worker_connections"),
        ("app1", "pool_size"),
        ("app2", "pool_size"),
        ("db1", "postgresql-15"),
        ("db1", "max_connections"),
        ("db1", "shared_buffers"),
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DockerEnvironment, str]]:
    """One sshd (the customer's server) running an unknown program, a cron job and an own
    product whose config holds a token; its ed25519 host key line for known_hosts."""
    from rehearsal.envs.docker import docker_client

    run_dir = tmp_path_factory.mktemp("capture-lab")
    run_id = f"capture-test-{secrets.token_hex(3)}"
    spec = EnvironmentSpec(
        run_id,
        (NodeSpec("erp1", BASE_IMAGE, ("lab",)),),
        (NetworkSpec("lab", False),),
        owner_labels(run_id, False, run_dir),
    )
    env = DockerEnvironment(docker_client(), spec, generate_key_pair(run_dir / "ssh", run_id))
    try:
        env.up()
        script = (
            "mkdir -p /opt/acme /etc/acme /etc/cron.d && "
            "printf '#!/bin/sh\\n' > /opt/acme/acme-api && chmod 755 /opt/acme/acme-api && "
            "echo 's3cr3t-T0ken-value' > /etc/acme/token && "
            "echo 'SHELL=/bin/sh' > /etc/cron.d/acme-export && "
            "echo '30 1 * * * root /opt/acme/export --all' >> /etc/cron.d/acme-export"
        )
        assert env.exec("erp1", ["sh", "-c", script], 10).ok
        serve_http(env, "erp1", 8090)
        key = env.exec("erp1", ["cat", "/etc/ssh/ssh_host_ed25519_key.pub"], 10).output.split()
        yield env, f"{env.address('erp1')} {key[0]} {key[1]}\n"
    finally:
        env.down()


def _own_role(folder: Path) -> Path:
    """A customer's own role that recognises /opt/acme/acme-api and reads its token back."""
    role = folder / "acme-api"
    for part in ("defaults", "meta", "tasks"):
        (role / part).mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text(
        "---\n# The API's token.\nacme_api_token: ''\n# Its port.\nacme_api_port: 8090\n"
    )
    (role / "tasks" / "main.yml").write_text("---\n[]\n")
    (role / "tasks" / "install.yml").write_text("---\n[]\n")
    (role / "meta" / "rehearsal.yml").write_text(
        "---\nvar_prefix: acme_api_\n"
        "readback:\n  token: cat /etc/acme/token\n  port: echo 8090\n"
        "recognise:\n  binary: /opt/acme/acme-api\n"
    )
    return folder


def _host_digest(env: DockerEnvironment) -> str:
    """A hash of everything capture could change: the content of configuration, programs of
    its own, packages' records and cron; every file's name, size and time under /usr."""
    listing = (
        "find /etc /opt /usr/local /var/spool /var/lib/dpkg -type f -print0 2>/dev/null "
        "| sort -z | xargs -0 sha256sum; find /usr -printf '%p %s %T@\\n' | sort"
    )
    # Hashed in the node: the listing is larger than what exec hands back.
    script = f'all=$({listing}); printf "%s\\n" "$all" | wc -l; printf "%s" "$all" | sha256sum'
    result = env.exec("erp1", ["sh", "-c", script], 120)
    lines, digest = result.output.split("\n", 1)
    assert result.ok and int(lines) > 5000, result.output
    return digest.split()[0]


def test_a_lab_host_is_captured_read_only_with_its_job_secret_and_unknown_program(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    roles = _own_role(tmp_path / "roles")
    before = _host_digest(env)
    draft = tmp_path / "profile.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "rehearsal", "profile", "capture",
         "--hosts", f"root@{env.address('erp1')}", "--key", str(env.private_key()),
         "--known-hosts", str(known), "--roles", str(roles), "-o", str(draft)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _host_digest(env) == before  # read-only: nothing changed, nothing installed
    text = draft.read_text()
    profile = load_profile(draft)
    node = profile.node("erp1")
    assert node.role == "acme-api"
    assert node.params["port"] == 8090
    assert "s3cr3t" not in text and node.params["token"] == ""
    assert [(s.param, s.env) for s in profile.secrets if not isinstance(s, str)] == [
        ("token", "REHEARSAL_SECRET_TOKEN")
    ]
    job = profile.jobs[0]
    assert (job.on, job.schedule, job.run) == ("erp1", "cron 30 1 * * *", "/opt/acme/export --all")
    assert "# captured: /etc/cron.d/acme-export" in text
    assert profile.probes[0].http is not None and profile.probes[0].http.url == (
        "http://erp1:8090/"
    )
    assert "NOT MIRRORABLE" not in text  # Debian 12 as the node image is
    assert "#   erp1: process python3; command python3 -m http.server 8090" in text


def test_hosts_that_cannot_be_read_are_named_and_the_others_captured(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    address = env.address("erp1")
    known = tmp_path / "known_hosts"
    known.write_text(line)
    wrong_key = generate_key_pair(tmp_path / "other", "other").private_path
    catalog = role_catalog(playbooks_dir() / "roles")
    strict = CaptureAccess(env.private_key(), known, "strict", connect_timeout_s=3)
    from rehearsal.envs.capture_targets import Target

    ok = Target("erp1", address, named=True)
    closed = Target("closed", address, port=2222, named=True)
    refused = Target("refused", address, named=True, key_file=wrong_key)
    found = capture([ok, closed, refused], strict, catalog)
    assert [h.node for h in found.hosts] == ["erp1"]
    why = {u.target: u.reason for u in found.unreached}
    assert "port 2222" in why[closed.login] and "check the address" in why[closed.login]
    assert "refused the login" in why[refused.login] and str(wrong_key) in why[refused.login]
    unknown = capture([ok], CaptureAccess(env.private_key(), tmp_path / "none", "strict"), catalog)
    assert "--host-keys accept-new" in unknown.unreached[0].reason
    draft = tmp_path / "partial.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "rehearsal", "profile", "capture",
         "--hosts", f"root@{address}", "--hosts", f"root@{address}:2222",
         "--key", str(env.private_key()), "--known-hosts", str(known), "-o", str(draft)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    problems = [ln for ln in result.stderr.splitlines() if not ln.startswith("wrote ")]
    assert problems == [
        f"{address}:2222: cannot reach lab host {address} port 2222 (Unable to connect to port "
        f"2222 on {address}); check the address and that sshd runs"
    ]
    assert "# PARTIAL DRAFT" in draft.read_text()
    assert load_profile(draft).nodes[0].name == "erp1"


def test_drift_of_a_lab_host_from_its_captured_profile_is_a_row_and_exit_1(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    login = ["--hosts", f"root@{env.address('erp1')}", "--key", str(env.private_key())]
    login += ["--known-hosts", str(known)]
    rehearsal = [sys.executable, "-m", "rehearsal", "profile"]
    draft = tmp_path / "profile.yaml"
    captured = subprocess.run(
        [*rehearsal, "capture", *login, "-o", str(draft)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert captured.returncode == 0, captured.stderr
    same = subprocess.run(
        [*rehearsal, "diff", str(draft), *login],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert same.returncode == 0 and "no drift" in same.stdout, same.stdout + same.stderr
    added = "echo '0 3 * * * root /opt/acme/reindex' > /etc/cron.d/acme-reindex"
    assert env.exec("erp1", ["sh", "-c", added], 10).ok
    try:
        drifted = subprocess.run(
            [*rehearsal, "diff", str(draft), *login, "--json"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        env.exec("erp1", ["rm", "-f", "/etc/cron.d/acme-reindex"], 10)
    assert drifted.returncode == 1
    assert json.loads(drifted.stdout) == [
        {
            "node": "erp1",
            "aspect": "job",
            "name": "/opt/acme/reindex",
            "profile": "not in the profile",
            "servers": "0 3 * * *",
        }
    ]


@pytest.mark.prefect
def test_the_scheduled_drift_check_fails_on_a_changed_param_and_publishes_the_table(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    roles = _own_role(tmp_path / "roles")
    login = f"root@{env.address('erp1')}"
    access = CaptureAccess(env.private_key(), known, "strict")
    catalog = role_catalog(playbooks_dir() / "roles", [roles])
    clean = tmp_path / "profile.yaml"  # the servers as captured; roles/ beside it
    clean.write_text(draft_profile(capture(from_words([login]), access, catalog), ["roles"]))
    assert load_profile(clean).node("erp1").params["port"] == 8090
    drifted = tmp_path / "drifted.yaml"
    drifted.write_text(clean.read_text().replace("port: 8090", "port: 9999", 1))
    drills = tmp_path / "drills.yaml"
    drills.write_text(
        "drift_checks:\n  - name: erp1-drift\n    profile: drifted.yaml\n"
        f"    hosts: [{login}]\n    key: {env.private_key()}\n    known_hosts: {known}\n"
        "    cron: '0 6 * * *'\n    timezone: Asia/Seoul\n"
    )
    asked = {"hosts": [login], "key": str(env.private_key()), "known_hosts": str(known)}
    with prefect_server(tmp_path / "prefect-home") as prefect_env:
        same = rehearsal_drift(profile=str(clean), **asked, return_state=True)
        gone = rehearsal_drift(
            profile=str(clean), **{**asked, "hosts": [f"{login}:2222"]}, return_state=True
        )
        serving = subprocess.Popen(
            [sys.executable, "-m", "rehearsal", "serve", "--scenarios", str(tmp_path),
             "--reports", str(tmp_path / "reports"), "--drills", str(drills)],
            env=prefect_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deployment = wait_for(_drift_deployment, 120, "the drift check's deployment")
            with get_client(sync_client=True) as client:
                launched = client.create_flow_run_from_deployment(deployment.id)
            differs = wait_for(lambda: _final(launched.id), 300, "the drift check's run")
        finally:
            serving.terminate()
            serving.wait(timeout=60)
        with get_client(sync_client=True) as client:
            published = {
                (a.key, a.flow_run_id): str(a.data)
                for a in client.read_artifacts()
                if a.key is not None
            }
    assert same.is_completed() and "no differences" in str(same.message), same
    assert published[("drift-profile", same.state_details.flow_run_id)].startswith(
        "no differences: the servers are as profile.yaml says"
    )
    assert gone.is_failed() and f"{env.address('erp1')}:2222" in str(gone.message), gone
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 * * *", "Asia/Seoul")
    assert differs.is_failed(), differs
    assert "erp1 param port: 9999 → 8090" in str(differs.message)
    table = published[("drift-erp1-drift", launched.id)]  # the check's name, not its profile's
    assert "| erp1 | param | port | 9999 | 8090 |" in table.splitlines()
    assert '"servers": "8090"' in table  # the JSON beside the table


def _drift_deployment() -> DeploymentResponse | None:
    with get_client(sync_client=True) as client:
        found = [d for d in client.read_deployments() if d.name == "erp1-drift"]
    return found[0] if found else None


def _final(flow_run_id: UUID) -> State | None:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return state if state is not None and state.is_final() else None
