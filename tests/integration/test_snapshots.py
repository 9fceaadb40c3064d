"""Converged snapshots, for real: a converged primary and streaming replica are committed
as one set, a later mirror of the profile starts from them without Ansible and proves itself
by the fidelity check, no layer holds the run's key or secrets, and a snapshot removed by
hand makes the next mirror converge instead of failing."""

from __future__ import annotations

import re
import secrets
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.docker import docker_client
from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from tests.conftest import EXAMPLES
from tests.integration.conftest import converged

pytestmark = pytest.mark.docker
SECRET = "shop-secret"


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    """The HA web shop under a customer name of its own (its own address plan) and with a
    file of its own on every node, so its own keys whatever other tests left (an address-free
    key is made of what converge saw alone); the snapshots it makes are removed afterwards."""
    token = secrets.token_hex(4)
    text = (EXAMPLES / "webshop" / "profile-ha.yaml").read_text()
    text = text.replace("name: Acme Retail", f"name: Snapshot {token}")
    own_file = f"    files: [{{dest: /etc/snapshot-test, content: {token}}}]\n"
    text = re.sub(r"^(    role: .*\n)", lambda role: role[1] + own_file, text, flags=re.M)
    assert text.count(own_file) == 4, text
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    made: list[str] = []
    yield path
    client = docker_client()
    for run_dir in tmp_path.glob("run-*"):
        for event in read_journal(run_dir):
            if event["event"] == "snapshot.saved":
                made += event.get("nodes", {}).values()
    for tag in set(made):
        try:
            client.images.remove(tag)
        except Exception as error:  # already removed by the test, which is fine
            assert "No such image" in str(error), error


def _events(mirror: Mirror, kind: str) -> list[dict[str, Any]]:
    return [e for e in read_journal(mirror.run_dir) if e["event"] == kind]


def _layers_hold(image: Any, needles: list[bytes]) -> list[str]:
    """The needles found in any file of any layer of the saved image."""
    found = []
    with tarfile.open(fileobj=_Stream(image.save()), mode="r|") as saved:
        for entry in saved:
            if not entry.isfile():
                continue
            extracted = saved.extractfile(entry)
            assert extracted is not None
            content = extracted.read()
            if entry.name.endswith(".tar") or "blobs/" in entry.name:
                found += _tar_holds(content, needles, entry.name)
    return found


def _tar_holds(layer: bytes, needles: list[bytes], name: str) -> list[str]:
    import io

    found = []
    try:
        with tarfile.open(fileobj=io.BytesIO(layer)) as archive:
            for member in archive:
                if member.isfile():
                    data = archive.extractfile(member)
                    assert data is not None
                    text = data.read()
                    found += [f"{name}:{member.name}" for n in needles if n in text]
    except tarfile.ReadError:  # a blob that is a config or manifest, not a layer
        return [name for n in needles if n in layer]
    return found


class _Stream:
    """docker-py's chunks as a file tarfile can read in one pass."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.buffer = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        size = len(self.buffer) if size < 0 else size
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken


def test_a_converged_set_is_restored_without_ansible_and_holds_no_key_or_secret(
    profile: Path, tmp_path: Path
) -> None:
    with converged(profile, tmp_path / "run-first") as first:
        assert not first.restored
        [source] = _events(first, "mirror.source")
        assert source["source"] == "converge"
        [saved] = _events(first, "snapshot.saved")
        assert sorted(saved["nodes"]) == ["app1", "db1", "db2", "lb1"], saved
        assert first.keys is not None
        private = first.keys.private_path.read_bytes()
        public = first.keys.public_line.split()[1].encode()
        matched = [
            f["name"] for f in _events(first, "fidelity.checked")[0]["facts"] if f["matches"]
        ]

    client = docker_client()
    # the private key's lines but its first, which every OpenSSH ed25519 key shares
    body = private.strip().split(b"\n")[2:-1]
    needles = [public, *body, SECRET.encode()]
    for tag in saved["nodes"].values():
        assert _layers_hold(client.images.get(tag), needles) == [], tag

    with converged(profile, tmp_path / "run-second") as second:
        assert second.restored == saved["nodes"]
        [source] = _events(second, "mirror.source")
        assert source["source"] == "snapshot" and source["key"] == saved["key"]
        assert _events(second, "converge.finished") == []
        [fidelity] = _events(second, "fidelity.checked")
        assert fidelity["differences"] == 0, fidelity["facts"]
        assert [f["name"] for f in fidelity["facts"] if f["matches"]] == matched
        assert second.env is not None
        # the new run's key logs in, the secret is back where the app reads it, and the
        # replica streams from its primary of the same moment
        streaming = second.env.run_command(
            "db1",
            "cd /tmp; for i in $(seq 60); do s=$(su postgres -c \"psql -tAc 'select state "
            'from pg_stat_replication\'"); [ "$s" = streaming ] && break; sleep 1; done; '
            'echo "$s"',
            90,
        )
        assert streaming.output.strip() == "streaming", streaming
        login = second.env.run_command(
            "db1",
            f"cd /tmp; PGPASSWORD={SECRET} psql -h 127.0.0.1 -U shop -d shop -tAc 'select 1'",
            30,
        )
        assert login.output.strip() == "1", login


def test_a_snapshot_removed_by_hand_makes_the_mirror_converge(
    profile: Path, tmp_path: Path
) -> None:
    with converged(profile, tmp_path / "run-first") as first:
        [saved] = _events(first, "snapshot.saved")
    docker_client().images.remove(saved["nodes"]["db2"])

    with converged(profile, tmp_path / "run-second") as second:
        assert not second.restored
        [source] = _events(second, "mirror.source")
        assert source["source"] == "converge"
        assert "no snapshot of db2" in source["reason"], source
        assert _events(second, "converge.finished")
        assert _events(second, "fidelity.checked")[0]["differences"] == 0
        [again] = _events(second, "snapshot.saved")
        assert again["key"] == saved["key"] and "error" not in again
