"""A service is down: stopped by hand, or unable to start because its configuration broke.

Services are SysV services driven through ``/etc/init.d/NAME``, as the nodes boot them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.envs.base import CommandResult, Environment
from rehearsal.errors import FaultFailure
from rehearsal.models.base import Name
from rehearsal.scenarios.faults import files
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import attempt, on_each, run, sh

SERVICE_TIMEOUT_S = 60.0
BAD_LINE = "rehearsal-broke-this-file {"
# Stop, then check: exits 0 once the service is down, 1 with the init script's words if not.
_STOP = 'out=$("/etc/init.d/$1" stop 2>&1); "/etc/init.d/$1" status >/dev/null 2>&1 || exit 0; \
echo "$out"; exit 1'
_BREAK = 'case "$2" in move-aside) rm -f -- "$1" ;; *) printf "%s\\n" "$3" >> "$1" ;; esac'


def service_run(env: Environment, node: str, service: str, action: str) -> CommandResult:
    return attempt(env, node, [f"/etc/init.d/{service}", action], SERVICE_TIMEOUT_S)


def service_ok(env: Environment, node: str, service: str) -> bool:
    return service_run(env, node, service, "status").ok


class ServiceStopSpec(FaultSpec):
    type: Literal["service.stop"]
    service: Name = Field(description="the SysV service (/etc/init.d/NAME)")


class ServiceStop(Fault[ServiceStopSpec]):
    """``/etc/init.d/NAME stop``; revert starts it (or the node, if the service was its
    main process and the node stopped with it)."""

    kind: ClassVar[str] = "service.stop"
    example: ClassVar[dict[str, Any]] = {"type": "service.stop", "target": "n1", "service": "ssh"}

    def inject(self) -> None:
        service = self.spec.service
        stops = on_each(
            self.targets,
            lambda node: attempt(self.env, node, sh(_STOP, service), SERVICE_TIMEOUT_S),
        )
        self.confirmed = set()
        for node, result in zip(self.targets, stops, strict=True):
            if result.ok:
                self.confirmed.add(node)
            elif result.exit_code == 1 and self.env.node_running(node):
                # Other codes: the exec died with the node (ssh is many nodes' main process).
                raise FaultFailure(f"{node}: {service} stop failed: {result.output}")

    def is_injected(self) -> bool:
        return all(
            self.env.node_state(node) != "running"
            or not service_ok(self.env, node, self.spec.service)
            for node in self.unchecked()
        )

    def revert_argv(self, node: str) -> list[str] | None:
        return [f"/etc/init.d/{self.spec.service}", "start"]

    def revert(self) -> None:
        for node in self.targets:
            if self.env.node_running(node) and not service_ok(self.env, node, self.spec.service):
                service_run(self.env, node, self.spec.service, "start")
            if not self.env.node_running(node):  # it was the node's main process
                self.env.start_node(node)

    def is_reverted(self) -> bool:
        return all(
            self.env.node_running(node) and service_ok(self.env, node, self.spec.service)
            for node in self.targets
        )


class ServiceBrokenStartSpec(FaultSpec):
    type: Literal["service.broken-start"]
    service: Name = Field(description="the SysV service (/etc/init.d/NAME)")
    file: str = Field(pattern=r"^/[^\x00]*$", description="absolute path of a file it needs")
    how: Literal["bad-line", "move-aside"] = "bad-line"
    line: str = Field(default=BAD_LINE, max_length=1000, description="the line bad-line adds")


class ServiceBrokenStart(Fault[ServiceBrokenStartSpec]):
    """Breaks a file the service needs, then restarts it. A service whose init script checks
    its configuration first refuses the restart and keeps running the old one; the fault
    has taken either way (journal notes say which). Revert puts the file back, starts it."""

    kind: ClassVar[str] = "service.broken-start"
    example: ClassVar[dict[str, Any]] = {
        "type": "service.broken-start",
        "target": "n1",
        "service": "ssh",
        "file": "/etc/ssh/sshd_config",
    }
    _refused: set[str] = set()

    def inject(self) -> None:
        spec = self.spec
        self._refused = set()
        for node in self.targets:
            files.save(self.env, node, spec.file, self.kind)
            run(self.env, node, sh(_BREAK, spec.file, spec.how, spec.line))
            if not service_run(self.env, node, spec.service, "restart").ok:
                self._refused.add(node)
            if service_ok(self.env, node, spec.service):
                self.notes.append(
                    f"{node}: {spec.service} refused to restart on the broken file and keeps "
                    "running its old configuration"
                )

    def is_injected(self) -> bool:
        return all(
            files.saved(self.env, node, self.spec.file, self.kind)
            and (node in self._refused or not service_ok(self.env, node, self.spec.service))
            for node in self.targets
        )

    def revert(self) -> None:
        for node in self.targets:
            files.restore(self.env, node, self.spec.file, self.kind)
            if not service_ok(self.env, node, self.spec.service):
                service_run(self.env, node, self.spec.service, "start")

    def is_reverted(self) -> bool:
        return all(
            not files.saved(self.env, node, self.spec.file, self.kind)
            and service_ok(self.env, node, self.spec.service)
            for node in self.targets
        )
