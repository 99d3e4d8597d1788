"""What a process that answers queries for others is held to: a memory limit, and dying with
the process that started it.

Used in the web server's query workers (:mod:`alliancegraph.web.pool`) and in the child
that runs a query under a deadline (:mod:`alliancegraph.store.embedded`). Linux does both
(``setrlimit(RLIMIT_DATA)``, ``prctl(PR_SET_PDEATHSIG)``); elsewhere the memory limit is
set where the platform has it and the worker relies on its pipe closing instead.

``RLIMIT_DATA`` (the heap: ``brk`` and private writable mappings, where a query's rows and
strings live) rather than ``RLIMIT_AS``: RocksDB reserves about 400 MB of address space it
never touches when it opens a store, which an address-space limit would count.
"""

from __future__ import annotations

import contextlib
import os
import signal

#: How a process whose allocation failed ends: Rust (Oxigraph) aborts.
OUT_OF_MEMORY_SIGNALS = (signal.SIGABRT,)


def data_in_use() -> int:
    """Bytes of heap (``VmData``) this process holds now; 0 where unknown."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(megabytes: int) -> int:
    """Let this process allocate at most ``megabytes`` MB more than it holds now (its
    imports and open store are not the query's); past it an allocation fails: Oxigraph
    aborts the process, Python raises MemoryError. Returns the limit in bytes (0 if the
    platform has none)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 0
    limit = data_in_use() + (megabytes << 20)
    kind = getattr(resource, "RLIMIT_DATA", None)
    if kind is None:  # pragma: no cover
        return 0
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(kind, (limit, limit))
    return limit


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when the thread that started it ends (Linux
    ``PR_SET_PDEATHSIG``), and end now if ``parent`` (its pid) is already gone."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def confine(megabytes: int, parent: int | None = None) -> int:
    """Both of the above, for a process about to answer queries; the limit in bytes."""
    die_with_parent(parent)
    return limit_memory(megabytes)


def ran_out_of_memory(returncode: int | None) -> bool:
    """True if a process that ended with ``returncode`` (``-signal`` when killed, as
    :mod:`subprocess` reports it) was stopped by a failed allocation."""
    return returncode is not None and -returncode in OUT_OF_MEMORY_SIGNALS


__all__ = ["confine", "data_in_use", "die_with_parent", "limit_memory", "ran_out_of_memory"]
