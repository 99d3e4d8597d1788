"""The IRIs the project speaks: namespaces, named graphs and the predeclared prefixes.

Everything that names a namespace imports it from here, so a query, a build and a view
never disagree about an IRI. Must never import rdflib (the CLI's query path stays light).
"""

from __future__ import annotations

AG = "https://w3id.org/alliancegraph/ontology#"
AGR = "https://w3id.org/alliancegraph/resource/"
ONTOLOGY_IRI = "https://w3id.org/alliancegraph/ontology"

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

#: Prefixes every query may use without declaring them (the ontology contract's list).
PREFIXES: dict[str, str] = {
    "ag": AG,
    "agr": AGR,
    "org": ORG,
    "schema": SCHEMA,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
}

#: Named graphs of the built dataset. Queries see their union as the default graph.
#: Written without "/" so that SPARQL can say ``GRAPH agr:graph-curated``.
GRAPH_ONTOLOGY = AGR + "graph-ontology"
GRAPH_CURATED = AGR + "graph-curated"
GRAPH_INFERRED = AGR + "graph-inferred"
GRAPH_EXAMPLES = AGR + "graph-query-examples"
GRAPH_SYNTHETIC = AGR + "graph-synthetic"
GRAPH_IMPORT_PREFIX = AGR + "graph-import-"
#: What the build derives by rule, not curated facts: the alliances' short forms, each
#: graph's provenance mark and the dataset's class counts (VoID, ``partitions.py``).
GRAPH_GENERATED = AGR + "graph-generated"


def prefix_block() -> str:
    """The PREFIX lines prepended to user queries, one per line."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


PREFIX_LINES = len(PREFIXES)


def expand(name: str) -> str | None:
    """Expand ``ag:Alliance`` or ``<http://…>`` to a full IRI; None if the prefix is unknown."""
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if ":" in name:
        prefix, local = name.split(":", 1)
        if prefix in PREFIXES and not local.startswith("//"):
            return PREFIXES[prefix] + local
    return None


def shorten(iri: str) -> str:
    """The prefixed form of an IRI where a predeclared prefix fits, else the IRI itself."""
    best = ""
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, prefix = ns, p
    if best:
        return f"{prefix}:{iri[len(best) :]}"
    return iri
