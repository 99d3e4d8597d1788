"""Settings from the environment: the only module that reads environment variables.

``ag.open()``, the CLI and ``serve`` all take their defaults from here, so a variable
means the same on every surface. An explicit argument (``--root``, ``open(root=...)``)
always wins over the environment.

=========================== ==========================================================
``ALLIANCEGRAPH_HOME``      project folder or workspace (``alliancegraph init``) holding ``data/``
                            and ``ontology/``
``ALLIANCEGRAPH_DATA``      data home: imported member lists, synthetic data (a workspace
                            keeps its own imports inside itself)
``ALLIANCEGRAPH_CACHE``     build cache (content-keyed stores)
``ALLIANCEGRAPH_ENDPOINT``  a SPARQL 1.1 endpoint to answer from instead of the embedded store
``ALLIANCEGRAPH_TIMEOUT``   default query deadline in seconds (0: none)
``ALLIANCEGRAPH_ALLOWED_HOSTS`` host names ``serve`` answers to besides loopback (comma-separated)
``ALLIANCEGRAPH_QUERY_MEMORY`` megabytes a query with a deadline may allocate (default 1024)
``ALLIANCEGRAPH_STORE``     which store a long-lived process answers from: auto (default), memory
                            or disk (one-shot CLI commands always read the on-disk store)
``ALLIANCEGRAPH_MEMORY_BUDGET`` megabytes in-memory copies of the dataset may take (default: a
                            quarter of the machine's RAM)
``XDG_DATA_HOME``           base of the default data home
``XDG_CACHE_HOME``          base of the default cache
=========================== ==========================================================
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

PACKAGE_DIR = Path(__file__).resolve().parent

#: Every variable this package reads, with what it means (the README lists the same).
VARIABLES: dict[str, str] = {
    "ALLIANCEGRAPH_HOME": "project folder or workspace (alliancegraph init): data/, ontology/",
    "ALLIANCEGRAPH_DATA": "data home for imports (default $XDG_DATA_HOME/alliancegraph)",
    "ALLIANCEGRAPH_CACHE": "build cache (default $XDG_CACHE_HOME/alliancegraph)",
    "ALLIANCEGRAPH_ENDPOINT": "SPARQL 1.1 endpoint to query instead of the embedded store",
    "ALLIANCEGRAPH_TIMEOUT": "default query deadline in seconds (0: no deadline)",
    "ALLIANCEGRAPH_ALLOWED_HOSTS": "host names serve answers to besides loopback (a,b:8080)",
    "ALLIANCEGRAPH_QUERY_MEMORY": "megabytes of memory a query process may allocate (1024)",
    "ALLIANCEGRAPH_STORE": "store of long-lived processes: auto (default), memory or disk",
    "ALLIANCEGRAPH_MEMORY_BUDGET": "megabytes in-memory copies of the dataset may take (RAM/4)",
}

#: the CLI's and remote engines' deadline when none is configured
DEFAULT_TIMEOUT = 30.0
#: megabytes a query process (a server's worker, a query's deadline child) may allocate
DEFAULT_QUERY_MEMORY = 1024


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def project_root(root: str | Path | None = None) -> Path:
    """The folder holding ``data/`` and ``ontology/``: the argument, ``$ALLIANCEGRAPH_HOME``,
    a source checkout, else the copy bundled in the wheel."""
    if root is not None:
        return Path(root)
    env = _env("ALLIANCEGRAPH_HOME")
    if env:
        return Path(env)
    return bundled_root()


def bundled_root() -> Path:
    """The folder of the package's own article graph (``data/`` and ``ontology/``): a
    source checkout's, else the copy bundled in the wheel. A workspace's base layer."""
    checkout = PACKAGE_DIR.parent.parent
    if (checkout / "data" / "entities.csv").exists() and (checkout / "ontology").is_dir():
        return checkout
    return PACKAGE_DIR / "_bundled"


#: The file that makes a folder a curation workspace (``alliancegraph init``).
WORKSPACE_FILE = "alliancegraph.toml"


@dataclass(frozen=True)
class Workspace:
    """A curation workspace's settings (its ``alliancegraph.toml``): its ``name``, and
    whether the bundled article graph is compiled beside its tables (``base``)."""

    root: Path
    name: str
    base: bool

    @property
    def imports_home(self) -> Path:
        """Where the workspace's imports live: in the workspace itself."""
        return self.root


def workspace(root: str | Path | None = None) -> Workspace | None:
    """The workspace at ``root`` (default :func:`project_root`), or None if that folder
    has no ``alliancegraph.toml``; raise UsageError if the file cannot be read."""
    import tomllib

    folder = project_root(root)
    path = folder / WORKSPACE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    base = settings.get("base", True)
    if not isinstance(base, bool):
        raise UsageError(f"{path}: base must be true or false, not {base!r}")
    return Workspace(folder, str(settings.get("name", folder.name)), base)


def cache_dir(cache: str | Path | None = None) -> Path:
    """The build cache: the argument, ``$ALLIANCEGRAPH_CACHE``, else the XDG cache."""
    if cache is not None:
        return Path(cache)
    env = _env("ALLIANCEGRAPH_CACHE")
    if env:
        return Path(env)
    base = _env("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alliancegraph"


def data_home(home: str | Path | None = None, root: str | Path | None = None) -> Path:
    """Where imports live: the argument; else the workspace itself when the project at
    ``root`` (default :func:`project_root`) is one; else ``$ALLIANCEGRAPH_DATA``; else the
    XDG data home."""
    if home is not None:
        return Path(home)
    ws = workspace(root)
    if ws is not None:
        return ws.imports_home
    env = _env("ALLIANCEGRAPH_DATA")
    if env:
        return Path(env)
    base = _env("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "alliancegraph"


def endpoint(url: str | None = None) -> str | None:
    """The remote SPARQL endpoint to answer from, if any (argument, then environment)."""
    return url or _env("ALLIANCEGRAPH_ENDPOINT")


def timeout(seconds: float | None = None) -> float | None:
    """The deadline in seconds: the argument, else ``$ALLIANCEGRAPH_TIMEOUT``, else None
    (the API sets none; the CLI then uses :data:`DEFAULT_TIMEOUT`). 0 means no deadline."""
    if seconds is not None:
        return float(seconds)
    env = _env("ALLIANCEGRAPH_TIMEOUT")
    if env is None:
        return None
    try:
        value = float(env)
    except ValueError:
        raise UsageError(f"ALLIANCEGRAPH_TIMEOUT={env!r} is not a number of seconds") from None
    if value < 0:
        raise UsageError(f"ALLIANCEGRAPH_TIMEOUT={env!r} must be 0 or more seconds")
    return value


def query_memory(megabytes: int | None = None) -> int:
    """Megabytes of memory a query process may allocate beyond what it held when it
    started: the argument, else ``$ALLIANCEGRAPH_QUERY_MEMORY``, else
    :data:`DEFAULT_QUERY_MEMORY`."""
    if megabytes is not None:
        return int(megabytes)
    env = _env("ALLIANCEGRAPH_QUERY_MEMORY")
    if env is None:
        return DEFAULT_QUERY_MEMORY
    if not env.isdigit() or int(env) < 16:
        raise UsageError(
            f"ALLIANCEGRAPH_QUERY_MEMORY={env!r} must be a whole number of megabytes, 16 or more"
        )
    return int(env)


#: The stores a long-lived process may answer from (``ALLIANCEGRAPH_STORE``).
STORE_CHOICES = ("auto", "memory", "disk")


def store_choice(choice: str | None = None) -> str:
    """Which store a long-lived process (``ag.open()``, ``serve``) answers from: the
    argument, else ``$ALLIANCEGRAPH_STORE``, else ``auto`` (in memory when the dataset fits
    :func:`memory_budget`, else on disk)."""
    value = choice if choice is not None else _env("ALLIANCEGRAPH_STORE")
    if value is None:
        return "auto"
    value = value.strip().lower()
    if value not in STORE_CHOICES:
        where = "store" if choice is not None else "ALLIANCEGRAPH_STORE"
        raise UsageError(f"{where}={value!r} must be one of {', '.join(STORE_CHOICES)}")
    return value


def memory_budget(megabytes: int | None = None) -> int:
    """Megabytes the in-memory copies of the dataset may take (all of a server's workers
    together): the argument, else ``$ALLIANCEGRAPH_MEMORY_BUDGET``, else a quarter of the
    machine's physical memory (1024 if it cannot be read)."""
    if megabytes is not None:
        return int(megabytes)
    env = _env("ALLIANCEGRAPH_MEMORY_BUDGET")
    if env is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return 1024
        return max(1, total // 4 >> 20)
    if not env.isdigit():
        raise UsageError(
            f"ALLIANCEGRAPH_MEMORY_BUDGET={env!r} must be a whole number of megabytes (0: disk)"
        )
    return int(env)


def allowed_hosts(names: Sequence[str] = ()) -> tuple[str, ...]:
    """The host names the server answers to besides its loopback names: ``names`` if any
    are given, else ``$ALLIANCEGRAPH_ALLOWED_HOSTS`` (separated by commas or spaces). Each
    is ``NAME`` (any port) or ``NAME:PORT``; a name with a scheme, path or user is
    refused."""
    given = [n.strip() for n in names if n.strip()]
    if not given:
        env = _env("ALLIANCEGRAPH_ALLOWED_HOSTS")
        given = env.replace(",", " ").split() if env else []
    for name in given:
        bad = any(c in name for c in "/@?#\\")
        if bad or (name.count(":") > 1 and not name.startswith("[")):
            where = "ALLIANCEGRAPH_ALLOWED_HOSTS" if not names else "allowed host"
            raise UsageError(
                f"{where} {name!r} is not a host name (NAME or NAME:PORT, [IPv6]:PORT)"
            )
    return tuple(dict.fromkeys(n.lower() for n in given))
