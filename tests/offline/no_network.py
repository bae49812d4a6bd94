"""Block every network connection except to this machine, so no test can reach the internet.

`block()` makes `getaddrinfo` of a non-local host and `connect` to a non-loopback address
raise `OSError` at once: a download attempt (torchvision's, W&B's) fails fast, the same way
it fails on an offline machine, and the user-facing message for that case is what the test
sees. Loopback and Unix sockets stay open (DDP rendezvous, W&B's local service).
"""

from __future__ import annotations

import ipaddress
import socket

LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", b"localhost"}
_real = {"getaddrinfo": socket.getaddrinfo, "connect": socket.socket.connect}
_real["connect_ex"] = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """Raised instead of reaching a non-local host during the tests."""


def is_local(host: object) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        text = host.decode() if isinstance(host, bytes) else str(host)
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address: object) -> None:
    # AF_UNIX addresses are paths (str/bytes); AF_INET/AF_INET6 are tuples (host, port, ...)
    if isinstance(address, tuple) and not is_local(address[0]):
        raise NetworkBlocked(f"tests may not reach the network (connect to {address[0]})")


def getaddrinfo(host, *args, **kwargs):
    if not is_local(host):
        raise NetworkBlocked(f"tests may not reach the network (lookup of {host})")
    return _real["getaddrinfo"](host, *args, **kwargs)


def connect(self, address):
    _check(address)
    return _real["connect"](self, address)


def connect_ex(self, address):
    _check(address)
    return _real["connect_ex"](self, address)


def replacements() -> list[tuple[object, str, object]]:
    """(owner, attribute, guarded function) for every entry point to the network."""
    return [
        (socket, "getaddrinfo", getaddrinfo),
        (socket.socket, "connect", connect),
        (socket.socket, "connect_ex", connect_ex),
    ]


def block() -> None:
    """Install the guard for the rest of this process (subprocesses: see sitecustomize.py)."""
    for owner, name, guarded in replacements():
        setattr(owner, name, guarded)
