"""File digests remembered per process (:mod:`alliancegraph.fileio`): a large import layer
is hashed once, and a changed file is never taken for the one hashed before."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from alliancegraph import fileio


@pytest.fixture(autouse=True)
def small_memo(monkeypatch):
    monkeypatch.setattr(fileio, "DIGEST_MEMO_ABOVE", 4)
    monkeypatch.setattr(fileio, "_DIGESTS", {})


def _settle(path, seconds=10.0):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_a_settled_file_is_hashed_once(tmp_path, monkeypatch):
    path = tmp_path / "layer.nq"
    path.write_bytes(b"first bytes")
    _settle(path)
    want = hashlib.sha256(b"first bytes").hexdigest()
    assert fileio.file_digest(path) == want
    calls = []
    real = hashlib.sha256
    monkeypatch.setattr(fileio.hashlib, "sha256", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(fileio.hashlib, "file_digest", lambda *a: calls.append(1) or 1 / 0)
    assert fileio.file_digest(path) == want
    assert fileio.read_with_digest(path) == (b"first bytes", want)
    assert calls == []


def test_a_file_changed_since_is_hashed_again(tmp_path):
    path = tmp_path / "layer.nq"
    path.write_bytes(b"first bytes")
    _settle(path, 20)
    assert fileio.file_digest(path) == hashlib.sha256(b"first bytes").hexdigest()
    path.write_bytes(b"other bytes")  # same size, in place: the modification time differs
    _settle(path, 10)
    assert fileio.file_digest(path) == hashlib.sha256(b"other bytes").hexdigest()
    assert fileio.read_with_digest(path)[1] == hashlib.sha256(b"other bytes").hexdigest()


def test_a_file_modified_just_now_is_not_remembered(tmp_path):
    """Two writes within the clock's resolution can leave the same signature: a fresh file's
    digest is not kept unless its writer says what it wrote."""
    path = tmp_path / "layer.nq"
    path.write_bytes(b"first bytes")
    fileio.file_digest(path)
    assert str(path) not in fileio._DIGESTS
    fileio.remember_digest(path, hashlib.sha256(b"first bytes").hexdigest())
    assert str(path) in fileio._DIGESTS
    assert fileio.read_with_digest(path)[1] == hashlib.sha256(b"first bytes").hexdigest()


def test_a_missing_file_has_no_digest(tmp_path):
    assert fileio.file_digest(tmp_path / "missing.nq") is None
    with pytest.raises(OSError):
        fileio.read_with_digest(tmp_path / "missing.nq")


def test_a_staged_write_is_in_place_only_once_committed(tmp_path):
    """The write runs in a thread; until ``commit`` nothing is at the path, after it the
    whole file with the umask's mode; ``discard`` leaves no temporary file."""
    from alliancegraph.fileio import StagedWrite

    target = tmp_path / "layer.nq"
    staged = StagedWrite(target, b"<urn:a> <urn:b> <urn:c> .\n" * 1000)
    staged.thread.join()
    assert not target.exists() and len(list(tmp_path.iterdir())) == 1  # the temporary file
    assert staged.commit() == target
    assert target.read_bytes() == b"<urn:a> <urn:b> <urn:c> .\n" * 1000
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    staged.discard()  # after a commit: nothing to remove
    assert target.exists()
    dropped = StagedWrite(tmp_path / "other.nq", b"x\n")
    dropped.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer.nq"]


def test_a_staged_write_that_failed_raises_on_commit(tmp_path):
    from alliancegraph.fileio import StagedWrite

    (tmp_path / "file").write_text("not a folder")
    staged = StagedWrite(tmp_path / "file" / "layer.nq", b"x\n")
    with pytest.raises(OSError):
        staged.commit()
    staged.discard()
