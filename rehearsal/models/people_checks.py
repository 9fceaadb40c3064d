"""Cross-checks of the profile's monitors, on-call people and calendar: names that must exist,
windows that must not overlap."""

from __future__ import annotations

from rehearsal.errors import Problem
from rehearsal.models.alerts import Notify
from rehearsal.models.profile import Profile, SecretSource
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.yamlfile import YamlDocument


def check_people(profile: Profile, doc: YamlDocument) -> list[Problem]:
    probes = [probe.name for probe in profile.probes]
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, monitor in enumerate(profile.monitors):
        if monitor.name in seen:
            problems.append(
                doc.problem(
                    ("monitors", index, "name"),
                    f"monitor {monitor.name!r} is defined more than once; names are unique",
                )
            )
        seen.add(monitor.name)
        if monitor.probe not in probes:
            problems.append(
                doc.problem(
                    ("monitors", index, "probe"),
                    f"unknown probe {monitor.probe!r}{did_you_mean(monitor.probe, probes)} "
                    "(declare it under 'probes:')",
                )
            )
    if profile.on_call is not None:
        people = profile.on_call.names()
        for index, tier in enumerate(profile.on_call.escalation):
            if tier.person not in people:
                problems.append(
                    doc.problem(
                        ("on_call", "escalation", index, "person"),
                        f"escalation tier {index + 1} names unknown person {tier.person!r}"
                        f"{did_you_mean(tier.person, people)} (add them to on_call.people)",
                    )
                )
    problems += _email_passwords(profile, doc)
    if profile.calendar is not None:
        for key, index, message in profile.calendar.overlaps():
            problems.append(doc.problem(("calendar", key, index), f"calendar.{key}: {message}"))
    return problems


def _email_passwords(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """An e-mail login's password must come from a sourced secret, so it is fetched at run
    time and masked everywhere."""
    sourced = [s.param for s in profile.secrets if isinstance(s, SecretSource)]
    where: list[tuple[tuple[str | int, ...], list[Notify]]] = [
        (("monitors", index), monitor.notify) for index, monitor in enumerate(profile.monitors)
    ]
    if profile.on_call is not None:
        where += [
            (("on_call", "escalation", index), tier.notify)
            for index, tier in enumerate(profile.on_call.escalation)
        ]
    problems = []
    for path, entries in where:
        for index, entry in enumerate(entries):
            name = entry.email.password_secret if entry.email is not None else None
            if name is not None and name not in sourced:
                problems.append(
                    doc.problem(
                        (*path, "notify", index, "email", "password_secret"),
                        f"password_secret {name!r} names no secret with a source"
                        f"{did_you_mean(name, sourced)} (add '{{param: {name}, env: "
                        "SMTP_PASSWORD}' or prefect_secret: under 'secrets:')",
                    )
                )
    return problems
