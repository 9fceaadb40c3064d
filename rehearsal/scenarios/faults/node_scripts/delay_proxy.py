"""A TCP proxy that runs *inside a node* and holds every reply for a while.

Started by the ``network.latency`` fault when the kernel has no netem: the fault
redirects the service's port here (iptables REDIRECT), and this proxy forwards each
connection to the real port, delaying what flows back to the client, as netem delays a
node's outgoing packets. Order within a connection is kept; jitter never reorders.

Usage: python3 delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS JITTER_MS MARKER
"""

from __future__ import annotations

import random
import socket
import sys
import threading
import time
from collections import deque


def _pump(source: socket.socket, sink: socket.socket, delay_s: float, jitter_s: float) -> None:
    queue: deque[tuple[float, bytes]] = deque()
    ready = threading.Condition()
    done = False

    def sender() -> None:
        while True:
            with ready:
                while not queue and not done:
                    ready.wait()
                if not queue:
                    break
                due, chunk = queue.popleft()
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                sink.sendall(chunk)
            except OSError:
                break
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    last_due = 0.0
    while True:
        try:
            chunk = source.recv(65536)
        except OSError:
            chunk = b""
        with ready:
            if not chunk:
                done = True
                ready.notify()
                break
            due = time.monotonic() + delay_s + random.uniform(-jitter_s, jitter_s)
            last_due = max(last_due, due)
            queue.append((last_due, chunk))
            ready.notify()
    thread.join()


def _serve(client: socket.socket, port: int, delay_s: float, jitter_s: float) -> None:
    local_address = client.getsockname()[0]
    try:
        upstream = socket.create_connection((local_address, port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    forward = threading.Thread(target=_pump, args=(client, upstream, 0.0, 0.0), daemon=True)
    forward.start()
    _pump(upstream, client, delay_s, jitter_s)
    forward.join()
    client.close()
    upstream.close()


def main() -> None:
    listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    delay_s, jitter_s = int(sys.argv[3]) / 1000, int(sys.argv[4]) / 1000
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", listen_port))
    server.listen(128)
    while True:
        client, _ = server.accept()
        args = (client, target_port, delay_s, jitter_s)
        threading.Thread(target=_serve, args=args, daemon=True).start()


if __name__ == "__main__":
    main()
