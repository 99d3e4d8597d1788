"""One way to write a file: whole or not at all, durable, with the user's permissions; and
one way to lock one (:func:`lock`).

Readers see the old file or the new one, never half of it; the data is fsynced before the
rename so a crash cannot leave an empty file behind; the new file gets the mode the umask
gives (``mkstemp`` alone would leave 0600).

:func:`lock` takes an advisory ``flock`` on a lock file, shared (readers of a build) or
exclusive (the import that updates the manifest and builds, the cleaner that removes a
build nobody reads). The kernel drops it when its process dies, however it dies, so a
killed process never leaves a stale lock.

:func:`kept` reads what a build's folder keeps (the search index, the importer's index,
the analyses' catalogue), or makes and writes it there on first use.

:func:`file_digest` hashes a file once per process while it stays the same file (a 10x
import layer is 350 MB: 0.6 s a hash, and a build key, the append check and the import
each wanted it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: bytes | str | Iterable[bytes]) -> Path:
    """Write ``data`` (text is UTF-8; an iterable of byte strings is written piece by
    piece, never held whole) to ``path`` atomically and durably; returns the path."""
    path = Path(path)
    tmp = _write_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def kept(
    path: Path, read: Callable[[bytes], T | None], make: Callable[[], T],
    dump: Callable[[T], bytes],
) -> T:  # fmt: skip
    """What is derived once from data that never changes (a build's folder): ``read`` of
    ``path``'s bytes, else ``make()``, written there atomically (``dump``) for the next
    reader. A file missing or refused by ``read`` (another layout, damaged) is made anew;
    a folder that cannot be written keeps nothing, and the value is still returned."""
    with contextlib.suppress(OSError):
        found = read(path.read_bytes())
        if found is not None:
            return found
    made = make()
    with contextlib.suppress(OSError):
        atomic_write(path, dump(made))
    return made


def _write_beside(path: Path, data: bytes | str | Iterable[bytes]) -> Path:
    """``data`` in a new temporary file beside ``path``, fsynced, with the umask's mode."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            if isinstance(payload, bytes | bytearray | memoryview):
                f.write(payload)
            else:
                for piece in payload:
                    f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


class StagedWrite:
    """:func:`atomic_write` in two steps: ``data`` is written beside ``path`` in a thread
    (the write and the fsync let go of the GIL) while the caller goes on; :meth:`commit`
    moves it into place, :meth:`discard` removes it. An import writes its 350 MB layer
    this way while SHACL checks it, and lists it only if the checks pass."""

    def __init__(self, path: str | Path, data: bytes):
        self.path = Path(path)
        self.tmp: Path | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, args=(data,), daemon=True)
        self.thread.start()

    def _write(self, data: bytes) -> None:
        try:
            self.tmp = _write_beside(self.path, data)
        except BaseException as e:  # raised by commit
            self.error = e

    def commit(self) -> Path:
        """Wait for the write and move the file into place; raise what the write raised."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.tmp is not None
        os.replace(self.tmp, self.path)
        self.tmp = None
        return self.path

    def discard(self) -> None:
        """Wait for the write and remove the file, unless it was committed."""
        self.thread.join()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


class Lock:
    """A held ``flock`` on a lock file: released by :meth:`release`, at the end of a
    ``with`` block, when garbage-collected, or when the process dies."""

    def __init__(self, path: Path, fd: int, shared: bool):
        self.path = path
        self.fd: int | None = fd
        self.shared = shared

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the last descriptor drops the flock

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "released" if self.fd is None else ("shared" if self.shared else "exclusive")
        return f"<Lock {self.path} {state}>"


def lock(
    path: str | Path,
    *,
    shared: bool = False,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
    patience: float = 1.0,
) -> Lock | None:
    """Lock the file ``path`` (created if missing), shared or exclusive.

    If another process holds a conflicting lock: with ``wait=False`` return None at once;
    else wait, and call ``waiting()`` once if the lock is still busy after ``patience``
    seconds (to say why nothing happens). Raises OSError if the file cannot be opened.
    Locks are per open file: a second ``lock`` of the same file in one process waits for
    the first, as another process would."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    op = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        deadline = time.monotonic() + patience
        told = False
        while True:
            try:
                fcntl.flock(fd, op | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    os.close(fd)
                    return None
            if not told and time.monotonic() >= deadline:
                told = True
                if waiting is not None:
                    waiting()
                fcntl.flock(fd, op)  # block now: the kernel wakes us when it is free
                break
            time.sleep(0.02)
    except BaseException:
        os.close(fd)
        raise
    return Lock(path, fd, shared)


# -- file digests ----------------------------------------------------------------------------

#: path -> (stat signature, SHA-256 hex) of the large files hashed or written in this process
_DIGESTS: dict[str, tuple[tuple[int, int, int, int], str]] = {}
#: smaller files are hashed every time (a table of the curated data: microseconds)
DIGEST_MEMO_ABOVE = 1 << 20
#: a file modified this recently may be modified again within the clock's resolution
#: without its signature changing ("racy git"): not remembered until it has settled
SETTLED_S = 2.0


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _remember(path: Path, st: os.stat_result, digest: str, settled: bool) -> None:
    if st.st_size >= DIGEST_MEMO_ABOVE and (settled or time.time() - st.st_mtime > SETTLED_S):
        _DIGESTS[str(path)] = (_signature(st), digest)


def remember_digest(path: str | Path, digest: str) -> None:
    """Record that ``path``, just written by this process from bytes whose SHA-256 is
    ``digest``, has that digest (the writer knows it: no need to read it back)."""
    path = Path(path)
    _remember(path, os.stat(path), digest, settled=True)


def read_with_digest(path: str | Path) -> tuple[bytes, str]:
    """``path``'s bytes and their SHA-256 (hex), hashed only if this process has not
    hashed or written this very file (same device, inode, size and modification time)
    before. Raises OSError if it cannot be read."""
    path = Path(path)
    with open(path, "rb") as f:
        before = os.fstat(f.fileno())
        data = f.read()
        after = os.fstat(f.fileno())
    known = _DIGESTS.get(str(path))
    if known is not None and known[0] == _signature(before) == _signature(after):
        return data, known[1]
    digest = hashlib.sha256(data).hexdigest()
    if _signature(before) == _signature(after):
        _remember(path, after, digest, settled=False)
    return data, digest


def file_digest(path: str | Path) -> str | None:
    """The SHA-256 (hex) of ``path``'s bytes, None if it cannot be read; remembered as
    :func:`read_with_digest` does."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return None
    known = _DIGESTS.get(str(path))
    if known is not None and known[0] == _signature(st):
        return known[1]
    try:
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            after = os.fstat(f.fileno())
    except OSError:
        return None
    if _signature(before) == _signature(after):
        _remember(path, after, digest, settled=False)
    return digest
