"""What the resolver reads of a build, kept in the build's folder (issue 16: at 100x reading
it took 106 s of the 116 s a 100-row list took to import): the rows of the
``imports-index-*`` queries, read from the folder once kept, asked again when the file is
not such rows or was written with other query texts, and the Index made from them the one
made from the store. :func:`carry_rows` refuses what it cannot carry exactly; that what it
carries is exact is checked after every import of ``test_append.py``."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pyoxigraph as ox
import pytest

from alliancegraph.build import Build
from alliancegraph.members import resolver
from alliancegraph.members.resolver import Index, IndexRows, carry_rows, rows_of
from alliancegraph.namespaces import AGR

CMRI = AGR + "chongqing-materials-research-institute"


@pytest.fixture
def store(bundled_build) -> ox.Store:
    return ox.Store.read_only(str(bundled_build.store_path))


def _build(path, key: str = "k", **info) -> Build:
    path.mkdir(parents=True, exist_ok=True)
    return Build(key, path, info)


def test_rows_are_kept_in_the_builds_folder_and_read_from_there(store, tmp_path):
    b = _build(tmp_path / "b")
    asked = IndexRows.query(store)
    assert len(asked.names) > 100 and asked.ambiguous  # the bundled graph has no codes
    assert rows_of(b, store) == asked
    kept = tmp_path / "b" / "import-index.json"
    assert IndexRows.from_json(kept.read_bytes()) == asked
    # read from the folder, not asked: a row taken out of the file stays out
    fewer = dataclasses.replace(asked, names={r for r in asked.names if r[0] != CMRI})
    kept.write_bytes(fewer.to_json())
    assert rows_of(b, store) == fewer != asked


@pytest.mark.parametrize("damage", ["not json", "other queries", "missing key", "wrong shape"])
def test_rows_kept_otherwise_are_asked_again_and_kept_anew(store, tmp_path, damage):
    b = _build(tmp_path / "b")
    kept = tmp_path / "b" / "import-index.json"
    doc = json.loads(IndexRows().to_json())
    if damage == "not json":
        kept.write_bytes(b"\xff{")
    else:
        if damage == "other queries":
            doc["queries"] = "0" * 64
        elif damage == "missing key":
            del doc["codes"]
        else:
            doc["names"] = [["only", "three", "items"]]
        kept.write_text(json.dumps(doc), encoding="utf-8")
    asked = IndexRows.query(store)
    assert rows_of(b, store) == asked
    assert IndexRows.from_json(kept.read_bytes()) == asked


@pytest.mark.parametrize("synthetic", [False, True])
def test_the_index_of_kept_rows_is_the_index_of_the_store(store, tmp_path, synthetic):
    b = _build(tmp_path / "b")
    rows_of(b, store)
    from_file = Index.from_store(store, synthetic, build=b)
    assert from_file == Index.from_store(store, synthetic)
    if not synthetic:
        assert CMRI in from_file.find("org", "重庆材料研究院有限公司")
        assert from_file.alliances and from_file.ambiguous and from_file.label[CMRI]


def _made(path, key: str, layer: bytes, **info) -> Build:
    """A build appended to ``base`` with the import layer ``layer`` (written beside it)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "layer.nq").write_bytes(layer)
    sha = hashlib.sha256(layer).hexdigest()
    return _build(path, key, layer={"path": str(path / "layer.nq"), "sha256": sha}, **info)


def test_carrying_refuses_what_it_cannot_carry_exactly(store, tmp_path, monkeypatch):
    base = _build(tmp_path / "base", "base")
    layer = f'<{CMRI}> <{AGR}p> "x" .\n'.encode()
    made = _made(tmp_path / "made", "made", layer, appended_to="base")
    assert not carry_rows(base, made)  # the base keeps no rows
    rows_of(base, store)
    other = _made(tmp_path / "other", "other", layer, appended_to="another")
    assert not carry_rows(base, other)  # not appended to this base
    blank = _made(tmp_path / "blank", "blank", layer + b'_:b <http://x/p> "y" .\n',
                  appended_to="base")  # fmt: skip
    assert not carry_rows(base, blank)  # a blank subject
    deferred = _made(tmp_path / "deferred", "d", layer, appended_to="base", store="deferred")
    assert not carry_rows(base, deferred)  # its store is left to its first use
    changed = _made(tmp_path / "changed", "changed", layer, appended_to="base")
    (tmp_path / "changed" / "layer.nq").write_bytes(layer + layer)
    assert not carry_rows(base, changed)  # the layer is not the one built
    monkeypatch.setattr(resolver, "CARRY_SUBJECTS", 0)
    assert not carry_rows(base, made)  # too many subjects to ask again
    assert not (tmp_path / "made" / "import-index.json").exists()
