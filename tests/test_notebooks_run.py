"""Does every solution notebook run top to bottom, without errors, in autograde mode?"""

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.scratch_run import scratch_copy
from autograder.submissions import solution_code

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "source").rglob("*.ipynb"))

pytestmark = pytest.mark.slow


def run(path: Path, monkeypatch, mode: str) -> tuple:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = solution_code(cell.source)
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    with scratch_copy(path) as copy:  # what the notebook writes stays out of source/
        start = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(copy.parent)}}).execute()
        return nb, time.perf_counter() - start


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_solution_notebook_runs_without_errors_in_autograde_mode(path, monkeypatch):
    before = sorted(p.name for p in path.parent.iterdir())
    nb, seconds = run(path, monkeypatch, "autograde")
    assert sorted(p.name for p in path.parent.iterdir()) == before, "the run wrote into source/"
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors == []
    print(f"{path.parent.name}: {seconds:.1f} s in autograde mode")
