"""Are deleted test cells put back from the gradebook, even when their neighbours are gone too?"""

import nbformat
import pytest

from tlcourse.gradebook import gradebook_url
from tlcourse.nbgrader_ext.restore_cells import RestoreAllTestCells

pytestmark = pytest.mark.slow

FOOD = "02_foodvision_head"
NOTEBOOK = "foodvision_head"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course whose gradebook knows the FoodVision notebook; its student version."""
    from autograder.course import fresh_course_dir
    from autograder.nbgrader_cli import nbgrader

    course = fresh_course_dir(tmp_path_factory.mktemp("restore") / "course")
    nbgrader(course, "generate_assignment", FOOD, "--force")
    return course, course / "notebooks" / FOOD / f"{NOTEBOOK}.ipynb"


def restore(course, nb):
    resources = {"nbgrader": {"notebook": NOTEBOOK, "assignment": FOOD, "db_url": gradebook_url(course)}}
    nb, _ = RestoreAllTestCells(add_missing_cells=True).preprocess(nb, resources)
    return nb


def grade_ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_with_every_cells_metadata_stripped_every_test_comes_back_at_the_end(released):
    course, student = released
    expected = grade_ids(nbformat.read(student, as_version=4))
    nb = nbformat.read(student, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    count = len(nb.cells)
    nb = restore(course, nb)
    assert grade_ids(nb) == expected, "every test cell, in course order"
    assert len(nb.cells) == count + len(expected), "the student's cells stay, the tests are appended"


def test_a_deleted_test_cell_comes_back_after_the_answer_before_it(released):
    course, student = released
    nb = nbformat.read(student, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "ex3_new_layer_tests"]
    nb = restore(course, nb)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids[ids.index("ex3_new_layer") + 1] == "ex3_new_layer_tests"


def test_a_cell_of_another_notebook_runs_as_ordinary_code(released):
    course, student = released
    nb = nbformat.read(student, as_version=4)
    stranger = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "from_another_notebook",
        "schema_version": 3, "task": False}})
    nb.cells.append(stranger)
    nb = restore(course, nb)
    assert "nbgrader" not in nb.cells[-1].metadata and nb.cells[-1].source == "x = 1"


@pytest.fixture(scope="module")
def graded_untouched(tmp_path_factory):
    """nbgrader autograde's output for the untouched release and the reference, on a fresh course."""
    from autograder.classroom import prepare_course
    from autograder.nbgrader_cli import nbgrader
    from autograder.submissions import Student

    course = prepare_course(tmp_path_factory.mktemp("untouched") / "course",
                            [Student("reference"), Student("blank", solves=False)])
    outputs = {}
    for student in ("reference", "blank"):
        proc = nbgrader(course, "autograde", "01_concepts", f"--student={student}", "--force")
        outputs[student] = proc.stdout + proc.stderr
    return course, outputs


@pytest.mark.parametrize("student", ["reference", "blank"])
def test_an_untouched_test_cell_is_not_reported_as_changed(graded_untouched, student):
    _, outputs = graded_untouched
    assert "has changed!" not in outputs[student], outputs[student]


def test_the_hidden_tests_still_run(graded_untouched):
    """The reference earns every point, so the hidden tests ran (the release has only the visible ones)."""
    from autograder.nbgrader_cli import nbgrader
    from autograder.report import read_grades

    course, _ = graded_untouched
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    grades = read_grades(course / "grades.csv")
    from tests.cells import max_points
    from tests.corpus.build import graded_test_cells

    # every autograded point; the hand-graded justification waits for the instructor
    offered = max_points("01_concepts")
    assert grades[("reference", "01_concepts")] == (sum(graded_test_cells("01_concepts").values()), offered)
    assert grades[("blank", "01_concepts")] == (0, offered)
    autograded = nbformat.read(course / "autograded" / "reference" / "01_concepts" / "concepts.ipynb",
                               as_version=4)
    assert any("BEGIN HIDDEN TESTS" in c.source for c in autograded.cells)


def test_a_test_cell_the_student_edited_is_still_reported_and_restored(released):
    import logging

    course, student = released
    nb = nbformat.read(student, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex3_new_layer_tests")
    cell.source = "pass"
    preprocessor = RestoreAllTestCells(add_missing_cells=True)
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    preprocessor.log.addHandler(handler)
    try:
        resources = {"nbgrader": {"notebook": NOTEBOOK, "assignment": FOOD, "db_url": gradebook_url(course)}}
        nb, _ = preprocessor.preprocess(nb, resources)
    finally:
        preprocessor.log.removeHandler(handler)
    assert any("ex3_new_layer_tests has changed" in m for m in messages), messages
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex3_new_layer_tests")
    assert "BEGIN HIDDEN TESTS" in cell.source and cell.source != "pass"
