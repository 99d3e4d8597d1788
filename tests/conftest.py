"""Shared fixtures: the bundled graph built once per session into a private cache, and
throw-away copies of the project for tests that break its inputs on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import alliancegraph as ag
from alliancegraph.build import Cache, Inputs, build

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config) -> None:
    """Keep a developer's real imports and cache out of every test (and out of harm's way)."""
    import os
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="alliancegraph-tests-"))
    os.environ["ALLIANCEGRAPH_DATA"] = str(scratch / "data-home")
    os.environ["ALLIANCEGRAPH_CACHE"] = str(scratch / "cache-home")


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    """A cache folder for the whole session, so the bundled graph is built once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def bundled_build(session_cache):
    """The build of the bundled data and ontology."""
    return build(Inputs.default(ROOT), Cache(session_cache))


@pytest.fixture(scope="session")
def graph(bundled_build, session_cache) -> ag.AllianceGraph:
    """The bundled graph, opened on the embedded store."""
    return ag.open(root=ROOT, cache_dir=session_cache)


@pytest.fixture(scope="session")
def record_parts() -> frozenset[str]:
    """The parts of a membership record: the predicates ``agsh:MembershipPartsShape``
    targets (``ontology/shapes.ttl``), which puts them on memberships alone."""
    import pyoxigraph as ox

    shapes = ox.Store()
    shapes.load(path=str(ROOT / "ontology" / "shapes.ttl"), format=ox.RdfFormat.TURTLE)
    shape = ox.NamedNode("https://w3id.org/alliancegraph/shapes#MembershipPartsShape")
    target = ox.NamedNode("http://www.w3.org/ns/shacl#targetSubjectsOf")
    return frozenset(q.object.value for q in shapes.quads_for_pattern(shape, target, None))


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A private copy of data/ and ontology/ that a test may break."""
    for part in ("data", "ontology"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


@pytest.fixture()
def cli_env(tmp_path, monkeypatch) -> dict[str, str]:
    """Environment for running the CLI against the bundled data with a private cache."""
    env = {"ALLIANCEGRAPH_CACHE": str(tmp_path / "cli-cache"), "ALLIANCEGRAPH_HOME": str(ROOT)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


# -- remote engines with their default settings (tests/engines.py) ----------------------------
# Module-scoped: no server outlives the module that asked for it (tests/test_store.py checks
# that the suite leaves no child process behind); each starts in well under a few seconds.


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory):
    """An `oxigraph serve` with default options (no --union-default-graph); its base URL.
    Stopped at the end of the module."""
    from engines import oxigraph_server

    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture(scope="module")
def oxigraph_published(oxigraph_url, bundled_build) -> str:
    """The bundled build published to the Oxigraph server; its query URL."""
    from alliancegraph.store import publish_dataset

    publish_dataset(bundled_build.nquads_path, f"{oxigraph_url}/query")
    return f"{oxigraph_url}/query"


@pytest.fixture(scope="module")
def virtuoso_url(tmp_path_factory):
    """Virtuoso 7 (Debian's virtuoso-opensource) with a throwaway database and its own ini
    on free loopback ports; its base URL. Stopped at the end of the module."""
    from engines import virtuoso_server

    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as base:
        yield base


@pytest.fixture(scope="module")
def virtuoso_published(virtuoso_url, bundled_build) -> str:
    """The bundled build published to Virtuoso over its Graph Store endpoint; its query URL."""
    from alliancegraph.store import publish_dataset

    publish_dataset(
        bundled_build.nquads_path, f"{virtuoso_url}/sparql",
        store_url=f"{virtuoso_url}/sparql-graph-crud",
    )  # fmt: skip
    return f"{virtuoso_url}/sparql"
