"""The results of a run: the shape of ``results.json``, built from the journal alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rehearsal.models.vocabulary import Category, FindingStatus, Severity, StepStatus
from rehearsal.results.response_model import (
    AlertResult,
    CalendarNote,
    EscalationStep,
    PersonResponse,
    PhaseResponse,
    RunClockResult,
)

RunStatus = Literal["passed", "failed", "stopped", "error", "cancelled", "incomplete"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunbookStepResult(Record):
    index: int
    say: str
    node: str | None
    command: str | None
    status: StepStatus
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    budget_s: float | None
    exit_code: int | None
    output: str


class StepResult(Record):
    index: int
    type: str
    label: str
    status: StepStatus
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    budget_s: float | None
    detail: str
    done_by: str
    """Who did it: the tool (faults, waits, checks, runbooks and commands it ran by itself,
    naming the operator they were assigned to), or the person whose answer the step got."""
    runbook_steps: list[RunbookStepResult] = []


class PhaseResult(Record):
    name: str
    operator: str
    analyst: str
    status: StepStatus
    started_at: datetime
    finished_at: datetime | None
    steps: list[StepResult]
    attempt: int = 1
    symptom_present: bool | None = None


class FaultResult(Record):
    id: str
    type: str
    targets: list[str]
    phase: str
    injected_at: datetime | None
    reverted_at: datetime | None
    revert_status: Literal["reverted", "failed", "not reverted"]


class FindingChange(Record):
    """Who changed a finding after the run, when, and to what (from the journal)."""

    at: datetime
    by: str
    changes: dict[str, str]


class Finding(Record):
    id: str
    key: str | None = None
    """The same problem in every run (category and what it is about): findings are followed
    across runs by it. None in an older results.json until it is rebuilt."""
    severity: Severity
    category: Category
    title: str
    detail: str
    phase: str | None
    evidence: list[str] = []
    recommendation: str | None = None
    owner: str | None = None
    status: FindingStatus = "open"
    history: list[FindingChange] = []


class LoadResult(Record):
    name: str
    phase: str
    requests: int
    errors: int
    error_rate: float


class JobResult(Record):
    """One run of a profile job: started by a ``job:`` step or by its schedule."""

    name: str
    node: str
    phase: str | None
    trigger: Literal["step", "schedule"]
    scheduled_for: datetime | None
    """The customer-clock time its schedule named (scheduled runs only)."""
    command: str | None
    status: Literal["passed", "failed", "timed out", "skipped", "running"]
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    timeout_s: float | None
    exit_code: int | None
    output: str
    faults_active: list[str] = []
    """Faults in force while it ran, as 'F1 service.stop on web1'."""
    attempt: int = 1


class QuestionResult(Record):
    """A manual step or an observation: who was asked, what they said, how long it took."""

    id: str
    kind: str
    phase: str
    person: str
    instruction: str
    asked_at: datetime
    attempt: int = 1
    outcome: str
    notes: str
    waited_s: float | None
    source: str | None = None
    """Who gave the answer (prefect ui, console, answers file, tool, or unknown in a journal
    older than sources); None while unanswered."""
    answered_by: str | None = None
    """The person, or what stood in for them ("answers file (scripted), for Kim Minji");
    None while unanswered."""


class AttemptResult(Record):
    attempt: int
    seed: int | None
    reproduced: bool
    first_seen_phase: str | None
    first_seen_at: datetime | None


class Criterion(Record):
    name: str
    met: bool
    detail: str


class ProbeSample(Record):
    at: datetime
    ok: bool
    latency_s: float
    detail: str

    @property
    def started(self) -> datetime:
        """When the check began (its journal time less its latency): a check that failed by
        timing out saw the outage when it began, not when it gave up."""
        return self.at - timedelta(seconds=self.latency_s)


class ProbeHistory(Record):
    name: str
    samples: list[ProbeSample]
    attempt: int | None = None
    """The attempt of a parallel reproduction whose mirror it probed (None: the run's)."""

    @property
    def label(self) -> str:
        return self.name if self.attempt is None else f"{self.name} (attempt {self.attempt})"


class Metrics(Record):
    measured_probe: str | None
    time_to_detect_s: float | None
    time_to_recover_s: float | None
    outage_s: float | None
    rto_s: float | None
    within_rto: bool | None


class ServiceImpact(Record):
    name: str
    impact: str
    probe: str
    downtime_s: float | None
    """None: its probe took no sample, so nothing says whether it was up."""
    sla_allowance_s: float | None = None
    """Downtime the profile's SLA allows in a 30-day month; None without an SLA."""


class FidelityFact(Record):
    """One thing about a node, as the profile says it and as the mirror has it."""

    node: str
    aspect: str
    name: str
    expected: str
    actual: str
    matches: bool


class Results(Record):
    run_id: str
    kind: Literal["rehearsal", "reproduction"]
    status: RunStatus
    title: str
    purpose: str | None
    customer: str
    account_manager: str | None
    started_at: datetime
    finished_at: datetime | None
    profile: str
    scenario: str
    team: dict[str, list[str]]
    environment: dict[str, str]
    phases: list[PhaseResult]
    faults: list[FaultResult]
    metrics: Metrics
    criteria: list[Criterion]
    findings: list[Finding]
    services: list[ServiceImpact]
    probes: list[ProbeHistory]
    loads: list[LoadResult] = []
    jobs: list[JobResult] = []
    questions: list[QuestionResult] = []
    waiting_for_people_s: float | None = None
    """The waits for answers people gave (or nobody gave): scripted waits are not theirs;
    None when no person was asked anything."""
    waiting_for_stand_ins_s: float | None = None
    """The waits an answers file or the tool held the run for; None in older results."""
    seed: int | None = None
    notes: str = ""
    error: str | None = None
    symptom: str | None = None
    reproduced: bool | None = None
    attempts: int | None = None
    reproduction_rate: float | None = None
    attempt_results: list[AttemptResult] = []
    alerts: list[AlertResult] = []
    escalation: list[EscalationStep] = []
    response: list[PhaseResponse] = []
    responders: list[PersonResponse] = []
    calendar: CalendarNote | None = None
    clock: RunClockResult | None = None
    """The customer time the scenario's ``at:`` (or ``jobs.clock``) set; None: the real time."""
    fidelity: list[FidelityFact] = []
    """The last fidelity check of the mirror (empty when none ran)."""
    journal_problems: list[str] = []
    """What the journal lacked (cut short, unknown events, missing fields): the report says so."""
