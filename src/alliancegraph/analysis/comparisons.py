"""Questions that compare alliances: how much they overlap, what they are made of, how the
system grew. Each answers as a DataFrame the overlap, composition and timeline views draw.

- :func:`overlap_matrix`: alliances x alliances, shared members (count and Jaccard) with
  the shared members themselves, rows ordered by hierarchical clustering (scipy,
  average linkage on 1 - Jaccard with optimal leaf ordering: deterministic, no seed needed);
- :func:`composition_by_role`: each alliance's members by kind (企业, 高等院校 …) and by
  role (lead, supporting, member: the strongest), with the reported member figure of the
  alliance where a source gives one;
- :func:`timeline`: dated facts (foundings, issue dates of standards, plans and roadmaps,
  membership start dates from imports), each with its alliance where it has one.

Nothing here prints, draws or writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

import pandas as pd

from .. import internal
from ..catalogue import Source
from ..namespaces import AG, shorten
from .projections import ROLES, _bounds, catalogue, two_mode
from .questions import _bound, _kind, _make_filters, _with_meta

__all__ = ["KIND_ORDER", "composition_by_role", "overlap_matrix", "timeline"]

#: The member kinds :func:`composition_by_role` counts, in the order the bars stack.
KIND_ORDER = ("enterprises", "universities", "institutes", "government", "other")
_MEMBER_UNITS = AG + "measure-member-units"


def _alliances(g: Source, f: Any) -> list[str]:
    cat = catalogue(g)
    return sorted(
        a for a in cat.classes
        if cat.is_a(a, {AG + "Alliance"}) and (not f.alliances or a in f.alliances)
        and f.keep(cat, a, typed=False)
    )  # fmt: skip


def _en(cat: Any, iri: str) -> str:
    """The en label of ``iri``, "" where it has none."""
    return str(cat.labels.get(iri, ("", "", ""))[1])


def cluster_order(names: list[str], distance: dict[tuple[str, str], float]) -> list[str]:
    """``names`` in the leaf order of an average-linkage clustering on ``distance`` (pairs
    in either order; missing pairs are 1), optimal leaf ordering: the same input gives the
    same order, and alike rows end up next to each other.

    >>> cluster_order(["a", "b", "c"], {("a", "c"): 0.1, ("a", "b"): 0.9, ("b", "c"): 0.9})
    ['b', 'a', 'c']
    """
    if len(names) < 3:
        return list(names)
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import squareform

    n = len(names)
    square = [[0.0] * n for _ in range(n)]
    for i, j in combinations(range(n), 2):
        a, b = names[i], names[j]
        d = distance.get((a, b), distance.get((b, a), 1.0))
        square[i][j] = square[j][i] = d
    condensed = squareform(square, checks=False)
    tree = hierarchy.linkage(condensed, method="average")
    tree = hierarchy.optimal_leaf_ordering(tree, condensed)
    return [names[i] for i in hierarchy.leaves_list(tree)]


def overlap_matrix(
    g: Source, roles: Iterable[str] = tuple(ROLES), **kw: Any
) -> pd.DataFrame:
    """Alliances x alliances: how many members each pair shares and the Jaccard share of
    their union, one row per ordered pair (the diagonal holds each alliance's own members,
    Jaccard 1), with the shared members' IRIs and labels ("|"-joined, by label).

    Rows come in the clustered order (``attrs["order"]``: the alliance IRIs, alike ones
    adjacent; ``attrs["method"]`` says how). Filters as every question takes them
    (alliances, types, since, until, synthetic).
    """
    f = _make_filters(g, kw.pop("filters", None), kw)
    B = two_mode(g, f, roles)
    cat = catalogue(g)
    alliances = _alliances(g, f)
    members = {a: set(B.adj[a]) if a in B else set() for a in alliances}
    jaccard: dict[tuple[str, str], float] = {}
    for a, b in combinations(alliances, 2):
        union = members[a] | members[b]
        jaccard[(a, b)] = len(members[a] & members[b]) / len(union) if union else 0.0
    order = cluster_order(alliances, {k: 1.0 - v for k, v in jaccard.items()})
    rows = []
    for a in order:
        for b in order:
            shared = sorted(members[a] & members[b], key=lambda m: (cat.label(m), m))
            j = 1.0 if a == b else jaccard.get((a, b), jaccard.get((b, a), 0.0))
            rows.append({
                "alliance": a, "label": cat.label(a), "label_en": _en(cat, a),
                "other": b, "other_label": cat.label(b),
                "shared": len(shared), "jaccard": round(j if shared or a != b else 0.0, 4),
                "members": "|".join(shared),
                "member_labels": "|".join(cat.label(m) for m in shared),
            })  # fmt: skip
    cols = ["alliance", "label", "label_en", "other", "other_label", "shared", "jaccard",
            "members", "member_labels"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    return _with_meta(
        df, order=order, roles="|".join(roles),
        method="average linkage on 1 - Jaccard, optimal leaf ordering (scipy)",
    )  # fmt: skip


def composition_by_role(
    g: Source, roles: Iterable[str] = tuple(ROLES), **kw: Any
) -> pd.DataFrame:
    """Each alliance's members counted by kind (enterprises, universities, institutes,
    government, other) and by role (lead, supporting, member: each member once, under its
    strongest role), with ``reported``: the member-units figure a source gives for that
    alliance (``ag:ReportedStatistic`` scoped to it), None where none does.

    One row per alliance, the most members first (as :func:`.questions.composition`).
    """
    f = _make_filters(g, kw.pop("filters", None), kw)
    roles = tuple(roles)
    B = two_mode(g, f, roles)
    cat = catalogue(g)
    reported: dict[str, float] = {}
    for _stat, measure, value, _unit, scope, *_ in g.query(
        internal.text("analysis-coverage-statistics")
    ).rows:
        if _bound(measure) == _MEMBER_UNITS:
            reported.setdefault(_bound(scope), float(_bound(value)))
    role_names = [r for r in ROLES if r in roles]
    rows = []
    for a in _alliances(g, f):
        kinds = dict.fromkeys(KIND_ORDER, 0)
        by_role = dict.fromkeys(role_names, 0)
        for o, d in (B.adj[a].items() if a in B else ()):
            kinds[_kind(cat, o)] += 1
            by_role[d["role"]] += 1
        figure = reported.get(a)
        rows.append({
            "alliance": a, "label": cat.label(a), "label_en": _en(cat, a),
            "members": sum(kinds.values()),
            "reported": None if figure is None else round(figure),
            **kinds, **by_role,
        })  # fmt: skip
    cols = ["alliance", "label", "label_en", "members", "reported", *KIND_ORDER, *role_names]
    df = pd.DataFrame(rows, columns=cols)
    df["reported"] = df["reported"].astype("Int64")
    df = df.sort_values(["members", "alliance"], ascending=[False, True], kind="stable")
    return _with_meta(df.reset_index(drop=True), roles="|".join(role_names),
                      kinds="|".join(KIND_ORDER))  # fmt: skip


def timeline(g: Source, **kw: Any) -> pd.DataFrame:
    """Dated facts, earliest first: ``date`` (as precise as the source: YYYY, YYYY-MM or
    YYYY-MM-DD), ``start`` (its first day, for sorting and axes), ``event`` (founded,
    issued, joined), the dated ``entity`` with its ``label`` and ``type``, and the
    ``alliance`` it belongs to ("" where none: a standard no alliance developed).

    ``alliances=[…]`` keeps the facts of those alliances; ``since``/``until`` the facts
    in that period; ``synthetic=False`` leaves generated entities out. Recognition steps
    (认定, 备案) are not modelled in the ontology yet, so none appear.
    """
    f = _make_filters(g, kw.pop("filters", None), kw)
    cat = catalogue(g)
    rows = []
    seen = set()
    for s, ev, d, a in g.query(internal.text("analysis-timeline")).rows:
        entity, event, date = _bound(s), _bound(ev), _bound(d).strip()
        alliance = _bound(a) if a is not None else ""
        key = (entity, event, date, alliance)
        if key in seen:
            continue
        seen.add(key)
        if f.alliances and alliance not in f.alliances:
            continue
        if not f.synthetic and (entity in cat.synthetic or alliance in cat.synthetic):
            continue
        if not f.dated_ok(date):
            continue
        cls = cat.type_of(entity)
        rows.append({
            "date": date, "start": _bounds(date)[0], "event": event,
            "entity": entity, "label": cat.label(entity),
            "label_en": _en(cat, entity),
            "type": shorten(cls) if cls else "",
            "alliance": alliance, "alliance_label": cat.label(alliance) if alliance else "",
            "alliance_label_en": _en(cat, alliance) if alliance else "",
        })  # fmt: skip
    cols = ["date", "start", "event", "entity", "label", "label_en", "type", "alliance",
            "alliance_label", "alliance_label_en"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values(["start", "event", "label", "alliance"], kind="stable")
    return _with_meta(df.reset_index(drop=True), events="founded|issued|joined")

