"""Charts that compare alliances: the overlap heatmap, the timeline and the composition bars.

Each kind draws a DataFrame an analysis question answers
(:func:`alliancegraph.analysis.overlap_matrix`, :func:`~alliancegraph.analysis.timeline`,
:func:`~alliancegraph.analysis.composition_by_role`) and computes nothing: the clustered
order, the counts, the Jaccard shares, the reported figures are the question's. The page is
self-contained like the network views (one inline SVG built by a small script from a JSON
block, the same Content-Security-Policy: scripts by hash, nothing loaded from anywhere,
user text set with ``textContent``); PNG and SVG are drawn with matplotlib's object API in
a CJK font (:func:`.static.cjk_families`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..errors import UsageError
from .html import _csp_hash, _package_version, _template, script_json
from .spec import Lang
from .static import cjk_families, figure_bytes
from .view import View

__all__ = ["CHART_KINDS", "ChartView", "composition", "overlap", "timeline"]

#: The chart kinds, in the order ``--help`` lists them.
CHART_KINDS = ("overlap", "timeline", "composition")

WORDS = {
    "zh": {
        "overlap": "联盟重叠：共享成员",
        "overlap_sub": "行列按层次聚类排序（平均连接，1 − Jaccard）；点击单元格列出共享成员",
        "count": "共享成员数",
        "jaccard": "Jaccard 系数",
        "shared": "共享成员",
        "none": "无共享成员",
        "timeline": "时间线",
        "timeline_sub": "成立、发布与入盟日期",
        "all": "全部联盟",
        "no_alliance": "（无联盟）",
        "founded": "成立",
        "issued": "发布",
        "joined": "加入",
        "composition": "联盟成员构成",
        "composition_sub": "按类型与角色统计的成员单位；◆ 为来源报告的成员数",
        "by_kind": "按类型",
        "by_role": "按角色",
        "reported": "报告",
        "counted": "统计",
        "enterprises": "企业",
        "universities": "高等院校",
        "institutes": "科研机构",
        "government": "政府机构",
        "other": "其他",
        "lead": "牵头单位",
        "supporting": "依托单位",
        "member": "成员单位",
        "empty": "没有可显示的数据",
    },
    "en": {
        "overlap": "Alliance overlap: shared members",
        "overlap_sub": "rows and columns ordered by hierarchical clustering (average linkage, "
        "1 − Jaccard); click a cell to list the shared members",
        "count": "shared members",
        "jaccard": "Jaccard",
        "shared": "shared members",
        "none": "no shared members",
        "timeline": "Timeline",
        "timeline_sub": "foundings, issue dates and membership start dates",
        "all": "all alliances",
        "no_alliance": "(no alliance)",
        "founded": "founded",
        "issued": "issued",
        "joined": "joined",
        "composition": "What the alliances are made of",
        "composition_sub": "member units by kind and by role; ◆ the member count a source "
        "reports",
        "by_kind": "by kind",
        "by_role": "by role",
        "reported": "reported",
        "counted": "counted",
        "enterprises": "enterprises",
        "universities": "universities",
        "institutes": "research institutes",
        "government": "government",
        "other": "other",
        "lead": "lead",
        "supporting": "supporting",
        "member": "member",
        "empty": "nothing to show",
    },
}
KIND_COLORS = {"enterprises": "#1f77b4", "universities": "#2ca02c", "institutes": "#17becf",
               "government": "#9467bd", "other": "#aec7e8"}  # fmt: skip
ROLE_COLORS = {"lead": "#d62728", "supporting": "#ff7f0e", "member": "#c7c7c7"}
EVENT_COLORS = {"founded": "#d62728", "issued": "#ff7f0e", "joined": "#1f77b4"}


@dataclass
class Chart:
    """What a chart draws: its kind, words and the JSON its page script reads."""

    kind: str
    title: str
    subtitle: str
    lang: Lang
    data: dict[str, Any]
    items: int
    links: int = 0
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


class ChartView(View):
    """A chart (overlap, timeline, composition): offline HTML, PNG and SVG like any view.

    ``node_count`` is the number of things drawn (alliances, events), ``edge_count`` the
    number of links between them (overlap: alliance pairs sharing members; else 0);
    :attr:`table` is the analysis answer drawn.
    """

    def __init__(self, chart: Chart, draw: Callable[[Chart, Any], None]):
        self.html = _page(chart)
        self._chart = chart
        self._draw = draw

    @property
    def title(self) -> str:
        return self._chart.title

    @property
    def kind(self) -> str:
        return self._chart.kind

    @property
    def node_count(self) -> int:
        return self._chart.items

    @property
    def edge_count(self) -> int:
        return self._chart.links

    @property
    def physics(self) -> bool:
        return False

    @property
    def table(self) -> pd.DataFrame:
        """The analysis answer this chart draws (a copy)."""
        return self._chart.table.copy()

    def side_files(self) -> dict[str, bytes]:
        return {}  # a chart embeds everything it links to

    def _fallback(self) -> tuple[bytes, str]:
        return self.to_image("png", dpi=100), "re-run the cell to interact · 重新运行以交互"

    def to_image(self, fmt: Literal["png", "svg"] = "png", *, dpi: int = 150) -> bytes:
        import matplotlib
        from matplotlib.figure import Figure

        rc: dict[str, Any] = {"font.family": [*cjk_families(), "DejaVu Sans"],
                              "svg.fonttype": "path", "axes.unicode_minus": False}  # fmt: skip
        with matplotlib.rc_context(rc):  # type: ignore[arg-type]
            fig = Figure(dpi=dpi, facecolor="white")
            self._draw(self._chart, fig)
            return figure_bytes(fig, fmt)

    def to_pyvis(self, *, height: str = "720px", width: str = "100%") -> Any:
        raise UsageError(f"a {self.kind} chart is not a network: it has no pyvis form")


def _page(chart: Chart) -> str:
    app_js = _template("chart.js")
    data = {"kind": chart.kind, "lang": chart.lang, "words": WORDS[chart.lang], **chart.data}
    values = {
        "LANG": "zh-CN" if chart.lang == "zh" else "en",
        "VERSION": html.escape(_package_version()),
        "TITLE": html.escape(chart.title, quote=True),
        "SUBTITLE": html.escape(chart.subtitle, quote=True),
        "SCRIPT_HASHES": _csp_hash(app_js),
        "CSS": _template("chart.css"),
        "DATA": script_json(data),
        "APP_JS": app_js,
    }
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], _template("chart.html"))


def _label(row: Any, lang: Lang, zh: str = "label", en: str = "label_en") -> str:
    return str((row.get(en) if lang == "en" else "") or row.get(zh) or "")


# -- overlap ---------------------------------------------------------------------------------


def overlap(df: pd.DataFrame, *, lang: Lang = "zh", explorer: str = "") -> ChartView:
    """The heatmap of an :func:`~alliancegraph.analysis.overlap_matrix` answer, in its
    (clustered) order; ``explorer`` (e.g. ``"/"``) makes each shared member a link to its
    explorer page."""
    w = WORDS[lang]
    order: list[str] = list(df.attrs.get("order") or dict.fromkeys(df["alliance"]))
    index = {a: i for i, a in enumerate(order)}
    names = dict(zip(df["alliance"], df["label"], strict=False))
    en = dict(zip(df["alliance"], df["label_en"], strict=False))
    labels = [(en.get(a) if lang == "en" else "") or names.get(a, a) for a in order]
    n = len(order)
    count = [[0] * n for _ in range(n)]
    jac = [[0.0] * n for _ in range(n)]
    member_ix: dict[str, int] = {}
    member_labels: list[str] = []
    member_iris: list[str] = []
    shared: dict[str, list[int]] = {}
    records: list[dict[Any, Any]] = df.to_dict("records")
    for r in records:
        i, j = index[r["alliance"]], index[r["other"]]
        count[i][j], jac[i][j] = int(r["shared"]), float(r["jaccard"])
        if r["shared"] and i <= j:
            ids = []
            for iri, lb in zip(str(r["members"]).split("|"), str(r["member_labels"]).split("|"),
                               strict=False):  # fmt: skip
                if iri not in member_ix:
                    member_ix[iri] = len(member_iris)
                    member_iris.append(iri)
                    member_labels.append(lb)
                ids.append(member_ix[iri])
            shared[f"{i},{j}"] = ids
    pairs = sum(1 for i in range(n) for j in range(i + 1, n) if count[i][j])
    chart = Chart(
        kind="overlap", title=w["overlap"],
        subtitle=f"{n} {'个联盟' if lang == 'zh' else 'alliances'} · {w['overlap_sub']}",
        lang=lang, items=n, links=pairs, table=df,
        data={"labels": labels, "iris": order, "count": count, "jaccard": jac,
              "shared": shared, "memberLabels": member_labels, "memberIris": member_iris,
              "explorer": explorer},
    )  # fmt: skip
    return ChartView(chart, _draw_overlap)


def _draw_overlap(chart: Chart, fig: Any) -> None:
    d, w = chart.data, WORDS[chart.lang]
    n = len(d["labels"])
    widest = max((len(s) for s in d["labels"]), default=4)
    cell = max(0.16, min(0.32, 6.0 / max(n, 1)))
    fs = max(5.0, min(8.0, cell * 24))
    label_in = min(4.0, fs / 72 * 1.05 * widest + 0.2)
    side = max(2.0, cell * n)
    fig.set_size_inches(label_in + side + 1.6, label_in + side + 0.9)
    W, H = fig.get_size_inches()
    ax = fig.add_axes((label_in / W, 0.25 / H, side / W, side / H))
    fig.text(0.02, 1 - 0.3 / H, chart.title, fontsize=14, weight="bold", va="center")
    if not n:
        ax.set_axis_off()
        ax.text(0.5, 0.5, w["empty"], ha="center", va="center", transform=ax.transAxes)
        return
    from matplotlib import colormaps
    from numpy import ma

    cmap = colormaps["Reds"].with_extremes(bad="#eeeeee")
    grid = ma.masked_array(d["jaccard"], mask=[[i == j for j in range(n)] for i in range(n)])
    im = ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="equal")
    ax.set_xticks(range(n), d["labels"], rotation=90, fontsize=fs)
    ax.set_yticks(range(n), d["labels"], fontsize=fs)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    if n <= 30:
        for i in range(n):
            for j in range(n):
                c = d["count"][i][j]
                if c:
                    dark = i != j and d["jaccard"][i][j] > 0.55
                    ax.text(j, i, str(c), ha="center", va="center", fontsize=fs * 0.9,
                            color="white" if dark else "#333")  # fmt: skip
    cax = fig.add_axes(((label_in + side + 0.25) / W, 0.25 / H, 0.15 / W, side / H))
    bar = fig.colorbar(im, cax=cax)
    bar.set_label(f"{w['jaccard']} (" + ("数字：" if chart.lang == "zh" else "numbers: ")
                  + f"{w['count']})", fontsize=8)  # fmt: skip
    bar.ax.tick_params(labelsize=7)


# -- composition -----------------------------------------------------------------------------


def composition(df: pd.DataFrame, *, lang: Lang = "zh") -> ChartView:
    """Stacked bars of a :func:`~alliancegraph.analysis.composition_by_role` answer: each
    alliance's members by kind and by role, the reported member count beside the counted
    one where a source gives it."""
    w = WORDS[lang]
    kinds = [k for k in str(df.attrs.get("kinds", "")).split("|") if k]
    roles = [r for r in str(df.attrs.get("roles", "")).split("|") if r]
    rows = []
    for r in df.to_dict("records"):
        rep = r.get("reported")
        rows.append({
            "label": _label(r, lang), "iri": r["alliance"], "members": int(r["members"]),
            "reported": None if rep is None or pd.isna(rep) else int(rep),
            "kinds": [int(r[k]) for k in kinds], "roles": [int(r[x]) for x in roles],
        })  # fmt: skip
    chart = Chart(
        kind="composition", title=w["composition"],
        subtitle=f"{len(rows)} {'个联盟' if lang == 'zh' else 'alliances'} · "
        f"{w['composition_sub']}",
        lang=lang, items=len(rows), table=df,
        data={"rows": rows,
              "kinds": [{"key": k, "label": w.get(k, k), "color": KIND_COLORS.get(k, "#999")}
                        for k in kinds],
              "roles": [{"key": x, "label": w.get(x, x), "color": ROLE_COLORS.get(x, "#999")}
                        for x in roles]},
    )  # fmt: skip
    return ChartView(chart, _draw_composition)


def _draw_composition(chart: Chart, fig: Any) -> None:
    d, w = chart.data, WORDS[chart.lang]
    rows = d["rows"]
    n = max(len(rows), 1)
    widest = max((len(r["label"]) for r in rows), default=4)
    label_in = min(4.2, 0.13 * widest + 0.3)
    panel = 3.6
    fig.set_size_inches(label_in + 2 * panel + 0.8, 1.5 + 0.26 * n)
    W, H = fig.get_size_inches()
    fig.text(0.01, 1 - 0.25 / H, chart.title, fontsize=14, weight="bold", va="center")
    fig.text(0.01, 1 - 0.5 / H, w["composition_sub"], fontsize=8, color="#555", va="center")
    top = 1 - 0.95 / H
    height = top - 0.35 / H
    top_value = max([1] + [max(r["members"], r["reported"] or 0) for r in rows])
    for p, (key, entries) in enumerate((("kinds", d["kinds"]), ("roles", d["roles"]))):
        left = (label_in + p * (panel + 0.3)) / W
        ax = fig.add_axes((left, 0.35 / H, panel / W, height))
        ys = list(range(len(rows)))
        base = [0] * len(rows)
        for k, e in enumerate(entries):
            vals = [r[key][k] for r in rows]
            ax.barh(ys, vals, left=base, color=e["color"], height=0.7, label=e["label"])
            base = [b + v for b, v in zip(base, vals, strict=True)]
        for y, r in enumerate(rows):
            if r["reported"] is not None:
                ax.plot([r["reported"]], [y], marker="D", color="#111", markersize=4)
                ax.text(r["reported"], y, f" {w['reported']} {r['reported']}", fontsize=6,
                        va="center", color="#111")  # fmt: skip
            elif r["members"]:
                ax.text(base[y], y, f" {r['members']}", fontsize=6, va="center", color="#444")
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, top_value * 1.25)
        ax.set_yticks(ys, [r["label"] for r in rows] if p == 0 else [""] * len(rows),
                      fontsize=7)  # fmt: skip
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(w["by_kind" if key == "kinds" else "by_role"], fontsize=9)
        ax.legend(fontsize=6, frameon=False, loc="lower right")


# -- timeline --------------------------------------------------------------------------------


def timeline(df: pd.DataFrame, *, lang: Lang = "zh") -> ChartView:
    """Dated facts of a :func:`~alliancegraph.analysis.timeline` answer on a time axis,
    one lane per alliance (and one for facts of no alliance); the page filters by
    alliance."""
    w = WORDS[lang]
    lanes: dict[str, str] = {}
    events = []
    for r in df.to_dict("records"):
        a = str(r["alliance"])
        if a not in lanes:
            lanes[a] = _label(r, lang, "alliance_label", "alliance_label_en") or w["no_alliance"]
        events.append({"date": r["date"], "start": r["start"], "event": r["event"],
                       "label": _label(r, lang), "lane": a})  # fmt: skip
    order = sorted(lanes, key=lambda a: (a == "", lanes[a]))
    chart = Chart(
        kind="timeline", title=w["timeline"],
        subtitle=f"{len(events)} {'条' if lang == 'zh' else 'dated facts'} · {w['timeline_sub']}",
        lang=lang, items=len(events), table=df,
        data={"events": events, "lanes": [{"key": a, "label": lanes[a]} for a in order],
              "eventKinds": [{"key": k, "label": w[k], "color": c}
                             for k, c in EVENT_COLORS.items()]},
    )  # fmt: skip
    return ChartView(chart, _draw_timeline)


def _year(start: str) -> float:
    y, m, d = (int(x) for x in start.split("-"))
    return y + (m - 1) / 12 + (d - 1) / 365


def _draw_timeline(chart: Chart, fig: Any) -> None:
    d, w = chart.data, WORDS[chart.lang]
    lanes = d["lanes"]
    lane_ix = {x["key"]: i for i, x in enumerate(lanes)}
    widest = max((len(x["label"]) for x in lanes), default=4)
    label_in = min(4.2, 0.13 * widest + 0.3)
    fig.set_size_inches(label_in + 7.5, 1.6 + 0.45 * max(len(lanes), 1))
    W, H = fig.get_size_inches()
    fig.text(0.01, 1 - 0.25 / H, chart.title, fontsize=14, weight="bold", va="center")
    fig.text(0.01, 1 - 0.5 / H, w["timeline_sub"], fontsize=8, color="#555", va="center")
    ax = fig.add_axes((label_in / W, 0.45 / H, 7.1 / W, 1 - 1.25 / H))
    ax.spines[["top", "right", "left"]].set_visible(False)
    if not d["events"]:
        ax.set_axis_off()
        ax.text(0.5, 0.5, w["empty"], ha="center", va="center", transform=ax.transAxes)
        return
    colors = {k["key"]: k["color"] for k in d["eventKinds"]}
    for k in d["eventKinds"]:
        evs = [e for e in d["events"] if e["event"] == k["key"]]
        if evs:
            ax.scatter([_year(e["start"]) for e in evs], [lane_ix[e["lane"]] for e in evs],
                       s=36, color=colors[k["key"]], label=k["label"], zorder=3)  # fmt: skip
    # Names beside the points, alternating above and below so neighbours do not collide.
    per_lane: dict[int, int] = {}
    for e in d["events"]:
        y = lane_ix[e["lane"]]
        nth = per_lane.get(y, 0)
        per_lane[y] = nth + 1
        if len(d["events"]) <= 60:
            ax.annotate(f"{e['date']} {e['label']}", (_year(e["start"]), y),
                        xytext=(4, 7 if nth % 2 == 0 else -9), textcoords="offset points",
                        fontsize=6.5, color="#333")  # fmt: skip
    xs = [_year(e["start"]) for e in d["events"]]
    lo, hi = min(xs), max(xs)
    pad = max(0.6, (hi - lo) * 0.08)
    ax.set_xlim(lo - pad, hi + pad * 3)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_yticks(range(len(lanes)), [x["label"] for x in lanes], fontsize=7)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#eee")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, frameon=False, loc="upper right", ncols=3,
              bbox_to_anchor=(1, 1 + 0.35 / (H - 1.25)))  # fmt: skip
