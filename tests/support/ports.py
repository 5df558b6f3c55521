"""Ports for tests that start real servers: each suite has its own range on this shared machine."""

from __future__ import annotations

import socket
from collections.abc import Iterable


def free_port_in(ports: Iterable[int]) -> int:
    """The first port of ``ports`` nothing listens on (fails the test when all are taken)."""
    ports = list(ports)
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"No free port in {ports[0]}-{ports[-1]}: another test run holds them all.")
