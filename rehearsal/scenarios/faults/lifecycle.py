"""One fault's life in a run: injected at most once, reverted exactly once, all journaled.

Reverts can come from several places at once (the fault's ``duration`` timer, the end of
its phase or of the run, Ctrl-C unwinding the stack); a lock makes the first one do the
work and the others no-ops. A revert that fails is retried with backoff, then reported
as a finding, because a node left broken spoils everything measured after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tenacity import retry, stop_after_attempt, wait_exponential

from rehearsal.journal.writer import Journal
from rehearsal.scenarios.faults import switch
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import on_each, tag

REVERT_ATTEMPTS = 3
BACKOFF_S = 0.5
Finding = Callable[..., None]


class ActiveFault:
    def __init__(
        self,
        fault_id: str,
        fault: Fault[FaultSpec],
        journal: Journal,
        phase: str,
        finding: Finding,
    ) -> None:
        self.id = fault_id
        self.fault = fault
        self.journal = journal
        self.phase = phase
        self.finding = finding
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._state = "pending"
        self.switch = tag("switch", fault_id, time.time_ns())
        """Names this injection's dead man's switch in the nodes (journaled, for recover)."""
        self._armed: list[str] = []

    @property
    def label(self) -> str:
        return f"{self.fault.kind} on {', '.join(self.fault.targets)}"

    def inject(self) -> bool:
        """Inject and check it took; False when it did not (or the fault was closed first)."""
        spec = self.fault.spec
        with self._lock:
            if self._state != "pending":
                return False
            self._state = "injecting"
            self.journal.record(
                "fault.injecting",
                fault=self.id,
                type=spec.type,
                targets=list(self.fault.targets),
                peers=list(self.fault.placement.peers),
                phase=self.phase,
                spec=spec.model_dump(mode="json"),
                until=spec.until,
                duration_s=spec.duration,
                switch=self.switch,
            )
            try:
                self._arm()
                self.fault.inject()
                verified = self.fault.is_injected()
            except Exception as error:
                self._record_injected(False, f"{type(error).__name__}: {error}")
                raise
            self._record_injected(verified, None)
            self._state = "injected"
            return verified

    def _arm(self) -> None:
        """Start the dead man's switch in every target whose node can revert it alone."""
        spec, fault = self.fault.spec, self.fault
        argvs = {node: fault.revert_argv(node) for node in fault.targets}
        nodes = [node for node, argv in argvs.items() if argv is not None]
        limit = spec.duration + spec.switch_after if spec.duration is not None else None
        armed = on_each(
            nodes,
            lambda node: switch.arm(
                fault.env, node, self.switch, spec.switch_after, limit, argvs[node] or []
            ),
        )
        self._armed = [node for node, ok in zip(nodes, armed, strict=True) if ok]
        for node in self._armed:
            switch.HEARTBEAT.hold(fault.env, node)
        self.journal.record(
            "fault.switch_armed",
            fault=self.id,
            nodes=self._armed,
            bound_s=spec.switch_after,
            without=[node for node in fault.targets if node not in self._armed],
        )

    def _disarm(self) -> None:
        env = self.fault.env
        on_each(self._armed, lambda node: switch.disarm(env, node, [self.switch]))
        for node in self._armed:
            switch.HEARTBEAT.release(env, node)
        self._armed = []

    def _record_injected(self, verified: bool, error: str | None) -> None:
        self.journal.record(
            "fault.injected",
            fault=self.id,
            type=self.fault.spec.type,
            targets=list(self.fault.targets),
            phase=self.phase,
            verified=verified,
            notes=self.fault.notes,
            error=error,
        )

    def revert_after(self, seconds: float) -> None:
        """Revert in the background once ``seconds`` pass, unless reverted before."""

        def timer() -> None:
            if not self.stop.wait(seconds):
                self.revert()

        threading.Thread(target=timer, name=f"revert-{self.id}", daemon=True).start()

    def inject_later(self, after: float, duration: float | None) -> None:
        """Inject in the background after ``after`` seconds; the step does not wait."""

        def later() -> None:
            if self.stop.wait(after):
                return
            try:
                self.inject()
            except Exception as error:
                self.finding(
                    "high",
                    "environment",
                    f"Fault {self.id} ({self.label}) could not be injected",
                    f"{type(error).__name__}: {error}",
                    self.phase,
                    "Check the fault's targets and fields.",
                    about=self._about("inject"),
                )
                return
            if duration is not None:
                self.revert_after(duration)

        threading.Thread(target=later, name=f"inject-{self.id}", daemon=True).start()

    def revert(self) -> None:
        self.stop.set()
        with self._lock:
            if self._state in ("pending", "reverted"):
                self._state = "reverted"
                return
            self._state = "reverted"
            self.journal.record("fault.reverting", fault=self.id)
            self._disarm()
            error = revert_with_retries(self.fault)
            self.journal.record(
                "fault.reverted",
                fault=self.id,
                status="failed" if error else "reverted",
                detail=error,
            )
        if error:
            self.finding(
                "high",
                "environment",
                f"Fault {self.id} ({self.label}) could not be reverted",
                f"After {REVERT_ATTEMPTS} attempts: {error}. The mirror may still be broken.",
                self.phase,
                "Run `rehearsal recover RUN_ID`, or repair the node by hand before trusting "
                "later results.",
                about=self._about("revert"),
            )

    def _about(self, stage: str) -> dict[str, str]:
        return {
            "fault": self.fault.spec.type,
            "target": ",".join(sorted(self.fault.targets)),
            "stage": stage,
        }


class NotReverted(Exception):
    """The revert ran without error, yet ``is_reverted`` says the node is not back."""


@retry(
    stop=stop_after_attempt(REVERT_ATTEMPTS),
    wait=wait_exponential(multiplier=BACKOFF_S),  # 0.5 s, then 1 s
    reraise=True,
)
def _revert_until_back(fault: Fault[FaultSpec]) -> None:
    fault.revert()
    if not fault.is_reverted():
        raise NotReverted("the revert ran but the node is not back to normal")


def revert_with_retries(fault: Fault[FaultSpec]) -> str | None:
    """Revert until ``is_reverted``; None on success, else what went wrong the last time."""
    try:
        _revert_until_back(fault)
    except NotReverted as error:
        return str(error)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None
