"""Turn one run's results (``python -m benchmarks``) into ``RESULTS.md`` and ``scaling.png``.

Only formatting lives here: every number comes from the results dict, every verdict from
the targets below. The closing note (``closing_note.md``, written by hand after reading a
run) is appended as it is.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTE = HERE / "closing_note.md"
#: the large-views table (``bench_large_views.py``: a browser and a view per scale)
LARGE_VIEWS = HERE / "large_views.md"

# -- small formatting helpers --------------------------------------------------------------


def secs(s: float | None, over: float | None = None) -> str:
    if s is None:
        return f"> {over:g} s" if over else "–"
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def times(x: float | None, lower: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    pre = "> " if lower else ""
    return f"{pre}{x:.0f}×" if x >= 10 else f"{pre}{x:.2f}×"


def table(header: list[str], rows: list[list], align: str | None = None) -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return [*out, ""]


def by_scale(section: dict) -> list[tuple[float, dict]]:
    """(scale, entry) pairs, in order, whatever the keys' type (float live, str from JSON)."""
    pairs = []
    for k, v in section.items():
        try:
            pairs.append((float(k), v))
        except ValueError:
            continue
    return sorted(pairs)


def runs_note(runs: int | None, reps: int | None) -> str:
    """`` (1 run)`` where a figure is from fewer runs than the others (a first run already
    far past its target is not repeated)."""
    if not runs or not reps or runs >= reps:
        return ""
    return f" ({runs} run{'s' * (runs > 1)})"


def xs(scale: float) -> str:
    return f"{scale:g}×"


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


# -- derived figures -----------------------------------------------------------------------


def query_stats(entry: dict) -> dict:
    """Ratios over the named queries of one scale."""
    qs = entry.get("queries", {})
    ox_ratio, rd_ratio, rd_lower = {}, {}, {}
    for name, q in qs.items():
        if q.get("ours_s") is None:
            continue
        ox_ratio[name] = q["ours_s"] / q["pyoxigraph_s"] if q["pyoxigraph_s"] else None
        if q.get("rdflib_s"):
            rd_ratio[name] = q["rdflib_s"] / q["ours_s"]
        elif q.get("rdflib_over"):
            rd_lower[name] = q["rdflib_over"] / q["ours_s"]
    overhead = [q["ours_s"] - q["pyoxigraph_s"] for q in qs.values() if q.get("ours_s")]
    over_budget = [n for n, q in qs.items() if q.get("ours_s") is None]
    return {
        "ox": ox_ratio,
        "rd": rd_ratio,
        "rd_lower": rd_lower,
        "over": over_budget,
        "overhead_s": statistics.median(overhead) if overhead else None,
    }


def build_total(b: dict) -> float | None:
    if "error" in b or "import_s" not in b:
        return None
    return b.get("curated_build_s", 0) + b["import_s"]


def analysis_total(entry: dict, engine: str) -> float | None:
    run = entry.get(engine)
    return sum(run["times"].values()) if run else None


# -- targets -------------------------------------------------------------------------------


def verdict(value: float | None, limit: float, lower_is_better: bool = True) -> str:
    if value is None:
        return "not measured"
    ok = value <= limit if lower_is_better else value >= limit
    if ok:
        return "**met**"
    factor = value / limit if lower_is_better else limit / value
    return f"**missed** by {factor:.1f}×"


def targets(r: dict) -> list[list[str]]:
    rows = []
    q = {s: e for s, e in by_scale(r.get("queries", {}))}
    at = 10.0 if 10.0 in q else (max(q) if q else None)
    where = "" if at == 10.0 or at is None else f" (measured at {xs(at)} only)"

    if at is not None and "queries" in q[at]:
        st = query_stats(q[at])
        proven = {**st["rd"], **st["rd_lower"]}
        worst = min(proven.items(), key=lambda kv: kv[1]) if proven else None
        n_ok = sum(1 for v in proven.values() if v >= 20)
        value = (
            f"{n_ok} of {len(proven)} queries ≥ 20×; lowest {worst[0]} "
            f"{times(worst[1], worst[0] in st['rd_lower'])}; geometric mean "
            f"{times(geomean(list(st['rd'].values())))} over those rdflib finished"
            if worst
            else "rdflib not run"
        )
        if st["over"]:
            value += f"; over budget on every engine: {', '.join(st['over'])}"
        rows.append(
            [
                "named queries at 10× ≥ 20× faster than rdflib" + where,
                value,
                verdict(worst[1], 20, lower_is_better=False) if worst else "not measured",
            ]
        )
        worst_ox = max(st["ox"].items(), key=lambda kv: kv[1]) if st["ox"] else None
        n_ok = sum(1 for v in st["ox"].values() if v <= 1.5)
        value = (
            f"{n_ok} of {len(st['ox'])} queries within 1.5×; worst {worst_ox[0]} "
            f"{times(worst_ox[1])}; geometric mean {times(geomean(list(st['ox'].values())))}"
            if worst_ox
            else "–"
        )
        rows.append(
            [
                "named queries at 10× within 1.5× of pyoxigraph" + where,
                value,
                verdict(worst_ox[1], 1.5) if worst_ox else "not measured",
            ]
        )
    else:
        rows.append(["named queries at 10× vs rdflib and pyoxigraph", "–", "not measured"])

    cold = r.get("cold", {})
    c = cold.get("alliancegraph_query_s")
    rows.append(
        [
            "cold `alliancegraph query` on the bundled graph < 0.4 s median",
            f"{secs(c)} (oxigraph CLI {secs(cold.get('oxigraph_query_s'))}, "
            f"python -c pass {secs(cold.get('python_pass_s'))})"
            if c
            else cold.get("error", "–"),
            verdict(c, 0.4),
        ]
    )

    b = {s: e["build"] for s, e in q.items()}
    b10 = b.get(10.0)
    t10 = build_total(b10) if b10 else None
    rows.append(
        [
            "build + import at 10× (about 19k members) < 30 s",
            secs(t10) if t10 is not None else (b10 or {}).get("error", "not run at 10×"),
            verdict(t10, 30),
        ]
    )
    b1 = b.get(1.0)
    if b1 and b10 and "error" not in b1 and "error" not in b10:
        data = b10["quads"] / b1["quads"]
        mem = b10["peak_rss_mb"] / b1["peak_rss_mb"]
        rows.append(
            [
                "memory grows no faster than the data (1× → 10×)",
                f"data ×{data:.1f}, peak RSS ×{mem:.1f} ({b1['peak_rss_mb']:.0f} → "
                f"{b10['peak_rss_mb']:.0f} MB)",
                verdict(mem, data),
            ]
        )
    else:
        rows.append(
            [
                "memory grows no faster than the data (1× → 10×)",
                "needs a good import at 1× and 10×",
                "not measured",
            ]
        )

    an = {s: e for s, e in by_scale(r.get("analysis", {}))}
    for scale, limit in ((1.0, 5), (10.0, 60)):
        t = analysis_total(an[scale], "auto") if scale in an else None
        rows.append([f"analyze suite at {xs(scale)} ≤ {limit} s", secs(t), verdict(t, limit)])

    v = r.get("views", {}).get("sizes", {})
    v2k = v.get("2000") or v.get(2000)
    rows.append(
        [
            "2,000-node view generated (layout included) < 3 s",
            secs(v2k["generate_s"]) if v2k else "–",
            verdict(v2k["generate_s"] if v2k else None, 3),
        ]
    )
    rows.append(
        [
            "2,000-node view interactive in the browser < 1.5 s",
            secs(v2k["stable_s"]) if v2k else "–",
            verdict(v2k["stable_s"] if v2k else None, 1.5),
        ]
    )
    return rows


def _scale_entries(r: dict) -> dict[float, dict]:
    return {s: e for s, e in by_scale(r.get("queries", {}))}


def slowest(latency: dict, key: str) -> tuple[str, float] | None:
    """The query with the largest ``key`` time, among those that answered."""
    timed = [(n, q[key]) for n, q in latency.items() if q.get(key) is not None]
    return max(timed, key=lambda kv: kv[1]) if timed else None


def beyond_rows(latency: dict, limit: float, floor: dict | None = None) -> str:
    """Why the queries over ``limit`` are over it: how many answer more rows than the server
    sends within it (``rows_alone_s``: the same rows and columns read by one pattern, no
    join) with the range of those, how many of those answers pyoxigraph alone writes in
    more than ``limit`` (``rows_alone_engine_s``: no server can meet those), and of the
    rest, how many take longer than ``limit`` on the engine alone (``floor``:
    bench_query_scale's queries, ``memory_s``: pyoxigraph in memory, no server); empty if
    no rows alone were measured."""
    over = {n: e for n, e in latency.items() if (e.get("p50_s") or 0) > limit}
    floors = [e["rows_alone_s"] for e in over.values() if e.get("rows_alone_s") is not None]
    if not floors:
        return ""
    beyond = [f for f in floors if f > limit]
    text = f"; of the {len(over)} over, {len(beyond)} answer more rows than it sends in that time"
    if beyond:
        text += f" (their rows alone, no join: {secs(min(beyond))}–{secs(max(beyond))})"
    written = [e["rows_alone_engine_s"] for e in over.values()
               if (e.get("rows_alone_engine_s") or 0) > limit]  # fmt: skip
    if written:
        text += (
            f", {len(written)} of them more than pyoxigraph itself writes in that time, in "
            f"memory in one process with no server ({secs(min(written))}–{secs(max(written))})"
        )
    if floor is not None:
        rest = [n for n, e in over.items() if not (e.get("rows_alone_s") or 0) > limit]
        engine = [n for n in rest if (floor.get(n, {}).get("memory_s") or 0) > limit]
        text += (
            f"; {len(engine)} of the other {len(rest)} take longer than that on the engine "
            "alone (pyoxigraph in memory, no server)"
        )
    return text


def targets16(r: dict) -> list[list[str]]:
    """Issue 16's targets, each met or missed with the measured figure."""
    rows: list[list[str]] = []
    q = _scale_entries(r)

    def entry(scale: float, key: str) -> dict:
        return (q.get(scale) or {}).get(key) or {}

    fl = entry(10.0, "floor").get("queries", {})
    ratios = [e["disk_s"] / e["memory_s"] for e in fl.values() if e.get("disk_s") and e["memory_s"]]
    rows.append(
        [
            "long-lived processes answer from memory, one-shot commands from disk: "
            "chosen by the figures (10×)",
            f"on-disk / in-memory p50 over {len(ratios)} queries: geometric mean "
            f"{times(geomean(ratios))}, range {times(min(ratios))}–{times(max(ratios))}"
            if ratios
            else "–",
            "**met** (memory faster)" if ratios and (geomean(ratios) or 0) > 1 else "not measured",
        ]
    )
    for scale, limit in ((10.0, 0.1), (100.0, 1.0)):
        lat = entry(scale, "serve").get("latency", {})
        worst = slowest(lat, "p50_s")
        n_ok = sum(1 for e in lat.values() if e.get("p50_s") is not None and e["p50_s"] <= limit)
        errors = sum(1 for e in lat.values() if "error" in e)
        value = (
            f"{n_ok} of {len(lat)} within; slowest {worst[0]} {secs(worst[1])}"
            + (f"; {errors} failed" if errors else "")
            + beyond_rows(lat, limit, entry(scale, "floor").get("queries", {}))
            if worst
            else "not run at " + xs(scale)
        )
        limit_text = f"{limit * 1e3:.0f} ms" if limit < 1 else f"{limit:g} s"
        status = verdict(worst[1] if worst else None, limit)
        rows.append(
            [
                f"every named and internal query p50 ≤ {limit_text} at {xs(scale)} through `serve`",
                value,
                # a failed query (the server's deadline, a refused size) is a miss too
                "**missed**" if errors and status == "**met**" else status,
            ]
        )
    b10 = entry(10.0, "build")
    t10 = build_total(b10) if b10 else None
    later = (
        f"; the on-disk store left to its first use, {secs(b10['store_first_use_s'])} then"
        if b10 and b10.get("store_deferred")
        else ""
    )
    rows.append(
        [
            "build + import at 10× ≤ 20 s",
            secs(t10) + later if t10 is not None else b10.get("error", "not run at 10×"),
            verdict(t10, 20),
        ]
    )
    rss = b10.get("peak_rss_mb")
    rows.append(
        [
            "peak RSS of build + import at 10× ≤ 1.5 GB",
            f"{rss:.0f} MB" if rss else "–",
            verdict(rss / 1024 if rss else None, 1.5),
        ]
    )
    b100 = entry(100.0, "build")
    t100 = build_total(b100) if b100 else None
    rows.append(
        [
            "build + import at 100× completes, figures recorded",
            f"{secs(t100)}, peak RSS {b100.get('peak_rss_mb', 0):.0f} MB, "
            f"{b100.get('quads') or 0:,} quads"
            if t100 is not None
            else b100.get("error", "not run at 100×"),
            "**met**" if t100 is not None else "not measured",
        ]
    )
    for where, key in (("in the API", "api_p50_s"), ("through the endpoint", "endpoint_p50_s")):
        se = entry(10.0, "serve").get("search", {})
        worst = slowest(se, key)
        rows.append(
            [
                f"find p50 ≤ 20 ms at 10× {where}",
                f"slowest of {len(se)} names: {worst[0]!r} {secs(worst[1])}" if worst else "–",
                verdict(worst[1] if worst else None, 0.02),
            ]
        )
    for scale in sorted(q):
        tp = entry(scale, "serve").get("throughput", {})
        ours, floor = tp.get("ours"), tp.get("oxigraph")
        if ours and floor and floor.get("throughput_per_s"):
            ratio = ours["throughput_per_s"] / floor["throughput_per_s"]
            # an answer refused (429, 503, a timeout) is not throughput: a run with any
            # refusal is not met, whatever its rate of successes
            failed = {k: v for k, v in ours.get("errors", {}).items() if v}
            failed |= {f"oxigraph {k}": v for k, v in floor.get("errors", {}).items() if v}
            rows.append(
                [
                    f"endpoint throughput ≥ `oxigraph serve-read-only` ({tp['clients']} clients, "
                    f"query mix, {xs(scale)})",
                    f"{ours['throughput_per_s']:.0f} vs {floor['throughput_per_s']:.0f} req/s "
                    f"({times(ratio)})"
                    + (f"; refused: {failed}" if failed else "; no request refused"),
                    "**missed** (requests refused)"
                    if failed
                    else verdict(ratio, 1.0, lower_is_better=False),
                ]
            )
    total = r.get("total_seconds")
    scales = r.get("options", {}).get("scales", [])
    if 100.0 in [float(x) for x in scales]:
        rows.append(
            [
                "`python -m benchmarks --scales 1,10,100` within an hour",
                f"{total / 60:.1f} min" if total else "–",
                verdict(total / 3600 if total else None, 1.0),
            ]
        )
    return rows


def _scale_section(qs: dict) -> list[str]:
    """Issue 16: every query in memory, on disk and through serve; search; throughput."""
    out = ["## At scale: every query, search and the endpoint (issue 16)", ""]
    entries = [(s, e) for s, e in by_scale(qs) if e.get("floor") or e.get("serve")]
    if not entries:
        return [*out, "Not run.", ""]
    out += [
        "Per scale, on the build of *Build and import*: *memory* and *disk* are pyoxigraph "
        "called directly on an in-memory `Store` loaded from the build's N-Quads and on the "
        "read-only on-disk store (`bench_query_scale`: the engine floor, p50 after a warm-up); "
        "*serve first* and *serve p50* are the same text POSTed alone to `alliancegraph serve` "
        "(`bench_scale`: the first answer, then the median of the repeats, `Cache-Control: "
        "no-cache`). *rows alone*, for a query over the target (100 ms, 1 s above 10×): the "
        "same server answering as many rows and columns read by one triple pattern, with no "
        "join, filter or order (`bench_scale.rows_alone`): the least any query with that "
        "answer takes there; where it is over the target too, no rewrite of the query meets "
        "it, only answering fewer rows or sending them faster. *rows alone, engine*: the "
        "same rows written as SPARQL-JSON by pyoxigraph itself, in memory in the benchmark's "
        "process (`bench_scale.rows_alone_engine`: no server, no copy); where that is over "
        "the target, no server on this engine meets it on this machine. "
        "Search: `g.find` in the API and `GET /search` of the same server. "
        "Throughput: the clients send a mix of named queries back to back, against our server "
        "and `oxigraph serve-read-only --union-default-graph` on a copy of the store, in the "
        "same run; RSS is the server's with its workers.",
        "",
    ]
    limits = {
        xs(sc): (e.get("floor", {}).get("one_run_s"), e.get("serve", {}).get("one_run_s"))
        for sc, e in entries
    }
    if any(f or v for f, v in limits.values()):  # runs since the slowest stopped repeating
        out += [
            "Through serve the queries go fastest-on-the-floor first. *(1 run)*: the first "
            "run was already far past the target, so it is the figure, not repeated (past "
            + "; ".join(
                f"{k}: {secs(f)} on the floor, {secs(v)} through serve"
                for k, (f, v) in limits.items()
            )
            + "); *(N runs)*: fewer repeats fitted the query's time budget.",
            "",
        ]
    for scale, e in entries:
        fl = e.get("floor", {})
        sv = e.get("serve", {})
        lat = sv.get("latency", {})
        out += [f"### {xs(scale)}: queries", ""]
        if "error" in fl or "error" in sv:
            out += _error(fl) + _error(sv)
        if fl.get("load_s") is not None:
            by = f" ({fl['load_by']})" if fl.get("load_by") else ""
            out += [f"In-memory load: {fl['quads']:,} quads in {secs(fl['load_s'])}{by}.", ""]
        if sv.get("serve_store"):
            out += [
                f"Server: listening {secs(sv.get('serve_start_s'))} after start "
                f"({sv['serve_store']}); deadline {sv.get('serve_timeout_s', 120):g} s a query."
                + "".join(f" Tried first: {f}." for f in sv.get("failed_first", [])),
                "",
            ]
        names = sorted(set(fl.get("queries", {})) | set(lat))
        reps = fl.get("reps") or sv.get("reps")
        rows = []
        for n in names:
            f, s = fl.get("queries", {}).get(n, {}), lat.get(n, {})
            rows.append(
                [
                    n,
                    f.get("rows", s.get("rows", "–")),
                    secs(f.get("memory_s")) + runs_note(f.get("memory_runs"), reps),
                    secs(f.get("disk_s"))
                    + (runs_note(f.get("disk_runs"), reps) if f.get("disk_s") else ""),
                    secs(s.get("first_s")) if "error" not in s else "failed",
                    secs(s.get("p50_s")) + runs_note(s.get("runs"), reps)
                    if "error" not in s
                    else s["error"][:60],
                    secs(s.get("rows_alone_s")) if "rows_alone_error" not in s else "failed",
                    secs(s.get("rows_alone_engine_s")),
                ]
            )
        out += table(
            ["query", "rows", "memory", "disk", "serve first", "serve p50", "rows alone",
             "rows alone, engine"],
            rows,
        )  # fmt: skip
        waits = [(n, e["waited_s"]) for n, e in lat.items() if e.get("waited_s") is not None]
        if waits:
            out += [
                "After "
                + "; ".join(f"`{n}` the next query waited {secs(w)}" for n, w in waits)
                + " for the server to replace the worker that query cost (its deadline or "
                "memory limit): a query sent meanwhile would have failed waiting for it.",
                "",
            ]
        se = sv.get("search", {})
        if se:
            out += [f"### {xs(scale)}: search", ""]
            out += table(
                ["name", "hits", "API p50", "endpoint p50"],
                [
                    [
                        f"`{t}`",
                        x.get("hits"),
                        secs(x.get("api_p50_s")),
                        secs(x.get("endpoint_p50_s")),
                    ]
                    for t, x in se.items()
                ],
            )
        tp = sv.get("throughput", {})
        if tp.get("ours"):
            out += [
                f"### {xs(scale)}: endpoint, {tp['clients']} clients, mix of "
                + ", ".join(f"`{m}`" for m in tp["mix"]),
                "",
            ]
            servers = {"ours": "alliancegraph serve", "oxigraph": "oxigraph serve-read-only"}
            out += load_table(tp, servers, rss=True)
    return out


# -- the report ----------------------------------------------------------------------------


def write_report(r: dict, path: Path, png: str | None) -> Path:
    m = r["machine"]
    opts = r.get("options", {})
    lines = ["# Benchmark results", ""]
    cmd = "python -m benchmarks" + (" --quick" if opts.get("quick") else "")
    if opts.get("budget") and not opts.get("quick") and opts["budget"] != 20:
        cmd += f" --budget {opts['budget']:g}"
    if opts.get("build_timeout") and opts["build_timeout"] != 600:
        cmd += f" --build-timeout {opts['build_timeout']:g}"
    scales = ",".join(f"{s:g}" for s in opts.get("scales", []))
    lines += [
        f"Measured {r['started']} by `{cmd} --scales {scales}` in "
        f"{r.get('total_seconds', 0) / 60:.1f} min. Medians of {opts.get('reps')} runs after "
        "a warm-up unless a row says otherwise; every baseline was measured in the same run "
        "on the same data. Regenerate with the same command (about the same time again).",
        "",
        "## Machine",
        "",
    ]
    load = f"{m['load_start'][0]} at the start, {m.get('load_end', ['?'])[0]} at the end"
    lines += table(
        ["", ""],
        [
            ["CPU", f"{m['cpu']}, {m['cores']} cores"],
            ["RAM", f"{m['ram_gib']} GiB"],
            ["OS", m["os"]],
            ["Python", m["python"]],
            ["libraries", ", ".join(f"{k} {v}" for k, v in m["versions"].items())],
            ["load average (1 min)", load],
        ],
        "ll",
    )
    if max(m["load_start"][0], m.get("load_end", [0])[0]) > (m["cores"] or 1):
        lines += [
            f"> The machine was shared while this ran (load average above its {m['cores']} "
            "cores): absolute times are inflated and noisy. The ratios, measured side by side "
            "(interleaved where both sides are fast), are the figures to trust.",
            "",
        ]
    lines += ["## Targets (issue 9)", ""]
    lines += table(["target", "measured", "status"], targets(r), "lll")
    if any(e.get("floor") or e.get("serve") for e in _scale_entries(r).values()):
        lines += ["## Targets (issue 16)", ""]
        lines += table(["target", "measured", "status"], targets16(r), "lll")
    if png:
        lines += [f"![cost against scale]({png})", ""]
    lines += _build_section(r.get("queries", {}))
    lines += _cold_section(r.get("cold", {}))
    lines += _queries_section(r.get("queries", {}))
    lines += _analysis_section(r.get("analysis", {}))
    lines += _views_section(r.get("views", {}))
    lines += _serve_section(r.get("serve", {}))
    lines += _scale_section(r.get("queries", {}))
    if LARGE_VIEWS.exists():  # measured by its own script, kept as it is
        lines += [LARGE_VIEWS.read_text(encoding="utf-8").strip(), ""]
    lines += ["## Closing note", ""]
    if NOTE.exists():
        lines += [NOTE.read_text(encoding="utf-8").strip(), ""]
    else:
        lines += ["(no closing note yet: `benchmarks/closing_note.md`)", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _error(section: dict) -> list[str]:
    return [f"Not measured: `{section['error']}`", ""] if "error" in section else []


def _build_section(qs: dict) -> list[str]:
    out = ["## Build and import", ""]
    if "error" in qs:
        return out + _error(qs)
    out += [
        "Synthetic member lists (`alliancegraph.synthetic.generate`) imported with "
        "`synthetic.import_synthetic` (entity resolution, SHACL on the new subgraph, the "
        "build) into a temporary data home and cache, in a child process whose peak RSS "
        "is read with `getrusage`. *curated build* compiles `data/` and `ontology/` "
        "(inference, SHACL; once per run, reused by every scale) before the import. "
        "Baselines from the same run: rdflib parsing "
        "the built dataset's N-Quads into a `Dataset` (its load time and its process's peak "
        "RSS). *on-disk store*: an import of a large layer leaves the build's on-disk store "
        "to its first use (`Build.store_path`; `serve` and `ag.open()` answer from memory "
        "and never need it): the time that first use took, and the process's peak RSS then.",
        "",
    ]
    rows = []
    for scale, e in by_scale(qs):
        b = e["build"]
        fallback = e.get("query_data")
        rd = e.get("rdflib", {})
        if "error" in b:
            rows.append([xs(scale), "–", "–", "–", "–", b["error"], "–", "–", "–", "–"])
            if fallback and "error" not in fallback:
                rows.append(
                    [
                        f"{xs(scale)} fallback*",
                        "–",
                        f"{fallback['quads']:,}",
                        secs(fallback["curated_build_s"]),
                        secs(fallback["import_s"]),
                        "bulk load",
                        f"{fallback['peak_rss_mb']:.0f}",
                        "–",
                        "–",
                        "–",
                    ]
                )
            continue
        c = b.get("counts", {})
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in b.get("import_steps_s", {}).items())
        rows.append(
            [
                xs(scale),
                f"{c.get('members', 0):,} / {c.get('memberships', 0):,}",
                f"{b['quads']:,}",
                secs(b["curated_build_s"]),
                f"{secs(b['import_s'])} ({steps})",
                secs(build_total(b)),
                f"{b['peak_rss_mb']:.0f}",
                f"{secs(b['store_first_use_s'])} ({b['store_first_use_peak_rss_mb']:.0f} MB)"
                if b.get("store_deferred")
                else "written by the import",
                secs(rd.get("load_s")) if "load_s" in rd else rd.get("error", "–"),
                f"{rd['peak_rss_mb']:.0f}" if "peak_rss_mb" in rd else "–",
            ]
        )
    out += table(
        [
            "scale",
            "members / memberships",
            "quads",
            "curated build",
            "import (steps)",
            "build + import",
            "peak RSS MB",
            "on-disk store",
            "rdflib load",
            "rdflib RSS MB",
        ],
        rows,
    )
    if any("query_data" in e for _, e in by_scale(qs)):
        out += [
            "\\* Where the importer failed, the queries at that scale ran on fallback data: "
            "the curated build plus `bench_analysis.synthetic_quads` (the same reported shape, "
            "generated in memory) bulk-loaded into an on-disk store, with no import checks. "
            "Its times are not import times.",
            "",
        ]
    more = [(s, e["build"]) for s, e in by_scale(qs) if "more_import_s" in e["build"]]
    if more:
        out += [
            "### One more import into the built graph",
            "",
            "The everyday case: a secretariat's member list of "
            f"{more[0][1].get('more_members') or '?'} new organisations imported into the "
            "graph just built (`bench_queries._one_more`). Our "
            "import appends its layer to a hard-linked checkpoint of the built store "
            "(`appended`); the baseline is a full rebuild of the same inputs "
            "(`build(force=True)`), timed in the same child (up to 10×). *next import*: "
            "one more list of the same size into the graph that import made. The first reads "
            "what the resolver needs of the large graph (the `imports-index-*` queries) and "
            "keeps it with the build it makes, where the next finds it "
            "(`members.resolver.carry_rows`).",
            "",
        ]

        def steps(b: dict, key: str) -> str:
            return ", ".join(f"{k} {v:.1f} s" for k, v in b.get(key, {}).items())

        rows = [
            [
                xs(scale),
                secs(b["more_import_s"]),
                steps(b, "more_import_steps_s"),
                "yes" if b.get("more_appended") else "no (full build)",
                secs(b.get("more_full_rebuild_s")),
                times(b["more_full_rebuild_s"] / b["more_import_s"])
                if b.get("more_full_rebuild_s")
                else "–",
                secs(b.get("next_import_s")),
                steps(b, "next_import_steps_s") or "–",
            ]
            for scale, b in more
        ]
        out += table(
            ["scale", "import", "steps", "appended", "full rebuild", "rebuild / import",
             "next import", "its steps"], rows,
        )  # fmt: skip
    good = [(s, e["build"]) for s, e in by_scale(qs) if "error" not in e["build"]]
    if len(good) > 1:
        (s0, b0), (s1, b1) = good[0], good[-1]
        out += [
            f"From {xs(s0)} to {xs(s1)}: data ×{b1['quads'] / b0['quads']:.1f} (quads), "
            f"build + import ×{build_total(b1) / build_total(b0):.1f}, peak RSS "
            f"×{b1['peak_rss_mb'] / b0['peak_rss_mb']:.1f}.",
            "",
        ]
    return out


def _cold_section(c: dict) -> list[str]:
    out = ["## Cold start of `alliancegraph query`", ""]
    if "error" in c or not c:
        return out + (_error(c) or ["Not run.", ""])
    ours = c["alliancegraph_query_s"]
    out += [
        f"A fresh process per run, the bundled graph already built (first build "
        f"{secs(c['first_build_s'])}), median of {c['runs']} after a warm-up, which also "
        "caches the modules' bytecode as any install does (`PYTHONPYCACHEPREFIX` in the run's "
        "temporary folder; without it every run compiles 74 modules from source); the "
        "`oxigraph` CLI queries a copy of the same store.",
        "",
    ]
    rows = [
        ["`alliancegraph query --format json …`", secs(ours), "1×"],
        [
            "`python -c pass` (interpreter floor)",
            secs(c["python_pass_s"]),
            times(c["python_pass_s"] / ours),
        ],
        [
            "`oxigraph query` (engine CLI floor)",
            secs(c["oxigraph_query_s"]),
            times(c["oxigraph_query_s"] / ours),
        ],
    ]
    return out + table(["command", "median", "of ours"], rows)


def _queries_section(qs: dict) -> list[str]:
    out = ["## Named queries: our API, pyoxigraph directly, rdflib", ""]
    if "error" in qs:
        return out + _error(qs)
    out += [
        "Every query of `src/alliancegraph/queries/` with the same SPARQL text on each engine "
        "(prefixes declared, parameters in a VALUES block): *ours* is "
        "`AllianceGraph.named(...)` (rows materialised as a `QueryResult`); *pyoxigraph* is "
        "`Store.query` on the same read-only store, rows iterated into tuples; *rdflib* is an "
        "in-memory `Dataset(default_union=True)` parsed from the same N-Quads, result rows "
        'fully iterated, each query in a forked child with a budget ("> N s" = killed '
        "there; 30× our time, at least 5 s and at most `--budget`: enough to decide the 20× "
        "target, the ratio then a lower bound). Ours and pyoxigraph run interleaved. "
        "Queries without a required parameter run unbound, over the whole graph; "
        "`entity-facts` asks about 重庆材料研究院 and `organisations-by-type` about "
        "ag:University.",
        "",
    ]
    for scale, e in by_scale(qs):
        if "queries" not in e:
            continue
        st = query_stats(e)
        data = e["query_data"] if "query_data" in e else e["build"]
        tag = " (fallback data, see above)" if "query_data" in e else ""
        out += [f"### {xs(scale)}: {data['quads']:,} quads{tag}", ""]
        rows = []
        tot = {"ours": 0.0, "ox": 0.0, "rd": 0.0}
        for name, q in e["queries"].items():
            if q.get("ours_s") is None:
                rows.append(
                    [name, "–", secs(None, q["over"]), secs(None, q["over"]), "not run", "–", "–"]
                )
                continue
            rd, over = q.get("rdflib_s"), q.get("rdflib_over")
            tot["ours"] += q["ours_s"]
            tot["ox"] += q["pyoxigraph_s"]
            tot["rd"] += rd or over or 0
            runs = f" ({q['runs']} run{'s' * (q['runs'] > 1)})" if q.get("runs") else ""
            rows.append(
                [
                    name,
                    f"{q['rows']:,}",
                    secs(q["ours_s"]) + runs,
                    secs(q["pyoxigraph_s"]),
                    secs(rd, over) if (rd or over) else "–",
                    times(st["ox"].get(name)),
                    times(st["rd"].get(name) or st["rd_lower"].get(name), name in st["rd_lower"]),
                ]
            )
        rd_total = f"≥ {secs(tot['rd'])}" if st["rd_lower"] else secs(tot["rd"])
        rows.append(
            [
                "**all**",
                "",
                secs(tot["ours"]),
                secs(tot["ox"]),
                rd_total,
                times(tot["ours"] / tot["ox"]) if tot["ox"] else "–",
                times(tot["rd"] / tot["ours"], bool(st["rd_lower"]))
                if tot["ours"] and tot["rd"]
                else "–",
            ]
        )
        out += table(
            ["query", "rows", "ours", "pyoxigraph", "rdflib", "ours / pyoxigraph", "rdflib / ours"],
            rows,
        )
        rdi = e.get("rdflib", {})
        if "error" in rdi:
            out += [f"rdflib: {rdi['error']}", ""]
        elif "load_s" in rdi:
            out += [
                f"rdflib parsed {rdi.get('triples', 0):,} quads in {secs(rdi['load_s'])} "
                f"(peak RSS {rdi['peak_rss_mb']:.0f} MB). Median fixed cost of our layer "
                f"over pyoxigraph: {secs(st['overhead_s'])} per query.",
                "",
            ]
    return out


def _analysis_section(an: dict) -> list[str]:
    out = ["## Analyze suite", ""]
    if "error" in an:
        return out + _error(an)
    out += [
        "Every `analyze` question through the public API (`bench_analysis.suite`) on the "
        "bundled graph plus a synthetic alliance system in memory (`bench_analysis."
        'synthetic_quads`), with `engine="auto"` (igraph where installed) and, as the '
        "baseline, networkx only (at 1×; it takes many minutes at 10×). One run per step "
        "(each step is seconds long; the suite as a whole is what the target times).",
        "",
    ]
    for scale, e in by_scale(an):
        if "skipped" in e:
            out += [f"### {xs(scale)}: skipped ({e['skipped']})", ""]
            continue
        out += [
            f"### {xs(e.get('scale_used', scale))}: {e['quads']:,} quads; co-membership "
            f"{e['orgs']:,} organisations, {e['edges']:,} edges",
            "",
        ]
        fast, base = e["auto"], e.get("networkx")
        rows = []
        for step, s in fast["times"].items():
            b = base["times"].get(step) if base else None
            rows.append(
                [
                    step,
                    secs(s),
                    secs(b) if b else "–",
                    times(b / s) if b else "–",
                    fast.get("notes", {}).get(step, ""),
                ]
            )
        ta, tb = analysis_total(e, "auto"), analysis_total(e, "networkx")
        rows.append(
            ["**suite**", secs(ta), secs(tb) if tb else "–", times(tb / ta) if tb else "–", ""]
        )
        out += table(
            ["step", "auto (igraph)", "networkx only", "speed-up", "method"], rows, "lrrrl"
        )
    return out


def _views_section(v: dict) -> list[str]:
    out = ["## Network views", ""]
    if "error" in v or not v:
        return out + (_error(v) or ["Not run.", ""])
    out += [
        "`views.render` on a scale-free organisation graph (layout included), then headless "
        "Chromium (network cut) from navigation start to the first frame after physics is "
        f"off. Floor: an empty view, stable in {secs(v['floor_s'])} (parsing the inlined "
        "vis-network script). Baseline: pyvis's own page for the same graph "
        '(`cdn_resources="in_line"`, default physics), capped.',
        "",
    ]
    rows = []
    for n, e in sorted(v["sizes"].items(), key=lambda kv: int(kv[0])):
        py = e.get("pyvis_s")
        cap = e.get("pyvis_timeout")
        pys = secs(py) if py else (f"> {cap:g} s" if cap else "not run")
        ratio = (
            times(py / e["stable_s"]) if py else (times(cap / e["stable_s"], True) if cap else "–")
        )
        rows.append(
            [
                f"{int(n):,}",
                f"{e['edges']:,}",
                secs(e["generate_s"]),
                secs(e["stable_s"]),
                times(e["stable_s"] / v["floor_s"]),
                e["kib"],
                "bounded, then off" if e["physics"] else "off (positions)",
                e["external_requests"],
                pys,
                ratio,
            ]
        )
    return out + table(
        [
            "nodes",
            "edges",
            "generate",
            "stable",
            "× floor",
            "KiB",
            "physics",
            "external requests",
            "pyvis stable",
            "pyvis / ours",
        ],
        rows,
        "rrrrrrlrrr",
    )


def _serve_section(s: dict) -> list[str]:
    out = ["## SPARQL endpoint under load", ""]
    if "error" in s or not s:
        return out + (_error(s) or ["Not run.", ""])
    out += [
        f"{s['clients']} concurrent keep-alive clients POSTing a mix of named queries "
        f"({s['query']}; `bench_serve.MIX`, some with a parameter) in turn for "
        f"{s['duration_s']:g} s each (after one untimed request per client), on the "
        "bundled graph. *pool* is `alliancegraph serve` as shipped (worker processes, each "
        "query under a deadline, whole answers kept per build); *per-query fork* is the "
        "same server with each query in a freshly forked child (`bench_serve`'s "
        "baseline); *oxigraph* is `oxigraph serve-read-only` on a copy of the same "
        "store (the engine's own floor, no deadlines, no limits).",
        "",
    ]
    names = {
        "pool": "alliancegraph serve (pool)",
        "baseline": "per-query fork",
        "oxigraph": "oxigraph serve-read-only",
    }
    return out + load_table(s, names)


def load_table(runs: dict, names: dict[str, str], rss: bool = False) -> list[str]:
    """One row per server of ``names`` that ``runs`` holds (``bench_serve.load``'s figures,
    and the server's resident memory if ``rss``)."""
    rows = []
    for key, label in names.items():
        e = runs.get(key)
        if not e:
            continue
        row = [
            label,
            e["requests"],
            sum(e["errors"].values()),
            f"{e['throughput_per_s']:.1f}",
            f"{e['p50_ms']:.1f}" if e["p50_ms"] else "–",
            f"{e['p99_ms']:.1f}" if e["p99_ms"] else "–",
        ]
        if rss:
            row.append(f"{e['rss_mb']:.0f}" if e.get("rss_mb") else "–")
        rows.append(row)
    header = ["server", "requests", "errors", "req/s", "p50 ms", "p99 ms"]
    return table([*header, "RSS MB"] if rss else header, rows)


# -- the plot ------------------------------------------------------------------------------


def write_plot(r: dict, path: Path) -> Path | None:
    """Cost against scale, log-log: time (left) and peak memory (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    qs = by_scale(r.get("queries", {})) if "error" not in r.get("queries", {}) else []
    an = by_scale(r.get("analysis", {})) if "error" not in r.get("analysis", {}) else []
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.5))
    series: dict[str, tuple[list, list, dict]] = {}

    def add(name, x, y, **style):
        if y is None:
            return
        series.setdefault(name, ([], [], style))
        series[name][0].append(x)
        series[name][1].append(y)

    for scale, e in qs:
        add("build + import (ours)", scale, build_total(e["build"]), color="C0", marker="o")
        err = e["build"].get("error", "")
        if err.startswith("> ") and "stopped" in err:  # over budget: a lower bound
            add(
                "build + import: stopped at the budget (≥)",
                scale,
                float(err.split()[1]),
                color="C0",
                marker="^",
                linestyle="none",
            )
        if "queries" in e:
            q = e["queries"].values()
            done = [v for v in q if v.get("ours_s") is not None]
            add(
                "all named queries: ours",
                scale,
                sum(v["ours_s"] for v in done),
                color="C1",
                marker="s",
            )
            add(
                "all named queries: pyoxigraph",
                scale,
                sum(v["pyoxigraph_s"] for v in done),
                color="C2",
                marker="^",
                linestyle="--",
            )
            if any(v.get("rdflib_s") or v.get("rdflib_over") for v in done):
                add(
                    "all named queries: rdflib (≥, budget-capped)",
                    scale,
                    sum(v.get("rdflib_s") or v.get("rdflib_over") or 0 for v in done),
                    color="C3",
                    marker="v",
                )
        rd = e.get("rdflib", {})
        add(
            "rdflib load (baseline)", scale, rd.get("load_s"), color="C3", marker="x", linestyle=":"
        )
    for scale, e in an:
        if "auto" in e:
            add(
                "analyze suite (auto/igraph)",
                e.get("scale_used", scale),
                analysis_total(e, "auto"),
                color="C4",
                marker="D",
            )
        if "networkx" in e:
            add(
                "analyze suite (networkx only)",
                e.get("scale_used", scale),
                analysis_total(e, "networkx"),
                color="C4",
                marker="d",
                linestyle=":",
            )
    for name, (x, y, style) in series.items():
        ax.plot(x, y, label=name, **{"linestyle": "-", **style})
    for scale, e in qs:
        b = e["build"]
        if "peak_rss_mb" in b:
            series.setdefault("mem-ours", ([], [], {}))
            series["mem-ours"][0].append(scale)
            series["mem-ours"][1].append(b["peak_rss_mb"])
        rd = e.get("rdflib", {})
        if "peak_rss_mb" in rd:
            series.setdefault("mem-rdflib", ([], [], {}))
            series["mem-rdflib"][0].append(scale)
            series["mem-rdflib"][1].append(rd["peak_rss_mb"])
    if "mem-ours" in series:
        x, y, _ = series["mem-ours"]
        bx.plot(x, y, "o-", color="C0", label="build + import: peak RSS")
        good = [(s, e["build"]) for s, e in qs if "quads" in e["build"]]
        if good:
            _s0, b0 = good[0]
            bx.plot(
                [s for s, _ in good],
                [b0["peak_rss_mb"] * b["quads"] / b0["quads"] for _, b in good],
                ":",
                color="grey",
                label="growing as fast as the data (quads)",
            )
    fb = [(s, e["query_data"]) for s, e in qs if "peak_rss_mb" in e.get("query_data", {})]
    if fb:
        bx.plot(
            [s for s, _ in fb],
            [d["peak_rss_mb"] for _, d in fb],
            "s",
            color="C0",
            mfc="none",
            label="fallback bulk load (no import): peak RSS",
        )
    if "mem-rdflib" in series:
        x, y, _ = series["mem-rdflib"]
        bx.plot(x, y, "x:", color="C3", label="rdflib Dataset loaded: peak RSS")
    for a, title, unit in (
        (ax, "time against scale", "seconds"),
        (bx, "peak memory against scale", "MB (peak RSS)"),
    ):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("× the reported scale (24 alliances, 1,934 members)")
        a.set_ylabel(unit)
        a.set_title(title)
        a.grid(True, which="both", alpha=0.3)
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=7)
    fig.suptitle(f"alliancegraph benchmarks, {r['started'][:10]}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
