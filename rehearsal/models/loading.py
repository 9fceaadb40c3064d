"""Load profiles and scenarios from YAML, and say precisely what is wrong with them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from rehearsal.drill_windows import now_utc, schedule_warnings
from rehearsal.errors import InvalidInput, Problem
from rehearsal.models.drills import Drill, DrillsFile
from rehearsal.models.includes import with_includes
from rehearsal.models.profile import Profile
from rehearsal.models.references import check_profile, check_scenario
from rehearsal.models.scenario import Scenario, question_ids
from rehearsal.models.yamlfile import YamlDocument, read_yaml
from rehearsal.suggest import closest, did_you_mean

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Plan:
    """A scenario with the profile it runs against, both valid and cross-checked."""

    scenario: Scenario
    profile: Profile
    scenario_path: Path
    profile_path: Path


def playbooks_dir() -> Path:
    """``REHEARSAL_PLAYBOOKS``, else the playbooks a wheel ships inside the package, else the
    checkout's top-level ``playbooks/`` (an editable install)."""
    if "REHEARSAL_PLAYBOOKS" in os.environ:
        return Path(os.environ["REHEARSAL_PLAYBOOKS"])
    package = Path(__file__).parents[1]
    shipped = package / "playbooks"
    return shipped if shipped.is_dir() else package.parent / "playbooks"


def load_profile(path: Path) -> Profile:
    document = with_includes(read_yaml(path))
    profile = _templates_from(validate_model(Profile, document), document)
    problems = check_profile(profile, document, playbooks_dir() / "roles")
    if problems:
        raise InvalidInput(problems)
    return _lab_paths_from(profile, path.parent)


def _templates_from(profile: Profile, document: YamlDocument) -> Profile:
    """Node file templates, absolute: each relative to the file (fragment) that names it."""
    nodes = []
    for n, node in enumerate(profile.nodes):
        files = [
            file.model_copy(
                update={
                    "template": str(
                        (document.origin(("nodes", n, "files", f, "template")).parent)
                        .joinpath(Path(file.template).expanduser())
                        .resolve()
                    )
                }
            )
            if file.template is not None
            else file
            for f, file in enumerate(node.files)
        ]
        nodes.append(node.model_copy(update={"files": files}) if node.files else node)
    return profile.model_copy(update={"nodes": nodes})


def _lab_paths_from(profile: Profile, folder: Path) -> Profile:
    """Lab hosts' key and known_hosts files, absolute: the run does not start where the
    profile is."""

    def absolute(name: str) -> str:
        return str((folder / Path(name).expanduser()).resolve())

    nodes = [
        node.model_copy(
            update={
                "lab_host": node.lab_host.model_copy(
                    update={
                        "key_file": absolute(node.lab_host.key_file)
                        if node.lab_host.key_file
                        else None,
                        "known_hosts": absolute(node.lab_host.known_hosts),
                    }
                )
            }
        )
        if node.lab_host is not None
        else node
        for node in profile.nodes
    ]
    return profile.model_copy(update={"nodes": nodes})


def load_plan(
    scenario_path: Path, profile_path: Path | None = None, answers_path: Path | None = None
) -> Plan:
    document = read_yaml(scenario_path)
    scenario = validate_model(Scenario, document)
    if profile_path is None:
        profile_path = scenario_path.parent / scenario.profile
        if not profile_path.is_file():
            raise InvalidInput(
                [
                    document.problem(
                        ("profile",),
                        f"profile file {scenario.profile!r} not found next to the scenario "
                        "; fix the path or pass --profile",
                    )
                ]
            )
    profile = load_profile(profile_path)
    problems = check_scenario(scenario, profile, document)
    if answers_path is not None:
        problems += check_answers(scenario, read_yaml(answers_path), profile, scenario_path)
    if problems:
        raise InvalidInput(problems)
    return Plan(scenario, profile, scenario_path, profile_path)


def check_answers(
    scenario: Scenario,
    document: YamlDocument,
    profile: Profile | None = None,
    scenario_path: Path | None = None,
) -> list[Problem]:
    """Every answer must name a manual step, an observation or an acknowledgement; answers
    that say which scenario they are for must be given to that one."""
    from rehearsal.scenarios.people import AnswersDocument

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
    from rehearsal.scenarios.escalation import acknowledgement_ids

    asked = question_ids(scenario)
    if profile is not None:
        asked += acknowledgement_ids(profile.monitors, profile.on_call)
    return asked


def check_answers_file(path: Path, scenario: Path | None) -> None:
    """An answers file against the scenario it names (its ``scenario:``) or ``scenario``;
    with neither, a problem that says which scenario to name."""
    from rehearsal.scenarios.people import AnswersDocument

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
    load_plan(scenario or named, answers_path=path)


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


def file_warnings(path: Path, scenarios: Path | None) -> list[Problem]:
    """What a valid file may run with but should know: faults with no dead man's switch,
    drills scheduled outside every maintenance window (as ``serve`` warns)."""
    from rehearsal.scenarios.faults import FAULTS
    from rehearsal.scenarios.steps.fault import FaultStep

    document = read_yaml(path)
    if "drills" in document.data:
        return _drill_warnings(document, scenarios or path.parent)
    if "kind" not in document.data:
        return []
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


def load_drills(path: Path, scenarios: Path) -> list[Drill]:
    """A drills file checked as ``serve`` will run it: each drill's scenario with its
    profile and answers (paths relative to ``scenarios``), and a schedule to run on."""
    document = read_yaml(path)
    drills = validate_model(DrillsFile, document).drills
    problems: list[Problem] = []
    for index, drill in enumerate(drills):
        files = {key: getattr(drill, key) for key in ("scenario", "profile", "answers")}
        missing = [
            document.problem(
                ("drills", index, key),
                f"{value!r} not found under {scenarios}; fix the path (relative to the "
                "scenarios folder) or pass --scenarios DIR",
            )
            for key, value in files.items()
            if value is not None and not (scenarios / value).is_file()
        ]
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


def validate_file(path: Path, scenario: Path | None, scenarios: Path | None) -> list[Problem]:
    """Problems in one file, told apart by shape: a scenario is checked with the profile it
    names, a drills file with its scenarios (under ``scenarios``, as ``serve`` reads it; by
    default the drills file's own folder, so validating works from anywhere), an answers
    file against its scenario (its ``scenario:`` or ``scenario``)."""
    try:
        document = read_yaml(path)
        if "kind" in document.data:
            load_plan(path)
        elif "drills" in document.data:
            load_drills(path, scenarios or path.parent)
        elif "answers" in document.data:
            check_answers_file(path, scenario)
        else:
            load_profile(path)
    except InvalidInput as error:
        return error.problems
    return []


def validate_model(model: type[M], document: YamlDocument) -> M:
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        errors = _without_misspelt_missing(model, error.errors())
        raise InvalidInput([_problem(model, document, item) for item in errors]) from None


def _without_misspelt_missing(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    """Drop "missing 'x'" when the same mapping has an unknown key that is a typo of 'x'."""
    import difflib

    typos = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
            for meant in difflib.get_close_matches(key, _fields_at(model, parent), 1, 0.6):
                typos.add((*parent, meant))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in typos)]


def _problem(model: type[BaseModel], document: YamlDocument, error: Any) -> Problem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    where = ".".join(str(part) for part in _user_path(document, loc)) or "top level"
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        return document.problem(
            loc, f"unknown key {key!r} in {_parent(where)}{did_you_mean(key, allowed)}"
        )
    if kind == "missing":
        return document.problem(loc[:-1], f"{where}: missing required key {str(loc[-1])!r}")
    message = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if kind not in ("value_error", "step_kind") and isinstance(given, str | int | float):
        message = f"{message} (got {given!r})"
    return document.problem(loc, f"{where}: {message}")


def _parent(where: str) -> str:
    head, _, _ = where.rpartition(".")
    return head or "the top level"


def _user_path(document: YamlDocument, loc: tuple[str | int, ...]) -> list[str | int]:
    """The parts of ``loc`` that are keys in the file (drops pydantic's union tags)."""
    node, path = document.data, []
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(part)
    return path


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Keys a model accepts at ``loc``, for 'did you mean' on unknown keys."""
    candidates: list[Any] = [model]
    for part in loc:
        following: list[Any] = []
        for candidate in candidates:
            following.extend(_step(candidate, part))
        candidates = following or candidates
    names: list[str] = []
    for candidate in candidates:
        for inner in _unwrap(candidate):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names += [field.alias or name for name, field in inner.model_fields.items()]
    return names


def _unwrap(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return [inner for arg in get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> list[Any]:
    found: list[Any] = []
    for inner in _unwrap(annotation):
        origin = get_origin(inner)
        if isinstance(part, int) and origin is list:
            found.append(get_args(inner)[0])
        elif origin is dict:
            found.append(get_args(inner)[1])
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            for name, field in inner.model_fields.items():
                if part in (name, field.alias):
                    found.append(field.annotation)
    return found
