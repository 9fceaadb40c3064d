"""What counts as "the incident happened" in a reproduction, and watching for it.

A symptom is a check (probe state, log pattern, command output, SQL) or an error rate of
background load. It is evaluated after every step and at the end of every phase; a probe
symptom also counts when it showed between two evaluations, so a short blip is not missed.
"""

from __future__ import annotations

import shlex
from typing import Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Strict
from rehearsal.scenarios.steps.base import StepContext
from rehearsal.scenarios.steps.check import CheckSpec, evaluate


class ErrorRate(Strict):
    load: Name = "load"
    above: float = Field(ge=0, le=100, description="percent of requests failing")


class Symptom(CheckSpec):
    error_rate: ErrorRate | None = None

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        kinds = [k for k in ("probe", "run", "log", "sql", "error_rate") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError(
                "a symptom is exactly one of 'probe:', 'run:', 'log:', 'sql:' or 'error_rate:'"
            )
        if kinds[0] in ("run", "log", "sql") and self.on is None:
            raise ValueError(f"a '{kinds[0]}:' symptom needs 'on:' (the node)")
        if kinds[0] == "log" and self.pattern is None:
            raise ValueError("a 'log:' symptom needs 'pattern:'")
        return self


class SymptomWatch:
    def __init__(self, symptom: Symptom, context: StepContext) -> None:
        self.symptom = symptom
        self.context = context
        self._counts = self._probe_counts()
        self._log_lines = 0
        if symptom.log is not None:
            self._log_lines = self._new_log_matches()[1]

    def _probe_counts(self) -> tuple[int, int]:
        if self.symptom.probe is None:
            return (0, 0)
        return self.context.sampler.counts(self.symptom.probe)

    def present(self) -> tuple[bool, str]:
        symptom, context = self.symptom, self.context
        if symptom.error_rate is not None:
            generator = context.loads.get(symptom.error_rate.load)
            if generator is None:
                return False, f"no load named {symptom.error_rate.load!r} is running"
            rate = generator.error_rate() * 100
            return rate > symptom.error_rate.above, (
                f"error rate {rate:.1f}% (symptom above {symptom.error_rate.above:g}%)"
            )
        if symptom.probe is not None:
            passing, failing = self._probe_counts()
            before = self._counts
            self._counts = (passing, failing)
            wanted_failing = symptom.status == "failing"
            seen = (failing > before[1]) if wanted_failing else (passing > before[0])
            return seen, f"{symptom.probe} was {symptom.status}" if seen else (
                f"{symptom.probe} was not {symptom.status}"
            )
        if symptom.log is not None:
            matches, self._log_lines = self._new_log_matches()
            return matches > 0, (
                f"{matches} new line(s) matching /{symptom.pattern}/ in {symptom.log} on "
                f"{symptom.on}"
            )
        ok, detail, _output = evaluate(symptom, context)
        return ok, detail

    def _new_log_matches(self) -> tuple[int, int]:
        """Matching lines written since the last look, and the file's length now: a log
        keeps old errors, and the symptom is about what happens now."""
        assert self.symptom.on is not None and self.symptom.log is not None
        program = 'NR > start && $0 ~ ENVIRON["PATTERN"] { n++ } END { print n + 0, NR }'
        command = f"PATTERN={shlex.quote(self.symptom.pattern or '')} " + shlex.join(
            ["awk", "-v", f"start={self._log_lines}", program, self.symptom.log]
        )
        result = self.context.env.run_command(self.symptom.on, command, self.symptom.timeout)
        try:
            matches, lines = (int(part) for part in result.output.split()[-2:])
        except ValueError:
            return 0, self._log_lines
        return matches, lines
