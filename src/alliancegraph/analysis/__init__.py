"""Network analysis of the alliance graph: projections, metrics and analysts' questions.

The knowledge graph becomes the network a question needs (rdflib's converters would make
every literal a node): projections are fetched with SPARQL through ``g.query``, so they
run on the embedded store and on a remote engine alike; metrics run on networkx graphs,
with igraph behind the same API where networkx is too slow; questions answer as pandas
DataFrames. Nothing here writes to the store or hard-codes an entity or a figure.

Projections (:mod:`.projections`)
    ``entity_graph`` (typed entity graph, MultiDiGraph), ``two_mode`` (alliance ×
    organisation, with the role on each edge), ``comembership`` (organisations, weighted
    by shared alliances), ``alliance_overlap`` (shared members, Jaccard),
    ``industry_chain`` (fields, segments, feeds-into, who operates where). Filters: by
    alliance, entity type, and date (``since``/``until``) where dates exist.
Metrics (:mod:`.metrics`)
    degree, weighted degree, betweenness (exact below a size threshold, k-sampled with a
    seed above it), PageRank, closeness, k-core, Burt's effective size and constraint,
    Louvain communities (seeded, modularity reported), articulation points, bridges,
    components. Results say which engine ran and which method (``attrs``).
Questions (:mod:`.questions`)
    ``central``, ``brokers``, ``communities``, ``node_metrics``, ``path``, ``ego``,
    ``composition``, ``chain_gaps``, ``coverage``; entities are named as
    ``alliancegraph find`` resolves them.
Comparisons (:mod:`.comparisons`)
    ``overlap_matrix`` (alliances x alliances, shared members and Jaccard, clustered
    order), ``composition_by_role`` (members by kind and by role, reported figures
    beside), ``timeline`` (dated facts: foundings, issue dates, membership starts).
Reductions (:mod:`.reductions`)
    ``backbone`` (top k edges per node by weight), ``collapse_communities`` (super-nodes),
    ``full_tables`` (the whole graph as CSV), for views of large networks.
Export (:mod:`.export`)
    GEXF, GraphML, CSV for Gephi's spreadsheet import (edge table ``x.csv``, node table
    ``x.nodes.csv``), metrics as RDF quads in a named graph of their own.

Node and edge attribute contract (views and exports rely on it; keep it exact)
------------------------------------------------------------------------------
Nodes are keyed by IRI string, with

- ``label``: the zh label, else the en label, else the IRI's last segment;
- ``label_zh``, ``label_en``: "" where missing;
- ``type``: the most specific asserted class, prefixed (``"ag:University"``);
- ``type_label``: the zh label of that class (``"高等院校"``);
- ``aliases``: the ``skos:altLabel`` values joined with ``"|"``;
- ``synthetic``: True for generated nodes (``ag:synthetic true``).

Projection-specific node attributes: ``bipartite`` (two-mode: 0 alliance,
1 organisation), ``alliances`` (co-membership: how many alliances), ``members``
(overlap: how many members), ``chain_order`` (chain: 0 = most upstream segment).

Edges carry

- ``predicate``: the prefixed property (``"ag:leadInstitution"``); "" on derived
  projection edges (co-membership, overlap);
- ``label``, ``label_en``: the property's zh and en labels from the ontology (derived
  edges: 共同成员 / co-members, 共享成员 / shared members);
- ``evidence``: the ``ag:evidenceText`` quote of the fact's provenance record, "" if none
  (an entailed fact borrows the quote of the stated fact it follows from);
- ``source``: the zh label of the source document, "" if none;
- ``weight`` on weighted projections (two-mode 1, co-membership shared alliances,
  overlap shared members; overlap adds ``jaccard``);
- two-mode edges add ``role`` (lead > supporting > member, the strongest), ``roles``
  (all of them, "|"-joined) and ``position`` (a membership role such as 理事长单位, "" if
  none).

The entity graph is a MultiDiGraph keyed by predicate, the chain graph a DiGraph, the
other projections Graphs.

Examples
--------
>>> import alliancegraph as ag
>>> from alliancegraph import analysis
>>> g = ag.open()  # doctest: +SKIP
>>> analysis.path(g, "爱美科", "功能材料技术创新战略联盟")  # doctest: +SKIP
>>> analysis.central(g, "pagerank", "comembership", seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

from .comparisons import composition_by_role, overlap_matrix, timeline
from .export import (
    edge_table,
    gephi_edges,
    gephi_nodes,
    metrics_to_quads,
    node_table_path,
    write_graph,
    write_quads,
    written_files,
)
from .metrics import (
    METRICS,
    articulation_points,
    betweenness,
    bridges,
    closeness,
    components,
    constraint,
    core_number,
    degree,
    effective_size,
    engine_for,
    louvain,
    measure,
    metric_key,
    metric_table,
    pagerank,
    simple_graph,
    weighted_degree,
)
from .projections import (
    PROJECTIONS,
    Filters,
    alliance_overlap,
    comembership,
    entity_graph,
    industry_chain,
    projection,
    refresh,
    two_mode,
)
from .questions import (
    PATH_LIMIT,
    brokers,
    central,
    chain_gaps,
    check_radius,
    class_labels,
    communities,
    composition,
    coverage,
    ego,
    ego_graph,
    make_filters,
    measured,
    node_metrics,
    path,
    path_graph,
    resolve,
    resolve_alliances,
    shortest_paths,
)
from .reductions import BACKBONE_RULE, backbone, collapse_communities, full_tables

__all__ = [
    "BACKBONE_RULE",
    "METRICS",
    "PATH_LIMIT",
    "PROJECTIONS",
    "Filters",
    "alliance_overlap",
    "articulation_points",
    "backbone",
    "betweenness",
    "bridges",
    "brokers",
    "central",
    "chain_gaps",
    "check_radius",
    "class_labels",
    "closeness",
    "collapse_communities",
    "comembership",
    "communities",
    "components",
    "composition",
    "composition_by_role",
    "constraint",
    "core_number",
    "coverage",
    "degree",
    "edge_table",
    "effective_size",
    "ego",
    "ego_graph",
    "engine_for",
    "entity_graph",
    "full_tables",
    "gephi_edges",
    "gephi_nodes",
    "industry_chain",
    "louvain",
    "make_filters",
    "measure",
    "measured",
    "metric_key",
    "metric_table",
    "metrics_to_quads",
    "node_metrics",
    "node_table_path",
    "overlap_matrix",
    "pagerank",
    "path",
    "path_graph",
    "projection",
    "refresh",
    "resolve",
    "resolve_alliances",
    "shortest_paths",
    "simple_graph",
    "timeline",
    "two_mode",
    "weighted_degree",
    "write_graph",
    "write_quads",
    "written_files",
]
