"""A notebook run in a scratch copy writes there, finds the repository, and leaves nothing behind."""

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course import ROOT
from autograder.scratch_run import RUNS, scratch_copy


def test_what_a_run_writes_stays_in_the_copy_which_is_removed(tmp_path):
    assignment = tmp_path / "02_demo"
    assignment.mkdir()
    (assignment / "helper.txt").write_text("next to the notebook")
    nb = new_notebook(cells=[new_code_cell(
        "from pathlib import Path\nfrom tlcourse.data.cache import find_repo_root\n"
        "Path('weights.pt').write_text(Path('helper.txt').read_text())\nprint(find_repo_root())")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, assignment / "demo.ipynb")
    with scratch_copy(assignment / "demo.ipynb") as copy:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(copy.parent)}}).execute()
        assert (copy.parent / "weights.pt").read_text() == "next to the notebook"
        assert RUNS in copy.parents
    assert nb.cells[0].outputs[0].text.strip() == str(ROOT), "the copy is inside the repository"
    assert sorted(p.name for p in assignment.iterdir()) == ["demo.ipynb", "helper.txt"]
    assert not copy.parent.exists()
