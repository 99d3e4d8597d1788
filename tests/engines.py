"""Real SPARQL engines for the tests, each with its DEFAULT settings: an Oxigraph server
(`oxigraph serve`, no --union-default-graph) and Virtuoso 7 (Debian's
`virtuoso-opensource`: `virtuoso-t +foreground` with an ini file and a database folder of
its own), on free loopback ports, stopped afterwards (also when a test fails).

A missing engine is a failure with a clear message, never a skip: CI installs both
(`.ci/run`).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, name: str, seconds: float = 60) -> None:
    """Poll ``url`` until it answers (any 2xx), or fail naming the engine and its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url} within {seconds:.0f} s")


def _stop(proc: subprocess.Popen, seconds: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _require(exe: str, package: str) -> str:
    path = shutil.which(exe)
    if not path:
        raise RuntimeError(
            f"`{exe}` is not installed: the engine tests need it ({package}; .ci/run installs it)"
        )
    return path


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """`oxigraph serve` with default options on a free port; yields its base URL (queries
    at ``/query``, the Graph Store Protocol at ``/store``)."""
    exe = _require("oxigraph", "the PyPI package `oxigraph`, in the test extra")
    port = free_port()
    log = (folder / "oxigraph.log").open("wb")
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/query?query=ASK%7B%7D", proc, "oxigraph serve", 30)
        yield base
    finally:
        _stop(proc)
        log.close()


VIRTUOSO_INI = """\
; a throwaway Virtuoso for the tests: its own database folder, loopback ports
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
CaseMode          = 2
DirsAllowed       = ., {db}
NumberOfBuffers   = 10000
MaxDirtyBuffers   = 6000
ThreadsPerQuery   = 2

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {db}
ServerThreads = 4
Charset       = UTF-8

[SPARQL]
; the distribution's 10000 would cut a large answer (it says so only in a header)
ResultSetMaxRows      = {max_rows}
MaxQueryExecutionTime = 120
"""


@contextlib.contextmanager
def virtuoso_server(folder: Path, max_rows: int = 1_000_000) -> Iterator[str]:
    """Virtuoso 7 on free loopback ports with a fresh database in ``folder`` answering at
    most ``max_rows`` rows (``ResultSetMaxRows``); yields its base URL (queries at
    ``/sparql``, the Graph Store Protocol at ``/sparql-graph-crud``, which may write: the
    anonymous SPARQL user is granted SPARQL_UPDATE on this throwaway database, so
    ``publish`` loads it as it would any store)."""
    exe = _require("virtuoso-t", "Debian's virtuoso-opensource")
    isql = _require("isql-vt", "Debian's virtuoso-opensource")
    db = folder / "virtuoso"
    db.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port, max_rows=max_rows)
    )
    log = (db / "stdout.log").open("wb")
    proc = subprocess.Popen(
        [exe, "+foreground", "+configfile", str(ini)],
        cwd=db,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(f"{base}/sparql?query=ASK%7B%7D", proc, "virtuoso-t", 120)
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt could not grant SPARQL_UPDATE: {done.stdout}{done.stderr}")
        yield base
    finally:
        _stop(proc, 60)
        log.close()


@contextlib.contextmanager
def running(app: object, host: str = "127.0.0.1") -> Iterator[str]:
    """Our own ASGI ``app`` under uvicorn on ``host``:<free port> in a thread; yields its
    base URL (always named by 127.0.0.1) and stops the server afterwards."""
    import threading

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
