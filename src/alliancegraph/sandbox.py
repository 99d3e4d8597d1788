"""Cutting a process off the network: a network namespace with no interface in it.

The web server's query workers (:mod:`alliancegraph.web.pool`) enter one right after they
start, before they open the store. Oxigraph executes ``SERVICE`` itself (an HTTP POST to
whatever IRI the query names) and has no option to turn that off; in a namespace with no
interface (loopback is not even up) every ``connect`` fails with "network is unreachable"
and every name lookup fails, so no query can reach another machine or the server itself,
whatever the query check upstream missed. Pipes and socket pairs already open (the
worker's line to the server) keep working: they are not part of any network.

Linux only: ``unshare(CLONE_NEWUSER | CLONE_NEWNET)``, which any user may call where user
namespaces are enabled, else ``unshare(CLONE_NEWNET)``, which needs root
(``CAP_SYS_ADMIN``). The calling process must have one thread (a namespace is entered by
the thread that asks; threads started before would stay outside), so it is the first thing
a worker does. :func:`unavailable` finds out, in a throwaway child process, whether this
machine allows it, so the server can say so when it starts.

Standard library only, and runnable as a script (``python sandbox.py``: the probe), so the
probe does not import the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache

__all__ = ["SandboxError", "isolate", "reachable", "unavailable"]

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


class SandboxError(OSError):
    """This process could not be cut off the network; the message says why."""


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def isolate() -> str:
    """Move this process into a new network namespace with no interface; return how
    (``"user and network namespace"`` or ``"network namespace"``). Raise SandboxError
    where the platform or its settings do not allow it, or if the process has more than
    one thread."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(f"network namespaces are a Linux feature (this is {sys.platform})")
    if _threads() > 1:
        raise SandboxError("the process already runs several threads; isolate it first")
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        how = "user and network namespace"
    else:
        first = ctypes.get_errno()
        if libc.unshare(CLONE_NEWNET) != 0:
            second = ctypes.get_errno()
            raise SandboxError(
                "cannot create a network namespace: "
                f"unshare(CLONE_NEWUSER|CLONE_NEWNET): {os.strerror(first)}; "
                f"unshare(CLONE_NEWNET): {os.strerror(second)}"
            )
        how = "network namespace"
    if reachable():
        raise SandboxError("a network namespace was created but an interface is up in it")
    return how


def reachable() -> bool:
    """Whether this process has a route anywhere: a UDP socket can be connected (which
    sends nothing) to loopback or to a documentation address, over IPv4 or IPv6."""
    import socket

    for family, address in (
        (socket.AF_INET, "127.0.0.1"),
        (socket.AF_INET, "192.0.2.1"),
        (socket.AF_INET6, "::1"),
        (socket.AF_INET6, "2001:db8::1"),
    ):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((address, 9))
            return True
        except OSError:
            continue
    return False


@cache
def unavailable() -> str | None:
    """None if a process started here can be cut off the network (:func:`isolate`), else
    why not. Asked once, of a throwaway child (this module run as a script)."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces are a Linux feature (this is {sys.platform})"
    try:
        done = subprocess.run(
            [sys.executable, "-S", "-I", os.path.abspath(__file__)],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as e:
        return f"cannot run the probe: {e}"
    if done.returncode == 0:
        return None
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown"


if __name__ == "__main__":  # the probe: isolate, then prove no socket reaches anything
    try:
        how = isolate()
    except SandboxError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    if reachable():
        print("a socket still finds a route after isolating", file=sys.stderr)
        sys.exit(1)
    print(how)
