"""Secret parameter values fetched at run time, so that profiles (kept in version control,
shared with customers) hold none.

Each kind of source has a reader, keyed in ``READERS`` by the profile's key for it:
environment variables are read here; whoever runs with Prefect adds the reader of
``prefect_secret:`` (``rehearsal.flows.adapters.install``), so this package needs no Prefect.
"""

from __future__ import annotations

import os
from typing import Protocol

from rehearsal.errors import RunRefused
from rehearsal.models.alerts import Notify
from rehearsal.models.mail import EmailChannel
from rehearsal.models.profile import Profile, SecretSource


class SecretReader(Protocol):
    def __call__(self, source: SecretSource, /) -> str:
        """The secret's value; refused (exit 2) with what to set when it is not there."""
        ...


def read_env(source: SecretSource) -> str:
    assert source.env is not None
    value = os.environ.get(source.env)
    if not value:
        raise RunRefused(
            f"profile secret {source.param!r}: environment variable {source.env} is not "
            f"set; export it before the run"
        )
    return value


READERS: dict[str, SecretReader] = {"env": read_env}


def fetch(source: SecretSource) -> str:
    """The secret's value from the reader of its kind of source."""
    reader = READERS.get(source.kind)
    if reader is None:
        raise RunRefused(
            f"profile secret {source.param!r}: nothing in this process reads "
            f"'{source.kind}:' sources; start the run with `rehearsal run` or `rehearsal env "
            "up`, or call rehearsal.flows.adapters.install() first"
        )
    return reader(source)


def resolve_secrets(profile: Profile) -> Profile:
    """The profile with every sourced secret filled in on the nodes whose params list it, and
    in the e-mail channels whose ``password_secret`` names it."""
    sources = [entry for entry in profile.secrets if isinstance(entry, SecretSource)]
    if not sources:
        return profile
    values = {source.param: fetch(source) for source in sources}
    monitors = [
        monitor.model_copy(update={"notify": _with_passwords(monitor.notify, values)})
        for monitor in profile.monitors
    ]
    on_call = profile.on_call
    if on_call is not None:
        tiers = [
            tier.model_copy(update={"notify": _with_passwords(tier.notify, values)})
            for tier in on_call.escalation
        ]
        on_call = on_call.model_copy(update={"escalation": tiers})
    nodes = [
        node.model_copy(
            update={
                "params": {name: values.get(name, value) for name, value in node.params.items()}
            }
        )
        for node in profile.nodes
    ]
    return profile.model_copy(update={"nodes": nodes, "monitors": monitors, "on_call": on_call})


def _with_passwords(entries: list[Notify], values: dict[str, str]) -> list[Notify]:
    return [
        entry.model_copy(update={"email": entry.email.with_password(values[secret])})
        if entry.email is not None and (secret := entry.email.password_secret) in values
        else entry
        for entry in entries
    ]


def mail_login(channel: EmailChannel, profile: Profile) -> EmailChannel:
    """``channel`` with its login's password fetched, for a mail sent outside a run (the
    customer notice); only that secret is fetched, not every one the nodes need."""
    sources = [s for s in profile.secrets if isinstance(s, SecretSource)]
    source = next((s for s in sources if s.param == channel.password_secret), None)
    return channel if source is None else channel.with_password(fetch(source))
