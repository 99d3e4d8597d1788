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
