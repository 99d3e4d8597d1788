"""The analyst notebooks: committed without outputs, on the public API, and run top to bottom
with a real Jupyter kernel (nbclient, kernel ``python3``).

Each notebook asserts its own answers in cells, so a wrong answer fails this test, and CI.
The kernel gets a private build cache, an empty import folder and its own TMPDIR and working
directory: a run writes nothing into the user's cache, into ``data/`` or beside the notebooks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
# Top level only: Jupyter's .ipynb_checkpoints/ copies are never tested (and are gitignored).
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
STORIES = {"01-tour.ipynb", "02-brokers-and-communities.ipynb", "03-provenance.ipynb"}
KERNEL = "python3"
CELL_TIMEOUT = 300  # seconds per cell: generous, so a slow machine fails on answers, not time

# Reaching past the public API (the package's top level and the AllianceGraph it opens): any
# submodule, a private name, or an attribute that starts with "_".
PRIVATE = re.compile(
    r"alliancegraph\.\w+"  # alliancegraph.views, alliancegraph._x
    r"|from\s+alliancegraph[\w.]*\s+import"  # from alliancegraph(.x) import y
    r"|\w\._\w+"  # obj._internal, view._repr_html_()
)


def ids(path: Path) -> str:
    return path.stem


def code_of(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_the_three_stories_are_there():
    assert {p.name for p in NOTEBOOKS} >= STORIES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name}, cell {cell.id}: clear its outputs first"
        assert cell.execution_count is None, f"{path.name}, cell {cell.id}: has an execution count"
        assert "execution" not in cell.metadata, f"{path.name}, cell {cell.id}: run timings kept"
    assert nb.metadata.kernelspec.name == KERNEL
    assert "widgets" not in nb.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_public_api_only_and_answers_checked(path):
    nb = nbformat.read(path, as_version=4)
    code = code_of(nb)
    private = [m.group(0) for m in PRIVATE.finditer(code)]
    assert not private, f"{path.name} reaches past the public API: {private}"
    assert re.search(r"^\s*assert\b", code, re.M), f"{path.name} checks no answer"
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"[\u4e00-\u9fff]", prose) and re.search(r"\b(the|and)\b", prose)


def test_private_api_pattern_catches_what_it_should():
    for bad in (
        "from alliancegraph._bundled import x",
        "from alliancegraph.views import _draw_static",
        "import alliancegraph.search._x",
        "view._repr_html_()",
        "g.store._store",
        "from alliancegraph import analysis",
        "from alliancegraph.synthetic import generate",
        "alliancegraph.views.render(G)",
    ):
        assert PRIVATE.search(bad), bad
    for good in ("import alliancegraph as ag", "n = 440_000_000", "g.analyze.path('a', 'b')"):
        assert not PRIVATE.search(good), good


def test_python3_kernel_is_discoverable():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert spec.language == "python"
    assert "ipykernel" in " ".join(spec.argv)


@pytest.fixture()
def kernel_env(tmp_path, monkeypatch, session_cache) -> Path:
    """Environment the kernel inherits: private cache (shared by this session), an empty
    import folder, and TMPDIR under tmp_path so the notebooks' temporary folders land there."""
    monkeypatch.setenv("ALLIANCEGRAPH_CACHE", str(session_cache))
    monkeypatch.setenv("ALLIANCEGRAPH_DATA", str(tmp_path / "imports"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("ALLIANCEGRAPH_HOME", raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    return work


def execute(nb, cwd: Path):
    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    return client.execute()


def outputs(nb, mime: str) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type in ("display_data", "execute_result") and mime in out.data:
                found.append(out.data[mime])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_top_to_bottom(path, kernel_env):
    nb = nbformat.read(path, as_version=4)
    execute(nb, kernel_env)  # raises CellExecutionError, naming the cell, on any failed assert
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # Every story shows a network view inline: an offline page in a sandboxed iframe.
    frames = [h for h in outputs(nb, "text/html") if h.startswith("<iframe") and "srcdoc=" in h]
    assert frames, f"{path.name} shows no inline view"
    if path.name == "02-brokers-and-communities.ipynb":
        assert outputs(nb, "image/png"), "the chart was not drawn"
    assert not any(kernel_env.iterdir()), "a notebook wrote into its working directory"


@pytest.mark.slow
def test_a_wrong_answer_fails_the_run(kernel_env):
    """The harness turns a wrong answer into a failure: the tour's first check, made wrong,
    stops the run at that cell (the notebook is cut after it, to keep this quick)."""
    nb = nbformat.read(NOTEBOOK_DIR / "01-tour.ipynb", as_version=4)
    right, wrong = '"reported"] == 24', '"reported"] == 25'
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and right in c.source)
    nb.cells[at].source = nb.cells[at].source.replace(right, wrong, 1)
    nb.cells = nb.cells[: at + 1]
    with pytest.raises(CellExecutionError) as failed:
        execute(nb, kernel_env)
    assert "AssertionError" in str(failed.value)
