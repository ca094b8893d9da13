"""Free TCP ports on the loopback interface, picked by the kernel (bind to port 0)."""

from __future__ import annotations

import socket
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_ports(count: int, *, also_udp: bool = False) -> list[int]:
    """Return `count` distinct loopback ports that were free a moment ago.

    Every probe socket stays bound until all ports are chosen, so the kernel cannot hand out one port twice.
    `also_udp` asks for ports free for UDP as well: Alertmanager's cluster gossip listens on both.
    """
    ports: list[int] = []
    with ExitStack() as probes:
        while len(ports) < count:
            tcp = probes.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            tcp.bind((LOOPBACK, 0))
            port = tcp.getsockname()[1]
            if also_udp:
                udp = probes.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                try:
                    udp.bind((LOOPBACK, port))
                except OSError:
                    continue
            ports.append(port)
    return ports


def free_port() -> int:
    """Return one loopback TCP port that was free a moment ago."""
    return free_ports(1)[0]
