"""Issue 16's figures at one scale, on one build: each query through ``alliancegraph serve``,
search in the API and through the endpoint, and the endpoint under 20 clients side by side
with ``oxigraph serve-read-only`` on a copy of the same store.

``bench_queries`` makes the build (generate + import in a child, peak RSS) and times the
named queries on our API, pyoxigraph and rdflib; ``bench_query_scale`` times every named and
internal query on pyoxigraph in memory (the engine floor) and on the on-disk store. This
module adds what only a running server shows:

- **latency through serve**: every named and internal query (``bench_query_scale.queries``,
  the same texts the engine floor is timed on) POSTed to ``/sparql`` one at a
  time, the first answer (nothing cached) and the median of the repeats (none for a query
  whose first answer is already far past the target), fastest on the floor first, and
  after a query that cost the server a worker, the next only once it answers again;
- **search**: ``find`` p50 for a few names (pinyin, Chinese, an English substring) in the
  API and through ``/search`` of the same server;
- **throughput**: ``clients`` keep-alive clients sending a mix of named queries back to back,
  against our server and against ``oxigraph serve-read-only --union-default-graph`` on a
  copy of the build's store, in the same run; the servers' resident memory beside it.

The server is the real command (``alliancegraph serve --port 0``) with the build's cache and
data home in its environment, so it opens exactly the build measured. Loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Names a user searches for: pinyin of 重庆邮电大学, Chinese, an English substring, a
#: synthetic firm's name part (at scale most entities are imported organisations).
SEARCH_TERMS = ["cqupt", "重庆邮电大学", "chongqing", "物联网", "materials"]

#: The server's caps here: far above any answer of the benchmark (the internal queries read
#: up to 1.7 M rows, 0.8 GB of JSON, at 100×), so every query is timed on its whole answer.
#: ``serve``'s defaults (100,000 rows, 50 MB) would cut the largest and time a part; a cut
#: answer is recorded as an error, never as a time (:func:`latency`).
MAX_ROWS = 1_000_000_000
MAX_RESPONSE_BYTES = 1 << 40


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (a server's query workers), in MB."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return None
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.Error):
            total += q.memory_full_info().uss if q is not p else q.memory_info().rss
    return total / 2**20


@contextlib.contextmanager
def ours(
    cache: Path,
    home: Path,
    workers: int = 4,
    memory_budget: int | None = None,
    wait: float = 900,
    timeout: float = 120,
    clients: int = 20,
    store: str | None = None,
) -> Iterator[tuple[str, int, str, float]]:
    """``alliancegraph serve`` on a free port, answering from the build in ``cache`` with the
    imports of ``home`` (``workers`` query workers; ``memory_budget`` MB for their in-memory
    copies, else the default; ``timeout`` seconds per query); yields (base URL, pid, the
    store line it printed, seconds until it listened) and stops it afterwards.

    Admission is opened to ``clients`` (``--per-client``, ``--queue``), which all come from
    127.0.0.1, as ``bench_serve`` does: the figures measure answering, not the fairness
    policy (with the default of 2 queries per client, 18 of 20 local clients get 429).
    Its output goes to files, not pipes, so a chatty server never blocks on a full pipe."""
    env = {
        **os.environ,
        "ALLIANCEGRAPH_CACHE": str(cache),
        "ALLIANCEGRAPH_DATA": str(home),
        "ALLIANCEGRAPH_HOME": str(ROOT),
    }
    cmd = [sys.executable, "-m", "alliancegraph.cli", "serve", "--port", "0"]
    cmd += ["--workers", str(workers), "--timeout", f"{timeout:g}"]
    cmd += ["--per-client", str(max(clients, 2)), "--queue", str(max(clients, 2))]
    cmd += ["--max-rows", str(MAX_ROWS), "--max-response-bytes", str(MAX_RESPONSE_BYTES)]
    if memory_budget:
        cmd += ["--memory-budget", str(memory_budget)]
    if store:
        cmd += ["--store", store]
    logs = Path(tempfile.mkdtemp(prefix="alliancegraph-serve-"))
    out_path, err_path = logs / "stdout", logs / "stderr"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
    try:
        base, store = None, ""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and proc.poll() is None:
            for line in out_path.read_text(encoding="utf-8").splitlines():
                if line.startswith("alliancegraph explorer: "):
                    base = line.split(": ", 1)[1].strip().rstrip("/")
                if base and line.startswith("store"):  # the last line before it listens
                    store = line.strip()
            if base and store:
                break
            time.sleep(0.2)
        started = time.perf_counter() - t0
        if not (base and store):
            why = "exited" if proc.poll() is not None else f"not listening after {wait:.0f} s"
            tail = err_path.read_text(encoding="utf-8", errors="replace")[-500:]
            raise RuntimeError(f"alliancegraph serve did not start ({why}): {tail}")
        yield base, proc.pid, store, started
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(logs, ignore_errors=True)


#: a trivial query: answered once the server has a worker for the client again
PROBE = "ASK {}"


def _lost_worker(status: int, text: str) -> bool:
    """Whether an error answer cost the server a worker (killed at the deadline, or ended
    by its memory limit), which it then reloads: slow at scale."""
    return status == 503 and ("deadline" in text or "memory" in text)


def _recover(c, url: str, headers: dict, wait: float) -> float:
    """Seconds until the server answers :data:`PROBE` again (at most ``wait``). The query
    after one that cost a worker would otherwise wait for the replacement's reload and
    fail at the deadline, and so would every query after it while it reloads."""
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < wait:
        try:
            if c.post(url, data={"query": PROBE}, headers=headers).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)  # refused at once (not waiting for a worker): not in a busy loop
    return time.perf_counter() - t0


def latency(
    url: str,
    texts: dict[str, str],
    reps: int,
    timeout: float = 120,
    spend: float = 10,
    far: float = 1.0,
    order: list[str] | None = None,
    recover: float = 900,
    client=None,
) -> dict:
    """Each query POSTed alone ``1 + reps`` times: the first answer's time (nothing cached
    yet), the median of the repeats, the row count and ``runs``; an error (the server's
    ``timeout`` included) is recorded, not raised, and so is an answer the server cut at its
    caps (``X-Result-Truncated``, or the note ending a long one): its time is that of part
    of the answer. A query whose first answer took over
    ``far`` seconds (far past the target: missed however often it is repeated) or
    ``spend`` / 2 is not repeated (its p50 is that answer, ``runs`` 1); others stop
    repeating once they have one repeat and have taken ``spend`` seconds.

    ``order``: the names in the order to send them (the rest after, as given), the
    fastest first, so that a query that costs the server a worker (its deadline, its
    memory) comes late; after one, the next waits until the server answers again (at
    most ``recover`` seconds, recorded as ``waited_s`` on the query that cost it).
    ``client``: an ``httpx.Client`` to use (tests); the result keeps the order of
    ``texts``."""
    import httpx

    from alliancegraph.store.remote import answer_cut
    from alliancegraph.store.transport import Response

    out: dict[str, dict] = {}
    headers = {"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"}
    sequence = [n for n in order or [] if n in texts]
    sequence += [n for n in texts if n not in sequence]
    with contextlib.ExitStack() as stack:
        c = client or stack.enter_context(httpx.Client(timeout=timeout + 30))
        for i, name in enumerate(sequence):
            text = texts[name]
            times: list[float] = []
            rows, columns = None, 0
            try:
                for _ in range(1 + reps):
                    t = time.perf_counter()
                    r = c.post(url, data={"query": text}, headers=headers)
                    took = time.perf_counter() - t
                    if r.status_code != 200:
                        out[name] = {"error": f"HTTP {r.status_code}: {r.text[:200]}"}
                        if _lost_worker(r.status_code, r.text) and i + 1 < len(sequence):
                            out[name]["waited_s"] = _recover(c, url, headers, recover)
                        break
                    cut = answer_cut(Response(200, "", r.content, headers=dict(r.headers)))
                    if cut:
                        out[name] = {"error": f"cut by the server ({cut})"}
                        break
                    rows, columns = _count(r.content)
                    times.append(took)
                    if times[0] > min(far, spend / 2) or (len(times) >= 2 and sum(times) > spend):
                        break  # slow: one answer (or one repeat) says it
            except httpx.HTTPError as e:
                out[name] = {"error": f"{type(e).__name__}: {e}"[:200]}
            if name in out:
                continue
            rest = times[1:] or times
            out[name] = {
                "first_s": times[0],
                "p50_s": statistics.median(rest),
                "rows": rows,
                "columns": columns,
                "runs": len(rest),
            }
    return {n: out[n] for n in texts if n in out}


def _count(body: bytes) -> tuple[int, int]:
    """Rows (1 for ASK) and columns of a SPARQL-JSON answer, read by pyoxigraph one row
    at a time: a whole answer of a million rows as Python objects would take gigabytes."""
    import pyoxigraph as ox

    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(answer, ox.QueryBoolean):
        return 1, 0
    return sum(1 for _ in answer), len(answer.variables)


def rows_alone_text(rows: int, columns: int) -> str:
    """A query answering ``rows`` rows of ``columns`` terms read by one triple pattern,
    with no join, no filter and no order: the least any query with that answer can take
    through the same server, whatever its shape (the rest is the engine's join work)."""
    names = ["?s", "?p", "?o"]
    cols = [names[i] if i < 3 else f"({names[i % 3]} AS ?c{i + 1})" for i in range(columns)]
    return f"SELECT {' '.join(cols)} WHERE {{ ?s ?p ?o }} LIMIT {rows}"


def rows_alone(url: str, lat: dict, target: float, reps: int, **kw) -> None:
    """For each query of ``lat`` (:func:`latency`'s result) over ``target``: the p50 of
    :func:`rows_alone_text` with its rows and columns, through the same server, as
    ``rows_alone_s`` (``kw``: :func:`latency`'s options). Over the target too, no rewrite
    of that query can meet it on this server: its answer alone takes longer. One that
    failed is ``rows_alone_error``."""
    slow = {
        n: rows_alone_text(e["rows"], e["columns"])
        for n, e in lat.items()
        if (e.get("p50_s") or 0) > target and e.get("rows") and e.get("columns")
    }
    for name, e in latency(url, slow, reps, **kw).items():
        if "p50_s" in e:
            lat[name]["rows_alone_s"] = e["p50_s"]
        elif "error" in e:
            lat[name]["rows_alone_error"] = e["error"]


def rows_alone_engine(store, lat: dict, reps: int = 5) -> None:
    """For each query of ``lat`` whose rows alone were timed (:func:`rows_alone`): the same
    rows written as SPARQL-JSON by pyoxigraph itself, in memory in this process (``store``:
    the API's in-memory copy), as ``rows_alone_engine_s``: the least time any server on
    this engine needs for that answer, with no server, no join and no copy. Over the
    target too, no server on this engine can meet it on this machine."""
    import pyoxigraph as ox
    from bench_query_scale import timed

    for e in lat.values():
        if e.get("rows_alone_s") is None:
            continue
        text = rows_alone_text(e["rows"], e["columns"])

        def write(text: str = text) -> int:
            result = store.query(text, use_default_graph_as_union=True)
            return len(result.serialize(format=ox.QueryResultsFormat.JSON))

        e["rows_alone_engine_s"] = timed(write, reps, budget=30.0)["p50_s"]


def search_latency(g, base: str | None, reps: int, terms: list[str] = SEARCH_TERMS) -> dict:
    """``find`` p50 per name in the API (``g.find``) and through ``GET /search`` (the
    explorer's search page, which calls the same API in the server)."""
    import httpx

    out: dict[str, dict] = {}
    for term in terms:
        g.find(term)  # warm-up: the first search of a process loads the index
        api: list[float] = []
        for _ in range(reps):
            t = time.perf_counter()
            hits = g.find(term)
            api.append(time.perf_counter() - t)
        entry = {"api_p50_s": statistics.median(api), "hits": len(hits)}
        if base:
            web: list[float] = []
            with httpx.Client(base_url=base, timeout=120) as c:
                c.get("/search", params={"q": term})
                for _ in range(reps):
                    t = time.perf_counter()
                    r = c.get("/search", params={"q": term})
                    web.append(time.perf_counter() - t)
                    r.raise_for_status()
            entry["endpoint_p50_s"] = statistics.median(web)
        out[term] = entry
    return out


def open_api(build: dict) -> tuple[object, float]:
    """The API's graph on ``build`` with its own store choice (``ag.open``), and the seconds
    opening took (an in-memory copy is loaded then)."""
    import alliancegraph as ag

    t = time.perf_counter()
    g = ag.open(root=ROOT, cache_dir=Path(build["cache"]), data_home=Path(build["home"]))
    return g, time.perf_counter() - t


def memory_store(g):
    """The ``pyoxigraph.Store`` the graph ``g`` answers from if it is an in-memory copy in
    this process, else None."""
    import pyoxigraph as ox

    inner = getattr(g.store, "store", None)
    if g.store_kind == "memory" and isinstance(inner, ox.Store):
        return inner
    return None


def mix_texts(g) -> list[str]:
    """``bench_serve.MIX`` as the SPARQL a client sends (parameters bound in VALUES)."""
    from bench_serve import MIX

    return [g.query_text(name, values or None) for name, values in MIX]


def run(
    build: dict,
    work: Path,
    reps: int,
    clients: int,
    duration: float,
    log=print,
    workers: int = 4,
    memory_budget: int | None = None,
    timeout: float = 120,
    store: str | None = None,
    throughput: bool = True,
    wait: float = 900,
    graph=None,
    far: float = 1.0,
    order: list[str] | None = None,
    target: float = 0.1,
) -> dict:
    """Everything above on the build ``build`` (``bench_queries.build_and_import``'s entry:
    its ``store``, and the ``cache`` and ``home`` folders it used), the server with
    ``workers``, ``memory_budget``, ``timeout`` and ``store`` (see :func:`ours`);
    ``throughput``: also the endpoint under load beside oxigraph; ``wait``: seconds for the
    server to listen; ``graph``: the API's graph on that build if already open (its
    in-memory copy is not loaded twice); ``far`` and ``order``: see :func:`latency`;
    ``target``: the p50 a query should meet here (see :func:`rows_alone`)."""
    import bench_query_scale
    from bench_serve import MIX, load, oxigraph

    cache, home = Path(build["cache"]), Path(build["home"])
    out: dict = {}
    g = graph if graph is not None else open_api(build)[0]
    out["api_store"] = g.store_kind
    mix = mix_texts(g)
    with ours(
        cache, home, workers, memory_budget, wait, timeout=timeout, clients=clients, store=store
    ) as (base, pid, line, started):
        log(f"[scale] serve up in {started:.1f} s ({_rss_mb(pid) or 0:.0f} MB, {line}); …")
        out["serve_store"] = line
        out["serve_start_s"] = started
        out["serve_timeout_s"] = timeout
        out["serve_workers"] = workers
        out["serve_rss_mb_idle"] = _rss_mb(pid)
        out["one_run_s"] = far
        # search first: the last query may cost the server a worker (its deadline, its
        # memory), whose reload would then run beside the search being timed
        log("[scale] search …")
        out["search"] = search_latency(g, base, reps)
        log("[scale] every query through serve …")
        out["latency"] = latency(
            base + "/sparql", bench_query_scale.queries(), reps, timeout, far=far, order=order
        )
        log("[scale] the rows alone of each query over the target …")
        rows_alone(base + "/sparql", out["latency"], target, reps, timeout=timeout, far=far)
        out["target_s"] = target
        if not throughput:
            return out
        log(f"[scale] {clients} clients, query mix, ours …")
        out["throughput"] = {"mix": [n for n, _ in MIX], "clients": clients, "duration_s": duration}
        out["throughput"]["ours"] = asyncio.run(load(base + "/sparql", mix, clients, duration))
        out["throughput"]["ours"]["rss_mb"] = _rss_mb(pid)
    del g
    log("[scale] oxigraph serve-read-only …")
    with oxigraph(Path(build["store"]), work) as url:
        floor = asyncio.run(load(url, mix, clients, duration))
        floor["rss_mb"] = _rss_mb(oxigraph.pid)
        out["throughput"]["oxigraph"] = floor
    return out
