"""The customer's own software without a role of its own, for real: `role: service` with a
Python HTTP script in a tarball, a .deb built here by dpkg-deb, a wheel and a JAR written here; a
node's extra `packages:`; a binary `copy:` file. The service comes back after a container
restart and after a stop and start (the node's init runs its enabled SysV script), and the
fidelity check compares the shipped artifact with the file beside the profile."""

from __future__ import annotations

import hashlib
import io
import secrets
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from tests.integration.conftest import converged, converged_again, eventually

pytestmark = pytest.mark.docker

# The server.py of docs/profiles.md's example, as it is there.
SERVER = """\
import http.server, os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(f"ok {os.environ['GREETING']}\\n".encode())


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""

DEB_SCRIPT = """\
#!/usr/bin/python3
import http.server
http.server.HTTPServer(("0.0.0.0", 8081), http.server.SimpleHTTPRequestHandler).serve_forever()
"""

PROFILE = """\
customer: {name: Own software}
business: {targets: {rto: 1m}}
nodes:
  - name: app1
    role: service
    networks: [front]
    params:
      artifact: dist/app.tgz
      command: python3 server.py
      user: appsvc
      env: {GREETING: "hello world", PORT: "8080"}
      port: 8080
      health: /healthz
    files:
      - {dest: /opt/data/blob.bin, copy: dist/blob.bin, mode: "0600"}
  - name: tools1
    role: service
    networks: [front]
    packages: [postgresql-client]
    params:
      artifact: dist/hello-svc_1.0_all.deb
      command: [/usr/bin/hello-svc]
      port: 8081
      health: "curl -fsS -o /dev/null http://127.0.0.1:8081/"
  - name: wheel1
    role: service
    networks: [front]
    params:
      packages: [python3-venv]
      artifact: dist/hellowheel-1.0-py3-none-any.whl
      command: /opt/wheel1/venv/bin/python -m hellowheel
      port: 8082
      health: /
  - name: jar1
    role: service
    networks: [front]
    params:
      artifact: dist/app.jar
      command: python3 /opt/jar1/app.jar
      port: 8083
      health: /
networks: [{name: front}]
"""

WHEEL_MODULE = """\
import http.server
http.server.HTTPServer(("0.0.0.0", 8082), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def _jar(target: Path) -> None:
    """A JAR is a zip: this one runs under Python (a __main__.py), so placing it is tested
    without a Java runtime in the image."""
    import zipfile

    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        archive.writestr("__main__.py", WHEEL_MODULE.replace("8082", "8083"))


def _wheel(target: Path) -> None:
    """A pure-Python wheel written by hand (building one would need setuptools from PyPI)."""
    import base64
    import zipfile

    files = {
        "hellowheel/__init__.py": "",
        "hellowheel/__main__.py": WHEEL_MODULE,
        "hellowheel-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: hellowheel\n"
        "Version: 1.0\n",
        "hellowheel-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append("hellowheel-1.0.dist-info/RECORD,,")
    with zipfile.ZipFile(target, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("hellowheel-1.0.dist-info/RECORD", "\n".join(record) + "\n")


def _tarball(path: Path, version: str) -> None:
    source = f"{SERVER}# build {version}\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("server.py")
        info.size, info.mode = len(source), 0o644
        archive.addfile(info, io.BytesIO(source))


def _deb(folder: Path, target: Path) -> None:
    root = folder / "hello-svc"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: hello-svc\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <t@example.com>\n"
        "Depends: python3\nDescription: a tiny HTTP service for the rehearsal tests\n"
    )
    script = root / "usr" / "bin" / "hello-svc"
    script.write_text(DEB_SCRIPT)
    script.chmod(0o755)
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(root), str(target)],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed on this machine")
    folder = tmp_path_factory.mktemp("service")
    (folder / "dist").mkdir()
    _tarball(folder / "dist" / "app.tgz", "v1")
    _deb(folder, folder / "dist" / "hello-svc_1.0_all.deb")
    _wheel(folder / "dist" / "hellowheel-1.0-py3-none-any.whl")
    _jar(folder / "dist" / "app.jar")
    (folder / "dist" / "blob.bin").write_bytes(secrets.token_bytes(4096) + b"\0\r\n{{ x }}\xff")
    (folder / "profile.yaml").write_text(PROFILE)
    run_id = f"service-test-{secrets.token_hex(3)}"
    run_dir = folder / run_id
    with converged(folder / "profile.yaml", run_dir) as mirror:
        yield mirror


def _run(mirror: Mirror, node: str, argv: list[str]) -> tuple[bool, str]:
    assert mirror.env is not None
    result = mirror.env.exec(node, argv, 20)
    return result.ok, result.output.strip()


def _healthy(mirror: Mirror) -> bool:
    ok, body = _run(mirror, "app1", ["curl", "-fsS", "--max-time", "2", "127.0.0.1:8080/healthz"])
    return ok and body == "ok hello world"


def test_the_tarballs_service_answers_its_health_check_with_its_env(built: Mirror) -> None:
    assert _healthy(built)
    ok, owner = _run(built, "app1", ["sh", "-c", "ps -o user= -p $(cat /run/app1.pid)"])
    assert ok and owner == "appsvc"
    assert _run(built, "app1", ["test", "-f", "/opt/app1/server.py"])[0]


def test_the_service_comes_back_after_a_container_restart(built: Mirror) -> None:
    assert built.env is not None
    built.env.restart_node("app1", 5)
    assert eventually(lambda: _healthy(built), 30)


def test_the_service_comes_back_after_a_stop_and_a_start(built: Mirror) -> None:
    assert built.env is not None
    built.env.stop_node("app1", 5)
    assert not built.env.node_running("app1")
    built.env.start_node("app1")
    assert eventually(lambda: _healthy(built), 30)


def test_a_deb_artifact_is_installed_and_its_command_health_answers(built: Mirror) -> None:
    ok, status = _run(built, "tools1", ["dpkg-query", "-W", "-f=${Version}", "hello-svc"])
    assert ok and status == "1.0"
    assert eventually(lambda: _run(built, "tools1", ["service-check", "health"])[0], 20)


def test_a_wheel_is_installed_into_a_virtual_environment_and_serves(built: Mirror) -> None:
    ok, shown = _run(built, "wheel1", ["/opt/wheel1/venv/bin/pip", "show", "hellowheel"])
    assert ok and "Version: 1.0" in shown
    assert _run(built, "wheel1", ["service-check", "health"]) == (True, "/")


def test_a_jar_is_placed_in_the_application_folder_and_runs(built: Mirror) -> None:
    assert _run(built, "jar1", ["test", "-f", "/opt/jar1/app.jar"])[0]
    assert _run(built, "jar1", ["service-check", "health"]) == (True, "/")


def test_a_second_converge_changes_nothing(built: Mirror) -> None:
    changed = converged_again(built)
    assert sum(changed.values()) == 0, changed


def test_a_nodes_extra_packages_are_in_its_image_only_and_others_share_one(built: Mirror) -> None:
    ok, version = _run(built, "tools1", ["psql", "--version"])
    assert ok and version.startswith("psql (PostgreSQL) 15")
    assert not _run(built, "app1", ["sh", "-c", "command -v psql"])[0]
    [ready] = [e for e in read_journal(built.run_dir) if e["event"] == "images.ready"]
    assert len({ready["nodes"][n] for n in ("app1", "tools1", "wheel1")}) == 3
    assert ready["nodes"]["jar1"] == ready["nodes"]["app1"], "same role, version, packages"


def test_a_copy_file_arrives_byte_for_byte(built: Mirror) -> None:
    source = Path(built.profile.node("app1").files[0].copy_ or "")
    ok, digest = _run(built, "app1", ["sha256sum", "/opt/data/blob.bin"])
    assert ok and digest.split()[0] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert _run(built, "app1", ["stat", "-c", "%a", "/opt/data/blob.bin"]) == (True, "600")


def test_fidelity_matches_then_reports_a_changed_artifact(built: Mirror) -> None:
    facts = {(f.node, f.name): f for f in built.check_fidelity()}
    assert all(f.matches for f in facts.values()), [f for f in facts.values() if not f.matches]
    assert facts[("app1", "port")].actual == "8080"
    assert facts[("app1", "health")].actual == "/healthz"
    assert facts[("tools1", "artifact")].matches
    assert facts[("app1", "/opt/data/blob.bin")].matches
    _tarball(Path(str(built.profile.node("app1").params["artifact"])), "v2")
    changed = {(f.node, f.name): f for f in built.check_fidelity()}
    assert not changed[("app1", "artifact")].matches
    assert changed[("app1", "artifact")].expected != facts[("app1", "artifact")].expected
    assert changed[("tools1", "artifact")].matches
