"""Checks of a scenario against its profile: names that must refer to something that exists."""

from __future__ import annotations

from rehearsal.errors import Problem
from rehearsal.models.profile import Profile
from rehearsal.models.references import unknown_name
from rehearsal.models.scenario import WeekdayAt
from rehearsal.models.yamlfile import YamlDocument
from rehearsal.scenarios.document import Scenario, step_key
from rehearsal.scenarios.faults.overlap import shaping_clashes
from rehearsal.scenarios.steps import STEPS, Names


def check_scenario(scenario: Scenario, profile: Profile, doc: YamlDocument) -> list[Problem]:
    probes = [probe.name for probe in profile.probes]
    nodes = [node.name for node in profile.nodes]
    operators = [person.name for person in scenario.team.operators]
    analysts = [person.name for person in scenario.team.analysts]
    names = Names(nodes, probes, list(profile.runbooks), operators, analysts, profile)
    problems: list[Problem] = []
    for index, probe in enumerate(scenario.steady_state):
        if probe not in probes:
            problems.append(
                unknown_name(
                    doc,
                    ("steady_state", index),
                    "probe",
                    probe,
                    probes,
                    "probes are declared in the profile",
                )
            )
    for p, phase in enumerate(scenario.phases):
        for role, name, team in (
            ("operator", phase.operator, operators),
            ("analyst", phase.analyst, analysts),
        ):
            if name not in team:
                fix = f"add them to team.{role}s"
                problems.append(unknown_name(doc, ("phases", p, role), role, name, team, fix))
        for s, step in enumerate(phase.steps):
            key = step_key(step)
            assert key is not None
            for where, message in STEPS[key].check(step, names):
                problems.append(doc.problem(("phases", p, "steps", s, *where), message))
    for loc, message in shaping_clashes(scenario, profile, doc):
        problems.append(doc.problem(loc, message))
    if scenario.jobs.run == "as_scheduled":
        problems += _check_schedules(profile, doc)
    if isinstance(scenario.at, WeekdayAt) and profile.calendar is None:
        problems.append(
            doc.problem(
                ("at",),
                "'at: {weekday, time}' is read in the profile's calendar time zone, but the "
                "profile has no calendar; set 'calendar: {timezone: Asia/Seoul}' (your zone) "
                "in the profile, or write 'at:' as an ISO time with an offset",
            )
        )
    shared = [node.name for node in profile.nodes if node.lab_host is not None]
    if scenario.parallel > 1 and shared:
        problems.append(
            doc.problem(
                ("attempts", "parallel"),
                f"attempts side by side need a mirror each, but {shared[0]} is a lab host (one "
                "machine, shared by every attempt); write 'parallel: 1' or run the attempts "
                "one after the other with 'attempts: N'",
            )
        )
    return problems


def _check_schedules(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """Jobs run as scheduled need a schedule the clock can read; jobs without 'run:' are
    documentation only and stay out of it."""
    from rehearsal.models.schedules import schedule_problem  # only scenarios that use it

    runnable = [job for job in profile.jobs if job.run is not None]
    if not runnable:
        return [
            doc.problem(
                ("jobs",),
                "'jobs: as_scheduled' but no job in the profile has a 'run:' command; give "
                "the jobs to rehearse 'run:' (and 'on:') under 'jobs:' in the profile",
            )
        ]
    return [
        doc.problem(
            ("jobs",),
            f"job {job.name!r} cannot run as scheduled: {problem} (fix its "
            "'schedule:' in the profile)",
        )
        for job in runnable
        if (problem := schedule_problem(job.schedule)) is not None
    ]
