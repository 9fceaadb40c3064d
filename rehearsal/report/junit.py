"""junit.xml, so CI systems show a drill's phases, steps and criteria as test results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rehearsal.journal.whole_files import replacing
from rehearsal.models.durations import format_duration
from rehearsal.results.model import Criterion, JobResult, PhaseResult, Results, StepResult

# A step still "running" when the run ended never finished: CI should see it as an error.
_OUTCOME_TAG = {"failed": "failure", "error": "error", "running": "error", "skipped": "skipped"}


def write_junit(results: Results, path: Path) -> Path:
    suites = [_phase_suite(results.run_id, phase) for phase in results.phases]
    if results.jobs:
        suites.append(_jobs_suite(results.run_id, results.jobs))
    if results.criteria:
        suites.append(_criteria_suite(results.run_id, results.criteria))
    if results.error:
        suites.append(_run_error_suite(results.run_id, results.error))
    root = ET.Element("testsuites", {"name": f"rehearsal {results.run_id}"})
    root.extend(suites)
    _count_suites(root)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with replacing(path) as temporary:
        tree.write(temporary, encoding="utf-8", xml_declaration=True)
    return path


def _phase_suite(run_id: str, phase: PhaseResult) -> ET.Element:
    suite = ET.Element("testsuite", {"name": phase.name, "timestamp": phase.started_at.isoformat()})
    for step in phase.steps:
        suite.append(_step_case(f"rehearsal.{run_id}.{phase.name}", step))
    _count_cases(suite)
    return suite


def _step_case(classname: str, step: StepResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        {"classname": classname, "name": step.label, "time": f"{step.duration_s or 0.0:.3f}"},
    )
    tag = _OUTCOME_TAG.get(step.status)
    if tag:
        outcome = ET.SubElement(case, tag, {"message": step.detail or step.status})
        outcome.text = step.detail
    if step.runbook_steps:
        ET.SubElement(case, "system-out").text = "\n\n".join(
            f"[{sub.index}] {sub.say} ({sub.status}, exit {sub.exit_code})\n"
            f"$ {sub.command or ''}\n{sub.output}"
            for sub in step.runbook_steps
        )
    return case


def _jobs_suite(run_id: str, jobs: list[JobResult]) -> ET.Element:
    """Each run of a batch job: one that failed, timed out or overran its schedule fails."""
    suite = ET.Element("testsuite", {"name": "batch jobs"})
    for job in jobs:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"rehearsal.{run_id}.jobs",
                "name": f"{job.name} on {job.node} ({job.trigger}, {job.phase or 'no phase'})",
                "time": f"{job.duration_s or 0.0:.3f}",
            },
        )
        message = {
            "failed": f"exited {job.exit_code}",
            "timed out": f"stopped at its limit of {format_duration(job.timeout_s or 0.0)}",
            "skipped": "came due while its previous run was still going",
            "running": "had not finished when the run ended",
        }.get(job.status)
        if message is not None:
            tag = "error" if job.status == "running" else "failure"
            ET.SubElement(case, tag, {"message": message}).text = job.output
        ET.SubElement(case, "system-out").text = f"$ {job.command or ''}\n{job.output}"
    _count_cases(suite)
    return suite


def _criteria_suite(run_id: str, criteria: list[Criterion]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": "criteria"})
    for criterion in criteria:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"rehearsal.{run_id}.criteria", "name": criterion.name, "time": "0"},
        )
        if not criterion.met:
            ET.SubElement(case, "failure", {"message": criterion.detail}).text = criterion.detail
    _count_cases(suite)
    return suite


def _run_error_suite(run_id: str, error: str) -> ET.Element:
    """A run that broke must not look green in CI even when no step recorded the error."""
    suite = ET.Element("testsuite", {"name": "run"})
    case = ET.SubElement(
        suite, "testcase", {"classname": f"rehearsal.{run_id}", "name": "run", "time": "0"}
    )
    ET.SubElement(case, "error", {"message": error}).text = error
    _count_cases(suite)
    return suite


def _count_cases(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(key, str(sum(case.find(tag) is not None for case in cases)))
    suite.set("tests", str(len(cases)))
    suite.set("time", f"{sum(float(case.get('time', '0')) for case in cases):.3f}")


def _count_suites(root: ET.Element) -> None:
    suites = root.findall("testsuite")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.set("time", f"{sum(float(suite.get('time', '0')) for suite in suites):.3f}")
