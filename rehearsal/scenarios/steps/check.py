"""``check:`` — assert something about the system now: a probe state, a command's result,
a log pattern, an SQL query. A failed check is a finding, with its output as evidence."""

from __future__ import annotations

import re
import shlex
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Regex, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.vocabulary import Category, Severity
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome
from rehearsal.scenarios.steps.evidence import save_evidence


class CheckSpec(Strict):
    say: Text | None = Field(default=None, description="what is checked, in plain words")
    probe: Name | None = None
    status: Literal["passing", "failing"] = "passing"
    on: Name | None = Field(default=None, description="node for run/log/sql checks")
    run: Text | None = Field(default=None, description="a command; checks exit and output")
    log: str | None = Field(default=None, description="a log file on the node")
    sql: Text | None = Field(default=None, description="a query, run with psql as postgres")
    database: Name = "postgres"
    expect_exit: int = 0
    expect_output: Regex | None = Field(default=None, description="a regular expression")
    pattern: Regex | None = Field(default=None, description="log check: a regular expression")
    present: bool = Field(default=True, description="log check: must the pattern be there")
    timeout: Duration = 30.0
    severity: Severity = "high"
    category: Category = "configuration"

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        kinds = [k for k in ("probe", "run", "log", "sql") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a check has exactly one of 'probe:', 'run:', 'log:' or 'sql:'")
        if kinds[0] != "probe" and self.on is None:
            raise ValueError(f"a '{kinds[0]}:' check needs 'on:' (the node)")
        if kinds[0] == "log" and self.pattern is None:
            raise ValueError("a 'log:' check needs 'pattern:'")
        return self


class CheckStep(Strict):
    check: CheckSpec


class CheckKind(StepKind):
    key: ClassVar[str] = "check"
    Model: ClassVar[type[Strict]] = CheckStep

    def label(self, step: CheckStep) -> str:
        spec = step.check
        if spec.say:
            return f"check: {spec.say}"
        if spec.probe:
            return f"check {spec.probe} is {spec.status}"
        if spec.log:
            verb = "has" if spec.present else "lacks"
            return f"check {spec.log} on {spec.on} {verb} /{spec.pattern}/"
        return f"check on {spec.on}: {spec.run or spec.sql}"

    def check(self, step: CheckStep, names: Names) -> list[tuple[Loc, str]]:
        spec, problems = step.check, list[tuple[Loc, str]]()
        if spec.probe is not None and spec.probe not in names.probes:
            problems.append(
                (
                    ("check", "probe"),
                    f"unknown probe {spec.probe!r}{did_you_mean(spec.probe, names.probes)}",
                )
            )
        if spec.on is not None and spec.on not in names.nodes:
            problems.append(
                (("check", "on"), f"unknown node {spec.on!r}{did_you_mean(spec.on, names.nodes)}")
            )
        return problems

    def run(self, step: CheckStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec = step.check
        ok, detail, output = evaluate(spec, context)
        if ok:
            return StepOutcome("passed", detail)
        label = self.label(step)
        evidence = save_evidence(
            context.run_dir, f"{phase.default_id}-check", context.journal.redact(output)
        )
        context.journal.record("evidence.collected", phase=phase.name, files=[evidence])
        context.finding(
            spec.severity,
            spec.category,
            f"Check failed: {label}",
            detail,
            phase.name,
            None,
            evidence=[evidence],
            about={"phase": phase.name, "step": label},
        )
        return StepOutcome("failed", detail)


def evaluate(spec: CheckSpec, context: StepContext) -> tuple[bool, str, str]:
    if spec.probe is not None:
        seen = context.sampler.next_sample(
            spec.probe, context.sampler.mark(), spec.timeout, context.cancelled
        )
        if seen is None:
            return False, f"{spec.probe} gave no sample", ""
        state = "passing" if seen.ok else "failing"
        return state == spec.status, f"{spec.probe} is {state} ({seen.detail})", seen.detail
    assert spec.on is not None
    if spec.log is not None:
        assert spec.pattern is not None
        command = shlex.join(["grep", "-c", "-E", "--", spec.pattern, spec.log])
        result = context.env.run_command(spec.on, command, spec.timeout)
        found = result.output.strip().splitlines()[-1:] != ["0"] and result.exit_code == 0
        wanted = "present" if spec.present else "absent"
        detail = (
            f"/{spec.pattern}/ {'found' if found else 'not found'} in {spec.log} "
            f"on {spec.on} (expected {wanted})"
        )
        return found == spec.present, detail, result.output
    if spec.sql is not None:
        command = "cd / && " + shlex.join(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-X",
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                spec.database,
                "-c",
                spec.sql,
            ]
        )
    else:
        assert spec.run is not None
        command = spec.run
    result = context.env.run_command(spec.on, command, spec.timeout)
    if result.exit_code != spec.expect_exit:
        return (
            False,
            f"exit {result.exit_code}, expected {spec.expect_exit}: {result.output.strip()[-300:]}",
            result.output,
        )
    if spec.expect_output is not None and not re.search(
        spec.expect_output, result.output, re.MULTILINE
    ):
        return (
            False,
            f"output does not match /{spec.expect_output}/: {result.output.strip()[-300:]}",
            result.output,
        )
    return True, f"ok: {result.output.strip()[-200:]}", result.output
