"""A run's plan: profile, scenario and answers loaded and checked together, once; and
what `validate` says of any file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rehearsal.envs.capture_targets import targets_of
from rehearsal.envs.routes import engine_route
from rehearsal.envs.volumes import VolumeHost
from rehearsal.errors import InvalidInput, Problem, RunRefused
from rehearsal.models.calendar import Calendar
from rehearsal.models.drills import DriftCheck, Drill, DrillsFile
from rehearsal.models.includes import with_includes
from rehearsal.models.loading import load_profile, validate_model
from rehearsal.models.profile import Profile
from rehearsal.models.references import duplicates
from rehearsal.models.suggest import closest, did_you_mean
from rehearsal.models.yamlfile import YamlDocument, read_yaml
from rehearsal.scenarios.document import Scenario, question_ids
from rehearsal.scenarios.drill_windows import now_utc, schedule_warnings
from rehearsal.scenarios.escalation import acknowledgement_ids
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.people import AnswersDocument
from rehearsal.scenarios.references import check_scenario
from rehearsal.scenarios.steps.fault import FaultStep


@dataclass(frozen=True)
class Plan:
    """A scenario with the profile it runs against, both valid and cross-checked."""

    scenario: Scenario
    profile: Profile
    scenario_path: Path
    profile_path: Path


def load_plan(scenario: Path, profile: Path | None = None, answers: Path | None = None) -> Plan:
    """Read the scenario, its profile (by default the one it names) and an answers file, and
    check them against each other; InvalidInput lists every problem with its file:line."""
    document = read_yaml(scenario)
    model = validate_model(Scenario, document)
    if profile is None:
        profile = scenario.parent / model.profile
        if not profile.is_file():
            raise InvalidInput(
                [
                    document.problem(
                        ("profile",),
                        f"profile file {model.profile!r} not found next to the scenario "
                        "; fix the path or pass --profile",
                    )
                ]
            )
    loaded = load_profile(profile)
    problems = check_scenario(model, loaded, document)
    if answers is not None:
        problems += check_answers(model, read_yaml(answers), loaded, scenario)
    if problems:
        raise InvalidInput(problems)
    return Plan(model, loaded, scenario, profile)


def check_answers(
    scenario: Scenario,
    document: YamlDocument,
    profile: Profile | None = None,
    scenario_path: Path | None = None,
) -> list[Problem]:
    """Every answer must name a manual step, an observation or an acknowledgement; answers
    that say which scenario they are for must be given to that one."""
    answers = validate_model(AnswersDocument, document)
    problems = []
    if answers.scenario is not None and scenario_path is not None:
        named = document.path.parent / answers.scenario
        if named.resolve() != scenario_path.resolve():
            problems.append(
                document.problem(
                    ("scenario",),
                    f"these answers are for {answers.scenario!r}, not {str(scenario_path)!r}; "
                    "pass the answers written for that scenario, or fix 'scenario:'",
                )
            )
    asked = asked_of(scenario, profile)
    listed = ", ".join(map(repr, asked)) or "nothing (no manual step, observation or on-call)"
    for key in answers.answers:
        if key not in asked:
            meant = closest(key, asked)
            asks = f"; did you mean {meant!r}? It asks" if meant else "; it asks"
            problems.append(
                document.problem(
                    ("answers", key),
                    f"answer {key!r} matches no question of the scenario{asks} {listed}",
                )
            )
    return problems


def asked_of(scenario: Scenario, profile: Profile | None) -> list[str]:
    """The ids an answers file may answer: manual steps, observations, acknowledgements."""
    asked = question_ids(scenario)
    if profile is not None:
        asked += acknowledgement_ids(profile.monitors, profile.on_call)
    return asked


def check_answers_file(path: Path, scenario: Path | None) -> None:
    """An answers file against the scenario it names (its ``scenario:``) or ``scenario``;
    with neither, a problem that says which scenario to name."""
    document = read_yaml(path)
    answers = validate_model(AnswersDocument, document)
    if scenario is None and answers.scenario is None:
        raise InvalidInput(
            [
                document.problem(
                    ("answers",),
                    "which scenario are these answers for? add 'scenario: FILE' (relative to "
                    "this file) or run `rehearsal validate --scenario SCENARIO.yaml "
                    f"{path}`{_scenarios_asking(path.parent, set(answers.answers))}",
                )
            ]
        )
    named = path.parent / str(answers.scenario)
    if scenario is None and not named.is_file():
        here = [candidate.name for candidate in path.parent.glob("*.y*ml")]
        raise InvalidInput(
            [
                document.problem(
                    ("scenario",),
                    f"scenario {answers.scenario!r} not found next to this file; fix the "
                    f"path{did_you_mean(str(answers.scenario), here)}",
                )
            ]
        )
    load_plan(scenario or named, answers=path)


def _scenarios_asking(folder: Path, keys: set[str]) -> str:
    """The scenarios next to an answers file that ask every one of its keys, as a hint."""
    fitting = []
    for candidate in sorted(folder.glob("*.y*ml")):
        try:
            if "kind" in read_yaml(candidate).data:
                plan = load_plan(candidate)
                if keys <= set(asked_of(plan.scenario, plan.profile)):
                    fitting.append(candidate.name)
        except InvalidInput:
            continue
    return f"; {' or '.join(fitting)} here asks all of them" if fitting else ""


def file_warnings(
    path: Path, scenarios: Path | None, volumes: VolumeHost | None = None
) -> list[Problem]:
    """What a valid file may run with but should know: faults with no dead man's switch,
    drills scheduled outside every maintenance window (as ``serve`` warns), data volumes
    that will be memory-backed here."""
    document = read_yaml(path)
    if _schedules(document):
        return _drill_warnings(document, scenarios or path.parent)
    if "answers" in document.data:
        return []
    if "kind" not in document.data:
        return _volume_warnings(path, volumes or VolumeHost())
    scenario = validate_model(Scenario, document)
    return [
        document.problem(
            ("phases", p, "steps", s, "fault", "type"),
            f"warning: {step.fault.type} has no dead man's switch: if rehearsal dies while it "
            "is on, the node stays broken until `rehearsal recover RUN_ID`",
        )
        for p, phase in enumerate(scenario.phases)
        for s, step in enumerate(phase.steps)
        if isinstance(step, FaultStep) and not FAULTS[step.fault.type].has_switch()
    ] + _volume_warnings(path.parent / scenario.profile, volumes or VolumeHost())


def _volume_warnings(path: Path, host: VolumeHost) -> list[Problem]:
    """Each volume of a profile that will be a tmpfs here, with why: never a silent change."""
    profile = load_profile(path)
    volumes = [
        (n, v)
        for n, node in enumerate(profile.nodes)
        if node.lab_host is None
        for v in range(len(node.volumes))
    ]
    backing = host.backing(engine_route().engine) if volumes else None
    if backing is None or backing.kind == "loop":
        return []
    document = with_includes(read_yaml(path))
    return [
        document.problem(
            ("nodes", n, "volumes", v),
            f"warning: this volume will be a {backing.described()}; run where loop devices "
            "work (a local engine, as root) to give it a disk",
        )
        for n, v in volumes
    ]


def _drill_warnings(document: YamlDocument, scenarios: Path) -> list[Problem]:
    now = now_utc()
    found = []
    for index, drill in enumerate(validate_model(DrillsFile, document).drills):
        profile = scenarios / drill.profile if drill.profile else None
        calendar = load_plan(scenarios / drill.scenario, profile).profile.calendar
        schedule = "cron" if drill.cron else "rrule" if drill.rrule else None
        where = ("drills", index, schedule) if schedule else ("drills", index)
        found += [document.problem(where, line) for line in schedule_warnings(drill, calendar, now)]
    return found


_FILE_FIELDS = ("scenario", "profile", "answers", "inventory", "key")
"""The fields of a drill or a drift check that name a file under the scenarios folder."""


def _missing_files(
    document: YamlDocument, where: tuple[str | int, ...], entry: Drill | DriftCheck, scenarios: Path
) -> list[Problem]:
    return [
        document.problem(
            (*where, key),
            f"{value!r} not found under {scenarios}; fix the path (relative to the "
            "scenarios folder) or pass --scenarios DIR",
        )
        for key in _FILE_FIELDS
        if (value := getattr(entry, key, None)) is not None and not (scenarios / value).is_file()
    ]


def load_drills(path: Path, scenarios: Path) -> list[Drill]:
    """A drills file checked as ``serve`` will run it: each drill's scenario with its
    profile and answers (paths relative to ``scenarios``), and a schedule to run on."""
    document = read_yaml(path)
    drills = validate_model(DrillsFile, document).drills
    # A name is its deployment's: a second drill of one name would replace the first.
    problems = duplicates(document, "drills", [drill.name for drill in drills])
    for index, drill in enumerate(drills):
        missing = _missing_files(document, ("drills", index), drill, scenarios)
        problems += missing
        if missing:
            continue
        try:
            plan = load_plan(
                scenarios / drill.scenario,
                scenarios / drill.profile if drill.profile else None,
                scenarios / drill.answers if drill.answers else None,
            )
        except InvalidInput as error:
            problems += error.problems
            continue
        calendar = plan.profile.calendar
        windows = calendar is not None and calendar.maintenance_windows
        if drill.cron is None and drill.rrule is None and not windows:
            problems.append(
                document.problem(
                    ("drills", index),
                    f"drill {drill.name!r} has no 'cron:' or 'rrule:' and its profile has no "
                    "calendar.maintenance_windows to run in; add one or the other",
                )
            )
    if problems:
        raise InvalidInput(problems)
    return drills


def load_drift_checks(
    path: Path, scenarios: Path, parse_inventories: bool = True
) -> list[DriftCheck]:
    """The drift checks of a drills file as ``serve`` will run them: each profile loads, each
    inventory parses, each host is ``USER@HOST[:PORT]``, each key is there. ``validate``
    leaves the inventories' parse to ``serve``: Ansible's inventory code takes longer to import
    than validate's whole budget."""
    document = read_yaml(path)
    checks = validate_model(DrillsFile, document).drift_checks
    # A name is its deployment's and its artifact's: a second would replace the first.
    problems = duplicates(document, "drift_checks", [check.name for check in checks])
    for index, check in enumerate(checks):
        missing = _missing_files(document, ("drift_checks", index), check, scenarios)
        problems += missing
        if missing:
            continue
        try:
            load_profile(scenarios / check.profile)
            if check.hosts is not None or parse_inventories:
                inventory = scenarios / check.inventory if check.inventory else None
                targets_of(check.hosts, inventory)
        except InvalidInput as error:
            problems += error.problems
        except RunRefused as refused:
            problems.append(
                document.problem(
                    ("drift_checks", index, "hosts"), str(refused).removeprefix("--hosts: ")
                )
            )
    if problems:
        raise InvalidInput(problems)
    return checks


def validate_file(path: Path, scenario: Path | None, scenarios: Path | None) -> list[Problem]:
    """Problems in one file, told apart by shape: a scenario is checked with the profile it
    names, a drills file with its scenarios (under ``scenarios``, as ``serve`` reads it; by
    default the drills file's own folder, so validating works from anywhere), an answers
    file against its scenario (its ``scenario:`` or ``scenario``)."""
    try:
        document = read_yaml(path)
        if "kind" in document.data:
            load_plan(path)
        elif _schedules(document):
            load_drills(path, scenarios or path.parent)
            load_drift_checks(path, scenarios or path.parent, parse_inventories=False)
        elif "answers" in document.data:
            check_answers_file(path, scenario)
        else:
            load_profile(path)
    except InvalidInput as error:
        return error.problems
    return []


def _schedules(document: YamlDocument) -> bool:
    """Whether a document is a drills file: drills, drift checks or both."""
    return "drills" in document.data or "drift_checks" in document.data


def drill_calendar(drill: Drill, scenarios: Path) -> Calendar | None:
    profile = scenarios / drill.profile if drill.profile else None
    return load_plan(scenarios / drill.scenario, profile).profile.calendar
