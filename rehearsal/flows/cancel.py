"""The emergency stop's reach through Prefect: the flow runs of the runs stopped here are
marked cancelled, and rehearsal flow runs going on a pool's other workers are cancelled
(their own cancellation watch unwinds them: faults reverted, mirror torn down, the stop
journalled).

Prefect loads only when a server is configured: ``rehearsal stop`` on a machine without
one touches no Prefect.
"""

from __future__ import annotations

from rehearsal.flows.server import prefect_configured
from rehearsal.runs.emergency import Stopped
from rehearsal.runs.live import LiveRun, Stop

LAUNCHED_FLOWS = ("rehearsal-launch", "rehearsal-run")


class PrefectFlowRuns:
    def mark_cancelled(self, runs: list[LiveRun], stop: Stop) -> None:
        if not prefect_configured():
            return
        from prefect.client.orchestration import get_client
        from prefect.states import Cancelled

        with get_client(sync_client=True) as client:
            for run in runs:
                if run.flow_run_id is not None:
                    client.set_flow_run_state(
                        run.flow_run_id, Cancelled(message=stop.sentence()), force=True
                    )

    def cancel_elsewhere(self, stop: Stop) -> list[Stopped]:
        if not prefect_configured():
            return []
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (
            FlowFilter,
            FlowFilterName,
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.states import Cancelling

        going = [StateType.RUNNING, StateType.PENDING, StateType.PAUSED]
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=list(LAUNCHED_FLOWS))),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=going))
                ),
            )
            for flow_run in runs:
                client.set_flow_run_state(
                    flow_run.id, Cancelling(message=stop.sentence()), force=True
                )
        return [Stopped(flow_run.name, where="via Prefect") for flow_run in runs]
