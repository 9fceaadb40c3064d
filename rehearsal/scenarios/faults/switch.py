"""The dead man's switch: a node reverts a fault by itself when the orchestrator is gone.

Before a fault is injected, a small watchdog starts detached inside each target node with
the fault's own revert (a constant script with values as positional parameters). While
the run lives, a heartbeat touches ``/var/lib/rehearsal/heartbeat-RUN`` in every node that
has a watchdog, one exec per node every ``HEARTBEAT_S``. When the heartbeat is older than
the fault's bound (SIGKILL, lost SSH, a rebooted orchestrator), or the fault outlived its
``duration`` by the bound, the watchdog runs the revert and leaves a ``.fired`` marker
that ``rehearsal recover`` journals. An orchestrator revert cancels the watchdog first.

It needs nothing but ``exec`` and a POSIX shell in the node, so it works on any backend
(Docker nodes, lab hosts over SSH).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from contextlib import suppress

from rehearsal.envs.base import Environment
from rehearsal.scenarios.faults.node import STATE_DIR, attempt, on_each, sh

HEARTBEAT_S = 2.0
MIN_BOUND_S = 3 * HEARTBEAT_S
"""A shorter bound could fire while the run lives: beats are late on a busy machine, and
the node compares whole seconds."""
DEFAULT_BOUND_S = 30.0
_NAME = "rehearsal-switch"
# $1 heartbeat file, $2 bound (s), $3 hard limit from now (s, 0: none), $4 state path
# prefix; then the revert argv. Polls twice a second; a ".cancel" file ends it quietly.
_WATCHDOG = """
hb=$1 bound=$2 limit=$3 state=$4; shift 4
deadline=0; [ "$limit" -gt 0 ] && deadline=$(( $(date +%s) + limit ))
while :; do
  if [ -e "$state.cancel" ]; then rm -f "$state.cancel"; exit 0; fi
  now=$(date +%s); last=$(stat -c %Y "$hb" 2>/dev/null || echo 0)
  if [ $((now - last)) -ge "$bound" ] || { [ "$deadline" -gt 0 ] && [ "$now" -ge "$deadline" ]; }
  then
    "$@" >"$state.log" 2>&1; rc=$?
    echo "$now $rc" >"$state.fired"; exit 0
  fi
  sleep 0.5
done
"""
# $1 state dir, $2 heartbeat file, $3 state prefix; then the watchdog argv.
_ARM = """
mkdir -p "$1" && rm -f "$3.cancel" "$3.fired" && touch "$2" || exit 1
shift 3
setsid -f "$@" >/dev/null 2>&1 </dev/null
"""
_DISARM = 'for s in "$@"; do [ -e "$s.fired" ] || : >"$s.cancel"; done'
_FIRED = f'for f in {STATE_DIR}/switch-*.fired; do [ -e "$f" ] && echo "$f" && cat "$f"; done; true'


def heartbeat_file(env: Environment) -> str:
    return f"{STATE_DIR}/heartbeat-{env.run_id}"


def state(fault_tag: str) -> str:
    return f"{STATE_DIR}/switch-{fault_tag}"


def arm(
    env: Environment,
    node: str,
    fault_tag: str,
    bound_s: float,
    limit_s: float | None,
    revert: list[str],
) -> bool:
    """Start the watchdog of one fault in ``node``; False when it could not start."""
    watchdog = sh(_WATCHDOG, heartbeat_file(env), str(int(bound_s)), str(int(limit_s or 0)))
    watchdog = [*watchdog[:3], _NAME, *watchdog[4:], state(fault_tag), *revert]
    argv = sh(_ARM, STATE_DIR, heartbeat_file(env), state(fault_tag), *watchdog)
    return attempt(env, node, argv).ok


def disarm(env: Environment, node: str, fault_tags: list[str]) -> None:
    """Tell the watchdogs to stop (they notice within 0.5 s); a fired one keeps its mark."""
    attempt(env, node, sh(_DISARM, *[state(t) for t in fault_tags]))


def fired(env: Environment, node: str) -> dict[str, int]:
    """Faults (by tag) whose switch fired in ``node``, with their revert's exit code."""
    lines = attempt(env, node, ["sh", "-c", _FIRED]).output.splitlines()
    found: dict[str, int] = {}
    for path, text in zip(lines[::2], lines[1::2], strict=False):
        tag = path.rsplit("/switch-", 1)[-1].removesuffix(".fired")
        found[tag] = int(text.split()[-1]) if text.split() else 1
    return found


class Heartbeat:
    """Touches every held node's heartbeat file every ``HEARTBEAT_S``, one exec a node."""

    def __init__(self, interval_s: float = HEARTBEAT_S) -> None:
        self.interval_s = interval_s
        self._held: dict[tuple[Hashable, str], tuple[Environment, int]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, env: Environment, node: str) -> None:
        with self._lock:
            key = (id(env), node)
            count = self._held.get(key, (env, 0))[1]
            self._held[key] = (env, count + 1)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
                self._thread.start()

    def release(self, env: Environment, node: str) -> None:
        with self._lock:
            key = (id(env), node)
            env_, count = self._held.get(key, (env, 1))
            if count <= 1:
                self._held.pop(key, None)
            else:
                self._held[key] = (env_, count - 1)

    def forget(self, env: Environment) -> None:
        """Stop beating for every node of ``env``: its run is over, whatever its faults say."""
        with self._lock:
            for key in [key for key in self._held if key[0] == id(env)]:
                del self._held[key]

    def _beat(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            with self._lock:
                held = [(env, node) for (_, node), (env, _) in self._held.items()]
                if not held:
                    self._thread = None
                    return
            on_each(held, _touch)


def _touch(pair: tuple[Environment, str]) -> None:
    """One beat; a node that is gone or an engine that hiccups must not stop the beats of
    every other node (their switches would fire in a live run)."""
    env, node = pair
    with suppress(Exception):
        attempt(env, node, ["touch", heartbeat_file(env)])


HEARTBEAT = Heartbeat()
