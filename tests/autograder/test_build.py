"""Are the student notebooks a faithful, current, safe build of source/?"""

import json
from pathlib import Path

import nbformat
import pytest

from autograder.build import stale_notebooks
from autograder.course import assignments
from tlcourse.nbgrader_ext.colab_setup import SETUP_TAG, repository_url

ROOT = Path(__file__).resolve().parents[2]
STUDENT_NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
ALL_NOTEBOOKS = STUDENT_NOTEBOOKS + sorted((ROOT / "source").rglob("*.ipynb"))


def test_four_assignments_in_course_order():
    assert [a.id for a in assignments()] == [
        "01_concepts", "02_foodvision_head", "03_hotdog_finetune", "04_scratch_vs_pretrained"]


def test_every_assignment_with_content_has_student_notebooks():
    for a in assignments():
        if a.has_content:
            built = sorted(p.name for p in (ROOT / "notebooks" / a.id).glob("*.ipynb"))
            assert built == [p.name for p in a.notebooks]


@pytest.mark.slow
def test_notebooks_are_up_to_date_with_source():
    assert stale_notebooks() == [], "run `make build` and commit notebooks/"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_outputs_committed(path):
    nb = nbformat.read(path, as_version=4)
    with_output = [i for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert with_output == []


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_student_notebooks_hide_solutions_and_hidden_tests(path):
    text = path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_student_notebooks_keep_nbgrader_metadata(path):
    nb = nbformat.read(path, as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, "a student notebook without graded cells"
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        # test cells are locked; a hand-graded answer cell (solution and grade) is the student's
        assert meta["locked"] or meta["solution"]
        assert "checksum" in meta and meta["points"] > 0


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_student_notebooks_start_with_the_colab_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert SETUP_TAG in first_code.metadata.get("tags", [])
    assert f"git+{repository_url()}" in first_code.source
    assert "--no-deps d2l==1.0.3" in first_code.source


def test_readme_links_every_student_notebook_to_colab():
    readme = (ROOT / "README.md").read_text()
    base = repository_url().replace("https://github.com/", "https://colab.research.google.com/github/")
    for path in STUDENT_NOTEBOOKS:
        assert f"{base}/blob/main/{path.relative_to(ROOT)}" in readme
