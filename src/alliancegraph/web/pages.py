"""The explorer: server-rendered pages over the same graph as ``/sparql``.

Home (reported figures beside what the graph counts), search, entity, alliance and query
pages, and the embedded network views. Every page is rendered by Jinja2 with autoescape
on, so a label such as ``<img src=x onerror=alert(1)>`` is shown as text; every asset is
served from ``/static``; the pages' own scripts come from there too, and a
Content-Security-Policy forbids any other origin. Must never build markup by pasting
strings, and never run a query on the event loop (everything goes through the engine).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import AllianceGraphError, AmbiguousEntity, QuerySyntaxError, UnknownEntity
from ..namespaces import AGR, shorten
from . import data
from .data import Cell, cell, entity_href
from .protocol import status_of

if TYPE_CHECKING:
    from .engine import Engine

T = TypeVar("T")

HERE = Path(__file__).resolve().parent

#: Pages may load only from this server; views (self-contained HTML) may load nothing.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
VIEW_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
)

#: Rows shown in a page's results table (downloads carry the whole result).
SHOWN_ROWS = 500

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# -- rendering ------------------------------------------------------------------------------


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/name`` with the strict CSP."""
    context.setdefault("title", "")
    context.setdefault("q", "")
    html = _env.get_template(name).render(request=request, nav=context.pop("nav", ""), **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


def error_page(request: Request, error: Exception, status: int | None = None) -> HTMLResponse:
    return render(
        request, "error.html", status=status or status_of(error), title="error",
        message=str(error), search="", search_href="",
    )  # fmt: skip


def not_found(request: Request, iri: str) -> HTMLResponse:
    """404 for an entity or alliance page: what was asked for, and a search box holding
    the words of its slug (``no-such-thing`` -> "no such thing") to find it by name."""
    tail = iri[len(AGR) :] if iri.startswith(AGR) else iri.rstrip("/#").rsplit("/", 1)[-1]
    words = " ".join(tail.replace("_", "-").split("-")).strip()
    return render(
        request, "error.html", status=404, title="not found",
        message=f"没有这个实体 · No entity at {iri}",
        search=words, search_href="/search?" + urlencode({"q": words}),
    )  # fmt: skip


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def run(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run blocking work through the app's engine (worker thread, deadline)."""
    return await engine_of(request).run(fn, *args)


# -- pages ------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    """Reported figures beside what the graph knows, and the alliances."""
    try:
        overview = await run(request, data.overview, engine_of(request).graph)
    except AllianceGraphError as e:
        return error_page(request, e)
    return render(request, "home.html", nav="home", **overview)


async def search_page(request: Request) -> Response:
    """Entities by zh/en name, alias or pinyin (``g.find``), best first."""
    q = request.query_params.get("q", "").strip()
    matches = []
    if q:
        try:
            matches = await run(request, engine_of(request).graph.find, q, 50)
        except AllianceGraphError as e:
            return error_page(request, e)
    rows = [{**m.to_dict(), "href": entity_href(m.iri)} for m in matches]
    return render(request, "search.html", nav="search", title=q or "search", q=q, rows=rows)


async def entity_page(request: Request) -> Response:
    """Labels, aliases, types, every fact with its evidence and source, and the ego view."""
    slug = request.path_params.get("slug")
    iri = AGR + slug if slug else request.query_params.get("iri", "")
    if not iri:
        return RedirectResponse("/search", status_code=303)
    try:
        d = await run(request, engine_of(request).graph.describe, f"<{iri}>")
    except UnknownEntity:
        return not_found(request, iri)
    except AmbiguousEntity as e:  # pragma: no cover - an IRI is never ambiguous
        return error_page(request, e, 400)
    except AllianceGraphError as e:
        return error_page(request, e)
    facts = [
        {
            "direction": f.direction,
            "predicate": f.predicate_label or f.predicate,
            "predicate_iri": f.predicate,
            "other": cell(f.other, f.other_label),
            "evidence": f.evidence,
            "source": f.source_label or (shorten(f.source) if f.source else None),
            "source_href": entity_href(f.source) if f.source else None,
            "inferred": f.inferred,
        }
        for f in d.facts
    ]
    is_alliance = "ag:Alliance" in d.types
    return render(
        request,
        "entity.html",
        title=d.label,
        d=d,
        facts=facts,
        quoted=sum(1 for f in facts if f["evidence"]),
        alliance_href=("/alliance/" + iri[len(AGR) :]) if is_alliance and slug else None,
        view_src=await view_src(request, "ego", iri),
    )


async def alliance_page(request: Request) -> Response:
    """An alliance: members by type and role, what it produced, and the alliance view."""
    engine = engine_of(request)
    iri = AGR + request.path_params["slug"]
    try:
        a = await run(request, data.alliance, engine.graph, iri, engine.cache)
    except UnknownEntity:
        return not_found(request, iri)
    except AllianceGraphError as e:
        return error_page(request, e)
    return render(
        request,
        "alliance.html",
        nav="alliances",
        title=a["label"],
        a=a,
        view_src=await view_src(request, "alliance", iri),
        charts=[
            {"href": f"/view/{k}?" + urlencode({"iri": iri}), "kind": k}
            for k in data.CHART_KINDS
        ] if data.views_available() else [],
    )


async def alliances_page(request: Request) -> Response:
    try:
        rows = await run(request, data.alliances, engine_of(request).graph)
    except AllianceGraphError as e:
        return error_page(request, e)
    return render(request, "alliances.html", nav="alliances", title="联盟 alliances", rows=rows)


async def query_page(request: Request) -> Response:
    """The editor, the named queries as examples, and the result of the query in the URL."""
    engine = engine_of(request)
    params = request.query_params
    text = params.get("query", "")
    name = params.get("name", "")
    example = None
    error = None
    error_context = None  # a syntax error's line with a caret under what was found
    result = None
    try:
        library = await run(request, data.examples_for_page, engine.graph)
    except AllianceGraphError as e:
        library, error = [], str(e)
    if name and error is None:
        example = next((ex for ex in library if ex["name"] == name), None)
        if example is None:
            error = f"no named query {name!r}"
        else:
            values = {p["name"]: params.get("p." + p["name"], "") for p in example["params"]}
            example = {**example, "values": values}
            missing = [
                p["name"] for p in example["params"] if p["required"] and not values[p["name"]]
            ]
            if not text:
                try:
                    text = await run(
                        request, data.example_text, engine.graph, name, values, not missing
                    )
                except AllianceGraphError as e:
                    error = str(e)
            if missing and error is None and not params.get("query"):
                error = f"give a value for {', '.join(missing)} and run"
    if text and error is None:
        try:
            result = await run(request, engine.query, text)
        except QuerySyntaxError as e:
            error, error_context = e.headline, e.context
        except AllianceGraphError as e:
            error = str(e)
    table = data.result_table(result, SHOWN_ROWS) if result is not None else None
    links: dict[str, Any] = {}
    if text:
        formats = [("csv", "CSV"), ("json", "JSON")]
        if table and table["kind"] == "graph":
            formats = [("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD")]
        links = {
            "share": "/query?" + urlencode({"query": text}),
            "downloads": [
                {
                    "id": f"download-{fmt}",
                    # CSV for spreadsheets (formula-like cells escaped); /sparql's is exact
                    "href": "/query.csv?" + urlencode({"query": text})
                    if fmt == "csv"
                    else "/sparql?" + urlencode({"query": text, "format": fmt}),
                    "file": f"results.{fmt}",
                    "label": label,
                }
                for fmt, label in formats
            ],
        }
        if table and table.get("pairs"):
            links["graph"] = "/view/results?" + urlencode({"query": text})
    return render(
        request,
        "query.html",
        nav="query",
        title="SPARQL",
        text=text,
        example=example,
        examples=library,
        error=error,
        error_context=error_context,
        warnings=result.warnings if result is not None else [],
        table=table,
        links=links,
        endpoint="/sparql",
    )


async def query_csv(request: Request) -> Response:
    """The query page's CSV download: the rows of ``?query=`` (under the endpoint's
    deadline and row cap) as CSV for spreadsheets, every cell a spreadsheet would run as a
    formula escaped with a leading ``'``. ``/sparql`` answers ``text/csv`` in the exact
    W3C form."""
    text = request.query_params.get("query", "")
    if not text.strip():
        return Response("error: no query given\n", status_code=400, media_type="text/plain")
    try:
        result = await run(request, engine_of(request).query, text)
    except AllianceGraphError as e:
        return Response(f"error: {e}\n", status_code=status_of(e), media_type="text/plain")
    return Response(
        result.spreadsheet_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="results.csv"'},
    )


async def view_src(request: Request, kind: str, iri: str) -> str | None:
    """The ``/view/…`` address of a network view of ``iri``, or None where there is no
    view to show (views not installed, or the entity is not part of the network, such as a
    source document). The view is built here, cached, and served from the cache to the
    iframe, so the page never embeds an error."""
    if not data.views_available():
        return None
    engine = engine_of(request)
    try:
        await run(request, data.view_html, engine.graph, engine.cache, kind, iri)
    except AllianceGraphError:
        return None
    return f"/view/{kind}?" + urlencode({"iri": iri})


async def view(request: Request) -> Response:
    """A self-contained network view (``g.view``), loaded in a sandboxed iframe."""
    engine = engine_of(request)
    kind = request.path_params["kind"]
    try:
        if kind == "results":
            html = await run(
                request, data.results_view, engine.graph, engine.cache, engine.query,
                request.query_params["query"],
            )  # fmt: skip
        else:
            html = await run(
                request, data.view_html, engine.graph, engine.cache, kind,
                request.query_params["iri"],
            )  # fmt: skip
    except KeyError:
        return Response("error: missing iri or query\n", status_code=400, media_type="text/plain")
    except AllianceGraphError as e:
        return error_page(request, e)
    return HTMLResponse(html, headers={"Content-Security-Policy": VIEW_CSP})


async def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def routes() -> list[Route]:
    return [
        Route("/", home, name="home"),
        Route("/search", search_page, name="search"),
        Route("/entity", entity_page, name="entity_iri"),
        Route("/entity/{slug}", entity_page, name="entity"),
        Route("/alliances", alliances_page, name="alliances"),
        Route("/alliance/{slug}", alliance_page, name="alliance"),
        Route("/query", query_page, name="query_page"),
        Route("/query.csv", query_csv, name="query_csv"),
        Route("/view/{kind}", view, name="view"),
        Route("/favicon.ico", favicon),
    ]


__all__ = ["Cell", "cell", "entity_href", "routes"]
