"""The tests' network guard holds, in this process and in the subprocesses tests start."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

PUBLIC = ("1.1.1.1", 443)  # a public address that answers when online
PROBE = f"""
import socket, time
start = time.monotonic()
for attempt in (lambda: socket.create_connection({PUBLIC!r}, timeout=10),
                lambda: socket.getaddrinfo("pypi.org", 443)):
    try:
        attempt()
    except OSError as exc:
        print(type(exc).__name__, round(time.monotonic() - start, 3))
    else:
        print("connected")
"""


def test_a_public_address_is_refused_at_once_in_process():
    start = time.monotonic()
    with pytest.raises(OSError, match="tests may not reach the network"):
        socket.create_connection(PUBLIC, timeout=10)
    with pytest.raises(OSError, match="tests may not reach the network"):
        socket.getaddrinfo("pypi.org", 443)
    assert time.monotonic() - start < 1


def test_a_public_address_is_refused_at_once_in_a_subprocess():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    lines = result.stdout.split()
    assert result.returncode == 0, result.stderr
    assert lines[0::2] == ["NetworkBlocked", "NetworkBlocked"], result.stdout
    assert float(lines[-1]) < 1


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert socket.getaddrinfo("localhost", 80)
