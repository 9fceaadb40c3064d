"""The network is slow: a bandwidth cap (tc tbf), or added latency.

Latency uses tc netem when the node's kernel has it. Where it does not (as on the
machines this is built on), the fault delays one TCP service instead: its port is
redirected to a small delaying proxy started in the node (``node_scripts/delay_proxy.py``).
The journal notes which way was taken.

Each fault's root qdisc carries a handle of its own, so revert removes only its own. One
node takes one shaping fault at a time: a second finds the first's qdisc and is refused
before it changes anything (``validate`` refuses scenarios where two surely overlap).
Each inject, check and revert is one exec per node, the nodes in parallel.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.envs.base import CommandResult
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.firewall import UNLOAD, Chains
from rehearsal.scenarios.faults.node import attempt, on_each, sh, tag
from rehearsal.scenarios.faults.processes import NOT_OURS

PROXY_PORTS = (30000, 50000)
SHAPING = ("network.bandwidth", "network.latency")
_EACH = 'for i in /sys/class/net/*; do d=${i##*/}; [ "$d" = lo ] && continue\n'
# $1 is the fault's qdisc handle; refuses (exit 5) a root qdisc some other fault put there.
_GUARD = """  root=$(tc qdisc show dev "$d" root)
  case "$root" in
    "qdisc $kind $1: "*) ;;
    "qdisc tbf "* | "qdisc netem "* | "qdisc htb "*)
      echo "$d is already shaped by another fault ($root)"; exit 5 ;;
  esac
"""
# $1 handle, $2 rate, $3 burst.
_CAP = (
    "kind=tbf\n"
    + _EACH
    + _GUARD
    + """  tc qdisc replace dev "$d" root handle "$1:" tbf rate "$2" burst "$3" latency 500ms \\
    || exit 1
  tc qdisc show dev "$d" root | grep -q "^qdisc tbf $1: " || exit 1
done
"""
)
# $1 handle, $2 kind (tbf, netem): prints "shaped" per interface that has it, else "plain".
_SHOW = (
    _EACH
    + """  case "$(tc qdisc show dev "$d" root)" in
    "qdisc $2 $1: "*) echo shaped ;;
    *) echo plain ;;
  esac
done
"""
)
# $1 handle, $2 kind: removes the root qdisc where it is this fault's.
_UNSHAPE = (
    _EACH
    + """  case "$(tc qdisc show dev "$d" root)" in
    "qdisc $2 $1: "*) tc qdisc del dev "$d" root || exit 1 ;;
  esac
done
"""
)


def handle(fault_tag: str) -> str:
    """A qdisc handle (hex major) of one fault's own, clear of the kernel's 8000: range."""
    return f"{0x1000 + int(fault_tag, 16) % 0x6000:x}"


def _shaped(result: CommandResult, wanted: str) -> bool:
    words = result.output.split()
    return result.ok and bool(words) and set(words) == {wanted}


def _refused(node: str, result: CommandResult, kind: str) -> None:
    if result.exit_code == 5:
        raise FaultFailure(
            f"{node}: {result.output.strip()}; one node takes one shaping fault at a time, so "
            f"this {kind} was not injected: revert the other first (another phase, or a "
            "'duration:' on it)"
        )
    if not result.ok:
        raise FaultFailure(f"{node}: {kind} failed ({result.exit_code}): {result.output[-500:]}")


class NetworkBandwidthSpec(FaultSpec):
    type: Literal["network.bandwidth"]
    rate: str = Field(pattern=r"^\d+(bit|kbit|mbit|gbit)$", description="e.g. 512kbit, 10mbit")


def _bits(rate: str) -> int:
    for unit, factor in (("gbit", 10**9), ("mbit", 10**6), ("kbit", 10**3), ("bit", 1)):
        if rate.endswith(unit):
            return int(rate.removesuffix(unit)) * factor
    raise ValueError(rate)


class NetworkBandwidth(Fault[NetworkBandwidthSpec]):
    """Caps what the targets send on every interface to ``rate`` (a token bucket)."""

    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})  # tc, iptables
    requires: ClassVar[frozenset[str]] = frozenset({"net-admin", "tc"})

    kind: ClassVar[str] = "network.bandwidth"
    example: ClassVar[dict[str, Any]] = {
        "type": "network.bandwidth",
        "target": "n1",
        "rate": "1mbit",
    }

    @property
    def _handle(self) -> str:
        return handle(tag(self.kind, self.spec.model_dump_json()))

    def inject(self) -> None:
        burst = str(max(1600, _bits(self.spec.rate) // 8 // 50))
        argv = sh(_CAP, self._handle, self.spec.rate, burst)
        results = on_each(self.targets, lambda node: attempt(self.env, node, argv))
        for node, result in zip(self.targets, results, strict=True):
            _refused(node, result, self.kind)
        self.confirmed = set(self.targets)

    def _all(self, nodes: list[str], wanted: str) -> bool:
        argv = sh(_SHOW, self._handle, "tbf")
        results = on_each(nodes, lambda node: attempt(self.env, node, argv))
        return all(_shaped(result, wanted) for result in results)

    def is_injected(self) -> bool:
        return self._all(self.unchecked(), "shaped")

    def revert_argv(self, node: str) -> list[str] | None:
        return sh(_UNSHAPE, self._handle, "tbf")

    def revert(self) -> None:
        argv = sh(_UNSHAPE, self._handle, "tbf")
        on_each(self.targets, lambda node: attempt(self.env, node, argv))

    def is_reverted(self) -> bool:
        return self._all(list(self.targets), "plain")


class NetworkLatencySpec(FaultSpec):
    type: Literal["network.latency"]
    delay: int = Field(ge=1, le=60_000, description="milliseconds added")
    jitter: int = Field(default=0, ge=0, le=60_000, description="± milliseconds")
    port: int | None = Field(
        default=None, ge=1, le=65535, description="the TCP service to delay when netem is absent"
    )


_PROXIES = f'found=; for p in $(pgrep -f -- "$marker"); do {NOT_OURS} found="$found $p"; done\n'
# $1 handle $2 delay $3 jitter $4 port ("" for none) $5 listen port $6 marker $7 proxy source
# $8 nat rules (iptables-restore input) $9 nat chain. Prints "netem" or "proxy"; exit 4:
# no netem and no port; exit 5: another shaping fault is there.
_DELAY = (
    UNLOAD
    + "marker=$6 table=nat kind=netem\nnetem=yes\n"
    + _EACH
    + _GUARD
    + """  if [ "$3" = 0 ]; then jitter=; else jitter="$3ms"; fi
  tc qdisc replace dev "$d" root handle "$1:" netem delay "$2ms" $jitter 2>/dev/null \
    || { netem=; break; }
done
if [ -n "$netem" ]; then echo netem; exit 0; fi
[ -n "$4" ] || exit 4
"""
    + _PROXIES
    + """[ -n "$found" ] || setsid -f sh -c 'exec "$@" >/dev/null 2>&1 </dev/null' sh \\
  python3 -c "$7" "$5" "$4" "$2" "$3" "$marker"
end=$(( $(date +%s) + 15 ))
until ss -Htln "sport = :$5" | grep -q .; do
  [ "$(date +%s)" -lt $end ] || { echo "the delaying proxy did not listen within 15 s"; exit 1; }
  sleep 0.025
done
unload "$9" PREROUTING
printf "%s\\n" "$8" | iptables-restore -w --noflush || exit 1
iptables -w -t nat -C PREROUTING -j "$9" || exit 1
echo proxy
"""
)
# $1 handle $2 marker $3 nat chain $4 listen port: prints netem, proxy or nothing per part.
_DELAY_STATE = (
    "marker=$2\n"
    + _PROXIES
    + """[ -n "$found" ] && echo proxy
ss -Htln "sport = :$4" | grep -q . && echo listening
iptables -w -t nat -S "$3" >/dev/null 2>&1 && echo chain
iptables -w -t nat -C PREROUTING -j "$3" 2>/dev/null && echo hooked
"""
    + _EACH
    + """  case "$(tc qdisc show dev "$d" root)" in
    "qdisc netem $1: "*) echo netem ;;
    *) echo plain ;;
  esac
done
"""
)
# $1 handle $2 marker $3 nat chain
_UNDELAY = (
    UNLOAD
    + "marker=$2 table=nat\n"
    + _PROXIES
    + """unload "$3" PREROUTING
[ -z "$found" ] || kill -9 $found
"""
    + _EACH
    + """  case "$(tc qdisc show dev "$d" root)" in
    "qdisc netem $1: "*) tc qdisc del dev "$d" root ;;
  esac
done
true
"""
)


class NetworkLatency(Fault[NetworkLatencySpec]):
    """Adds ``delay`` ± ``jitter`` ms to what the targets send (netem), or, without netem,
    to the replies of the TCP service on ``port`` (a delaying proxy in the node)."""

    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})  # tc, iptables

    kind: ClassVar[str] = "network.latency"
    example: ClassVar[dict[str, Any]] = {
        "type": "network.latency",
        "target": "n1",
        "delay": 200,
        "jitter": 20,
        "port": 22,
    }
    _via: dict[str, str] = {}

    @classmethod
    def requirements(cls, spec: FaultSpec) -> frozenset[str]:
        if isinstance(spec, NetworkLatencySpec) and spec.port is None:
            return frozenset({"net-admin", "tc", "netem"})
        return frozenset({"net-admin", "tc", "iptables", "procps", "setsid", "python3"})

    @property
    def _tag(self) -> str:
        return tag(self.kind, self.spec.model_dump_json())

    @property
    def _marker(self) -> str:
        return f"rehearsal-delay-{self._tag}"

    @property
    def _listen_port(self) -> int:
        low, high = PROXY_PORTS
        return low + int(self._tag, 16) % (high - low)

    @property
    def _nat(self) -> Chains:
        return Chains(self._tag, "nat")

    def inject(self) -> None:
        spec = self.spec
        script = resources.files("rehearsal.scenarios.faults") / "node_scripts" / "delay_proxy.py"
        port = str(spec.port or "")
        redirect = f"-p tcp --dport {port} -j REDIRECT --to-ports {self._listen_port}"
        argv = sh(
            _DELAY,
            handle(self._tag),
            str(spec.delay),
            str(spec.jitter),
            port,
            str(self._listen_port),
            self._marker,
            script.read_text(),
            self._nat.restore_input({"PREROUTING": [redirect]}),
            self._nat.name("PREROUTING"),
        )
        results = on_each(self.targets, lambda node: attempt(self.env, node, argv))
        self._via = {}
        for node, result in zip(self.targets, results, strict=True):
            if result.exit_code == 4:
                raise FaultFailure(
                    f"{node}: this kernel has no tc netem; give 'port:' to delay one TCP "
                    "service through a delaying proxy instead"
                )
            _refused(node, result, self.kind)
            self._via[node] = result.output.split()[-1]
            self.notes.append(
                f"{node}: tc netem delay on every interface"
                if self._via[node] == "netem"
                else f"{node}: no tc netem in this kernel; replies of TCP port {port} are "
                f"delayed by a proxy in the node (port {self._listen_port})"
            )
        self.confirmed = set(self.targets)

    def _state(self, node: str) -> list[str]:
        argv = sh(
            _DELAY_STATE,
            handle(self._tag),
            self._marker,
            self._nat.name("PREROUTING"),
            str(self._listen_port),
        )
        return attempt(self.env, node, argv).output.split()

    def is_injected(self) -> bool:
        def took(node: str) -> bool:
            state = self._state(node)
            if self._via.get(node) == "netem":
                return "plain" not in state and "netem" in state
            return {"proxy", "listening", "hooked"} <= set(state)

        return all(on_each(self.unchecked(), took))

    def revert_argv(self, node: str) -> list[str] | None:
        return sh(_UNDELAY, handle(self._tag), self._marker, self._nat.name("PREROUTING"))

    def revert(self) -> None:
        argv = sh(_UNDELAY, handle(self._tag), self._marker, self._nat.name("PREROUTING"))
        on_each(self.targets, lambda node: attempt(self.env, node, argv))

    def is_reverted(self) -> bool:
        def clean(node: str) -> bool:
            return not {"proxy", "chain", "hooked", "netem"} & set(self._state(node))

        return all(on_each(self.targets, clean))
