"""Profile secrets kept as Prefect Secret blocks (``prefect_secret: NAME``).

Prefect loads only when a profile names such a block: registering the reader costs nothing.
"""

from __future__ import annotations

from typing import Any

from rehearsal.errors import RunRefused
from rehearsal.models.profile import SecretSource


def read_secret_block(source: SecretSource) -> str:
    from prefect.blocks.system import Secret

    assert source.prefect_secret is not None
    try:
        block: Any = Secret.load(source.prefect_secret)
    except Exception as error:  # whatever Prefect raised, the block could not be read
        raise RunRefused(
            f"profile secret {source.param!r}: Prefect Secret block "
            f"{source.prefect_secret!r} cannot be read ({error}); create it in the Prefect UI "
            "(Blocks → Secret) or with Secret(value=...).save(NAME)"
        ) from None
    return str(block.get())
