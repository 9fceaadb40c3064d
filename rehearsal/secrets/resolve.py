"""Secret parameter values fetched at run time, from environment variables or Prefect Secret
blocks, so that profiles (kept in version control, shared with customers) hold none."""

from __future__ import annotations

import os
from typing import Any

from rehearsal.errors import RunRefused
from rehearsal.models.profile import Profile, SecretSource


def fetch(source: SecretSource) -> str:
    """The secret's value; refused (exit 2) with what to set when it is not there."""
    if source.env is not None:
        value = os.environ.get(source.env)
        if not value:
            raise RunRefused(
                f"profile secret {source.param!r}: environment variable {source.env} is not "
                f"set; export it before the run"
            )
        return value
    assert source.prefect_secret is not None
    from prefect.blocks.system import Secret

    try:
        block: Any = Secret.load(source.prefect_secret)
    except Exception as error:  # whatever Prefect raised, the block could not be read
        raise RunRefused(
            f"profile secret {source.param!r}: Prefect Secret block "
            f"{source.prefect_secret!r} cannot be read ({error}); create it in the Prefect UI "
            "(Blocks → Secret) or with Secret(value=...).save(NAME)"
        ) from None
    return str(block.get())


def resolve_secrets(profile: Profile) -> Profile:
    """The profile with every sourced secret filled in on the nodes whose params list it."""
    sources = [entry for entry in profile.secrets if isinstance(entry, SecretSource)]
    if not sources:
        return profile
    values = {source.param: fetch(source) for source in sources}
    nodes = [
        node.model_copy(
            update={
                "params": {name: values.get(name, value) for name, value in node.params.items()}
            }
        )
        for node in profile.nodes
    ]
    return profile.model_copy(update={"nodes": nodes})
