"""A fresh SSH key pair for every run, so no two runs (or users) share a way into nodes."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_line: str

    def authorized_keys_tar(self) -> bytes:
        """``/root/.ssh/authorized_keys`` as a tar for ``put_archive`` into a created container."""
        content = (self.public_line + "\n").encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            folder = tarfile.TarInfo(".ssh")
            folder.type, folder.mode = tarfile.DIRTYPE, 0o700
            tar.addfile(folder)
            entry = tarfile.TarInfo(".ssh/authorized_keys")
            entry.size, entry.mode = len(content), 0o600
            tar.addfile(entry, io.BytesIO(content))
        return buffer.getvalue()


def generate_key_pair(folder: Path, comment: str) -> KeyPair:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path = folder / "id_ed25519"
    path.touch(mode=0o600)
    path.write_bytes(private)
    (folder / "id_ed25519.pub").write_text(f"{public.decode()} {comment}\n")
    return KeyPair(path, f"{public.decode()} {comment}")
