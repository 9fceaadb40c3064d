"""Disk sizes as people write them in YAML ("512m", "2g", "1.5g"), in binary units."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kmg])$")
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}
SMALLEST = 16 * 1024**2
"""ext4 keeps a journal and inode tables: below this a volume holds next to nothing."""


def size_bytes(text: str) -> int:
    """``512m`` in bytes; ValueError saying how to write it when it does not parse."""
    match = _SIZE.match(text.strip().lower())
    if not match:
        raise ValueError(
            f"cannot read {text!r} as a size; write a number and k, m or g, like 512m, 2g or 1.5g"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _volume_size(value: Any) -> Any:
    if size_bytes(value) < SMALLEST:
        raise ValueError(f"size {value!r} is too small for a file system; give at least 16m")
    return value


VolumeSize = Annotated[
    str,
    Field(max_length=32, description="like 512m, 2g or 1.5g (binary units)"),
    AfterValidator(_volume_size),
]
