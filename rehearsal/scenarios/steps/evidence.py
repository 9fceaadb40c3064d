"""``evidence:`` — copy files and command output from nodes into the run's ``evidence/``."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from rehearsal.journal.whole_files import write_whole
from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome

EVIDENCE_LIMIT = 1_000_000


class EvidenceSpec(Strict):
    on: Name | list[Name]
    files: list[str] = Field(default_factory=list, description="paths on the node")
    commands: list[Text] = Field(default_factory=list, description="their output is kept")
    tail: int = Field(default=2000, ge=1, le=100_000, description="last lines of each file")

    @property
    def nodes(self) -> list[str]:
        return [self.on] if isinstance(self.on, str) else list(self.on)


class EvidenceStep(Strict):
    evidence: EvidenceSpec


def save_evidence(run_dir: Path, name: str, content: str) -> str:
    """Write one piece of evidence; return its path relative to the run folder."""
    folder = run_dir / "evidence"
    folder.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] or "evidence"
    path, counter = folder / f"{safe}.txt", 1
    while True:
        try:
            path.touch(exist_ok=False)  # taken at once: parallel attempts save the same names
            break
        except FileExistsError:
            counter += 1
            path = folder / f"{safe}-{counter}.txt"
    write_whole(path, content[-EVIDENCE_LIMIT:])
    return str(path.relative_to(run_dir))


class EvidenceKind(StepKind):
    key: ClassVar[str] = "evidence"
    Model: ClassVar[type[Strict]] = EvidenceStep

    def label(self, step: EvidenceStep) -> str:
        spec = step.evidence
        what = len(spec.files) + len(spec.commands)
        return f"collect {what} item(s) of evidence from {', '.join(spec.nodes)}"

    def check(self, step: EvidenceStep, names: Names) -> list[tuple[Loc, str]]:
        return [
            (("evidence", "on"), f"unknown node {node!r}{did_you_mean(node, names.nodes)}")
            for node in step.evidence.nodes
            if node not in names.nodes
        ]

    def run(self, step: EvidenceStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec, saved, missing = step.evidence, [], []
        for node in spec.nodes:
            items = [
                (f"{node}-{path}", shlex.join(["tail", "-n", str(spec.tail), "--", path]))
                for path in spec.files
            ]
            items += [(f"{node}-{command}", command) for command in spec.commands]
            for name, command in items:
                result = context.env.run_command(node, command, 60.0)
                if result.exit_code != 0:
                    missing.append(f"{name} (exit {result.exit_code})")
                header = f"# {node}$ {command}\n# exit {result.exit_code}\n"
                saved.append(
                    save_evidence(
                        context.run_dir,
                        f"{phase.default_id}-{name}",
                        context.journal.redact(header + result.output),
                    )
                )
        context.journal.record("evidence.collected", phase=phase.name, files=saved, missing=missing)
        detail = f"{len(saved)} item(s) saved" + (
            f"; failed: {', '.join(missing)}" if missing else ""
        )
        return StepOutcome("passed", detail)
