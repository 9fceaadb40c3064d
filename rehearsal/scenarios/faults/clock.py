"""A node's services see the wrong time: shifted (``clock.offset``) or running fast or slow
(``clock.drift``), through libfaketime preloaded into those services alone.

A container cannot set its clock without setting the host's, so the services (default:
every SysV service the node's init starts, the base image's own aside) are restarted with
``LD_PRELOAD=libfaketime`` and ``FAKETIME`` in their environment. Nothing else in the node
changes: sshd, the tool's own commands and every other program keep the true time. The
list of restarted services is written in the node before the first restart, so the revert
(restart them with their own environment) runs as well from ``rehearsal recover`` or the
dead man's switch.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, field_validator

from rehearsal.errors import FaultFailure
from rehearsal.models.base import Name
from rehearsal.models.durations import parse_duration
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import STATE_DIR, attempt, on_each, run, sh, tag

BASE_SERVICES = ("ssh", "sudo")
"""Enabled in the base image, never a clock fault's: sshd is the node's main process and
carries the tool's own commands; sudo's script starts no program."""
MARK = "REHEARSAL_CLOCK"
RESTART_TIMEOUT_S = 120.0
_CENTURY_S = 100 * 365 * 86400
_LIBRARIES = "/usr/lib/*/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1"
# $1 state file, $2 FAKETIME, $3 mark; then the services (none: the init's, see above).
# Exit 3: no libfaketime; 4: a service is not there. The state file is written before
# the first restart, so a run killed half way still knows what to restart.
_INJECT = f"""
state=$1 faketime=$2 mark=$3; shift 3
lib=; for l in {_LIBRARIES}; do [ -r "$l" ] && {{ lib=$l; break; }}; done
[ -n "$lib" ] || {{ echo "libfaketime is not installed"; exit 3; }}
if [ $# = 0 ]; then
  for s in /etc/rc2.d/S*; do
    [ -x "$s" ] || continue
    n=$(basename "$(readlink -f "$s")")
    case " {" ".join(BASE_SERVICES)} " in *" $n "*) ;; *) set -- "$@" "$n" ;; esac
  done
  [ $# -gt 0 ] || {{ echo "its init starts no service but ssh (see /etc/rc2.d)"; exit 4; }}
fi
for s; do [ -x "/etc/init.d/$s" ] || {{ echo "there is no /etc/init.d/$s"; exit 4; }}; done
mkdir -p "$(dirname "$state")" && printf '%s\\n' "$@" >"$state" || exit 1
rc=0
for s; do
  out=$(env LD_PRELOAD="$lib" FAKETIME="$faketime" {MARK}="$mark:$s" \\
    "/etc/init.d/$s" restart 2>&1 </dev/null) || {{ echo "$s did not restart: $out"; rc=1; }}
done
exit $rc
"""
# $1 state file. Restarts what the state file lists with the environment they boot with.
_REVERT = f"""
[ -e "$1" ] || exit 0
rc=0
while read -r s; do
  [ -n "$s" ] || continue
  out=$(env -u LD_PRELOAD -u FAKETIME -u {MARK} "/etc/init.d/$s" restart 2>&1 </dev/null) \\
    || {{ echo "$s did not restart: $out"; rc=1; }}
done <"$1"
[ $rc = 0 ] && rm -f -- "$1"
exit $rc
"""
# Runs as `python3 -c SCRIPT STATE MARK`: prints the listed services, then, for each process
# started with the mark, "seen SERVICE yes|no" (yes: libfaketime is loaded in it). Another
# user's /proc/PID/environ is readable only as that user (no CAP_SYS_PTRACE in containers).
_SEEN = """
import os, sys
state, mark = sys.argv[1], sys.argv[2].encode() + b":"
if os.path.exists(state):
    print("listed", *open(state).read().split())
def facts(pid):
    with open(f"/proc/{pid}/environ", "rb") as env, open(f"/proc/{pid}/maps", "rb") as maps:
        found = [v for v in env.read().split(b"\\0") if v.startswith(b"REHEARSAL_CLOCK=" + mark)]
        return found, b"/libfaketime" in maps.read()
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        info = os.stat(f"/proc/{pid}")
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            try:
                os.setgroups([]); os.setgid(info.st_gid); os.setuid(info.st_uid)
                found, loaded = facts(pid)
                for value in found:
                    service = value.split(b":", 1)[1].decode(errors="replace")
                    os.write(write, f"seen {service} {'yes' if loaded else 'no'}\\n".encode())
            except OSError:
                pass
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as answer:
            sys.stdout.write(answer.read())
        os.waitpid(child, 0)
    except OSError:
        continue
""".replace("REHEARSAL_CLOCK", MARK)


def _signed_seconds(value: Any) -> float:
    """``+2h``, ``-90s``, ``-1h30m`` or a number of seconds, as signed seconds."""
    if isinstance(value, bool):
        raise ValueError("an offset is text like '+2h' or '-90s', or a number of seconds")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError("an offset is text like '+2h' or '-90s', or a number of seconds")
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    try:
        return sign * parse_duration(text.lstrip("+-"))
    except ValueError:
        raise ValueError(
            f"cannot read {value!r} as a clock offset; write it like '+2h', '-90s' or '-1h30m'"
        ) from None


def _within_a_century(seconds: float) -> float:
    if abs(seconds) > _CENTURY_S:
        raise ValueError("a clock offset of more than 100 years is no clock a server has")
    return seconds


Offset = Annotated[
    float,
    BeforeValidator(_signed_seconds),
    AfterValidator(_within_a_century),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*[+-]?((\d+(\.\d+)?)(ms|s|m|h|d))+\s*$"},
                {"type": "number"},
            ],
            "description": "signed: '+2h' (ahead), '-90s' (behind), or seconds",
        }
    ),
]


class ClockSpec(FaultSpec):
    """What both clock faults share: which services see the wrong time."""

    services: list[Name] = Field(
        default_factory=list,
        description="SysV services (/etc/init.d/NAME) to restart with the wrong time; "
        "default: every service the node's init starts (/etc/rc2.d), ssh aside",
    )

    @field_validator("services")
    @classmethod
    def _not_the_way_in(cls, services: list[str]) -> list[str]:
        taken = [s for s in services if s in BASE_SERVICES]
        if taken:
            raise ValueError(
                f"{taken[0]!r} cannot take a clock fault: ssh and sudo are the base image's "
                "own (sshd is the node's main process and carries rehearsal's own commands); "
                "name the product's services instead"
            )
        return services


C = TypeVar("C", bound=ClockSpec, covariant=True)


def _seconds(value: float) -> str:
    """Signed seconds as libfaketime reads them: '+7200', '-90', '+0.5' (never '1e+09')."""
    return f"{value:+.0f}" if value.is_integer() else f"{value:+.3f}"


class _ClockFault(Fault[C]):
    """Restarts the services with libfaketime; revert restarts them without it."""

    requires: ClassVar[frozenset[str]] = frozenset({"libfaketime", "python3"})
    needs: ClassVar[str | None] = "libfaketime and a service besides ssh in the node"

    @abstractmethod
    def faketime(self) -> str:
        """The ``FAKETIME`` value the services run with."""

    def _state(self) -> str:
        return f"{STATE_DIR}/clock-{self._mark()}"

    def _mark(self) -> str:
        return tag(self.kind, self.spec.model_dump_json())

    def inject(self) -> None:
        argv = sh(_INJECT, self._state(), self.faketime(), self._mark(), *self.spec.services)
        results = on_each(self.targets, lambda n: attempt(self.env, n, argv, RESTART_TIMEOUT_S))
        for node, result in zip(self.targets, results, strict=True):
            if result.exit_code == 3:
                raise FaultFailure(
                    f"{node}: libfaketime is not installed; give the node "
                    "'packages: [libfaketime]' in the profile (or rebuild the base image)"
                )
            if not result.ok:
                raise FaultFailure(f"{node}: {result.output.strip()[-500:]}")

    def _seen(self, node: str) -> tuple[list[str], dict[str, bool]]:
        """The services the node's state lists, and each marked service with whether
        libfaketime is loaded in all of its processes."""
        argv = ["python3", "-c", _SEEN, self._state(), self._mark()]
        listed: list[str] = []
        loaded: dict[str, bool] = {}
        for line in run(self.env, node, argv).splitlines():
            words = line.split()
            if words[:1] == ["listed"]:
                listed = words[1:]
            elif words[:1] == ["seen"] and len(words) == 3:
                loaded[words[1]] = loaded.get(words[1], True) and words[2] == "yes"
        return listed, loaded

    def is_injected(self) -> bool:
        took = True
        for node in self.targets:
            listed, loaded = self._seen(node)
            for service in listed:
                note = (
                    f"{node}: {service} does not load libfaketime (a static binary, or an "
                    "init script that clears LD_PRELOAD): its clock is true"
                )
                if loaded.get(service) is False and note not in self.notes:
                    self.notes.append(note)
            took = took and bool(listed) and all(loaded.get(s) for s in listed)
        return took

    def revert_argv(self, node: str) -> list[str] | None:
        return sh(_REVERT, self._state())

    def revert(self) -> None:
        running = [node for node in self.targets if self.env.node_running(node)]
        argv = sh(_REVERT, self._state())
        results = on_each(running, lambda n: attempt(self.env, n, argv, RESTART_TIMEOUT_S))
        for node, result in zip(running, results, strict=True):
            if not result.ok:
                raise FaultFailure(f"{node}: {result.output.strip()[-500:]}")

    def is_reverted(self) -> bool:
        """Back when nothing is listed and no process runs with the fault's mark; a stopped
        node's services start with the true time when it boots."""
        return all(
            not self.env.node_running(node) or self._seen(node) == ([], {}) for node in self.targets
        )


class ClockOffsetSpec(ClockSpec):
    type: Literal["clock.offset"]
    offset: Offset = Field(description="how far the services' clock is off: '+2h', '-90s'")

    @field_validator("offset")
    @classmethod
    def _off(cls, offset: float) -> float:
        if offset == 0:
            raise ValueError("an offset of 0 is the true time; give one like '+2h' or '-90s'")
        return offset


class ClockOffset(_ClockFault[ClockOffsetSpec]):
    """The services' clock is ``offset`` ahead (``+``) or behind (``-``) the true time."""

    kind: ClassVar[str] = "clock.offset"
    example: ClassVar[dict[str, Any]] = {
        "type": "clock.offset",
        "target": "n1",
        "offset": "+2h",
        "services": ["shop-app"],
    }

    def faketime(self) -> str:
        return _seconds(self.spec.offset)


class ClockDriftSpec(ClockSpec):
    type: Literal["clock.drift"]
    rate: float = Field(
        ge=0.01,
        le=1000,
        description="how fast the services' clock runs: 1.5 gains 30 s a minute, 0.5 loses 30",
    )
    offset: Offset = Field(
        default=0.0, description="where it starts from the true time: '+1h', '-90s'"
    )

    @field_validator("rate")
    @classmethod
    def _drifts(cls, rate: float) -> float:
        if rate == 1:
            raise ValueError("a rate of 1 is the true clock; give one like 1.5 or 0.9")
        return rate


class ClockDrift(_ClockFault[ClockDriftSpec]):
    """From its restart, the services' clock runs ``rate`` times as fast as the true one
    (their sleeps and timeouts too), starting ``offset`` off."""

    kind: ClassVar[str] = "clock.drift"
    example: ClassVar[dict[str, Any]] = {
        "type": "clock.drift",
        "target": "n1",
        "rate": 1.5,
        "services": ["shop-app"],
    }

    def faketime(self) -> str:
        return f"{_seconds(self.spec.offset)} x{self.spec.rate!r}"
