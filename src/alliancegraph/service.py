"""The SPARQL 1.1 Service Description of our endpoint, as RDF: what ``GET /sparql`` answers.

The description (sd: vocabulary: the endpoint, the query language, the union default
graph, the result formats of :mod:`alliancegraph.formats`, the dataset it serves, whose
VoID class counts the build keeps in ``agr:graph-generated``) followed by the named query
library as SHACL-SPARQL executables, each with ``schema:target`` the endpoint (as SIB's
sparql-examples publish them), serialised in an RDF format of the registry.

This module makes triples; the web layer only negotiates the format and sends the bytes.
Must never run a query or touch the store.
"""

from __future__ import annotations

import pyoxigraph as ox

from . import formats, partitions
from .namespaces import DCTERMS, GRAPH_EXAMPLES, PREFIXES, RDF, RDFS, SCHEMA, SH
from .queryfiles import example_quads

#: The SPARQL 1.1 Service Description vocabulary.
SD = "http://www.w3.org/ns/sparql-service-description#"

__all__ = ["SD", "description", "document", "examples", "serialize"]

VOID = partitions.VOID


def examples(endpoint: str) -> list[ox.Triple]:
    """The named query library as SHACL-SPARQL executables (``queryfiles.example_quads``),
    each with ``schema:target`` ``endpoint``."""
    triples = [q.triple for q in example_quads(GRAPH_EXAMPLES)]
    executable = ox.NamedNode(SH + "SPARQLExecutable")
    targets = [
        ox.Triple(t.subject, ox.NamedNode(SCHEMA + "target"), ox.NamedNode(endpoint))
        for t in triples
        if t.predicate.value == RDF + "type" and t.object == executable
    ]
    return sorted(triples + targets, key=lambda t: str(t.subject))


def description(
    endpoint: str, *, federated: bool = False, with_examples: bool = True
) -> list[ox.Triple]:
    """The Service Description of ``endpoint`` (``federated``: it allows SERVICE), followed
    by the library's :func:`examples` unless ``with_examples`` is false."""
    n, lit = ox.NamedNode, ox.Literal
    me = n(endpoint)
    a = n(RDF + "type")
    out: list[ox.Triple] = [
        ox.Triple(me, a, n(SD + "Service")),
        ox.Triple(me, n(SD + "endpoint"), me),
        ox.Triple(me, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(me, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        ox.Triple(me, n(DCTERMS + "title"), lit("alliancegraph SPARQL endpoint", language="en")),
        ox.Triple(
            me,
            n(DCTERMS + "title"),
            lit("重庆产业技术创新战略联盟知识图谱 SPARQL 端点", language="zh"),
        ),
        ox.Triple(
            me,
            n(RDFS + "comment"),
            lit(
                "Read-only. The default graph is the union of all named graphs; the prefixes "
                + ", ".join(f"{p}:" for p in PREFIXES)
                + " are predeclared.",
                language="en",
            ),
        ),
    ]
    # the dataset served, described by the build (partitions.py) in agr:graph-generated
    dataset = n(partitions.DATASET)
    out += [
        ox.Triple(me, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, n(SD + "Dataset")),
        ox.Triple(dataset, a, n(VOID + "Dataset")),
        ox.Triple(dataset, n(VOID + "sparqlEndpoint"), me),
    ]
    if federated:
        out.append(ox.Triple(me, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    out += [
        ox.Triple(me, n(SD + "resultFormat"), n(f.w3c))
        for kind in ("results", "rdf")
        for f in formats.served(kind)
        if f.w3c
    ]
    if with_examples:
        out += examples(endpoint)
    return out


def serialize(triples: list[ox.Triple], fmt: str) -> bytes:
    """Triples in the RDF format ``fmt`` of the registry; Turtle carries the contract's
    prefixes and sd:, sh:."""
    spec = formats.get(fmt, "rdf")
    prefixes = {**PREFIXES, "sd": SD, "sh": SH, "void": VOID} if spec.prefixes else None
    return ox.serialize(triples, format=spec.rdf_format(), prefixes=prefixes) or b""


def document(endpoint: str, fmt: str = "ttl", federated: bool = False) -> bytes:
    """The whole description of ``endpoint`` with the examples, serialised in ``fmt``."""
    return serialize(description(endpoint, federated=federated), fmt)
