"""Regrading: the same submissions give the same grades; a fixed test gives the new score.

A course directory with the demo class's FoodVision submissions is graded twice
(nothing may change), then the instructor fixes a broken test in source/,
rebuilds with ``nbgrader generate_assignment --force`` and regrades: the students
the bug cost points get them back, and nobody else's grade moves.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.autograde import autograde_class
from autograder.course import fresh_course_dir
from autograder.demo_class import CLASS
from autograder.nbgrader_cli import nbgrader
from autograder.report import read_grades
from autograder.submissions import write_submission
from tests.corpus.build import drop_ungraded_tail

pytestmark = pytest.mark.slow

FOOD = "02_foodvision_head"
NOTEBOOK = "foodvision_head.ipynb"
BUG = 'raise AssertionError("released with a bug: this line fails every submission")'
STUDENTS = [s for s in CLASS if s.id in ("reference", "partial")]


def cell_of(path, grade_id):
    nb = nbformat.read(path, as_version=4)
    return nb, next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def set_ex2_bug(course, present: bool) -> None:
    """The instructor's ex2 test with (or without) a line that fails everyone."""
    path = course / "source" / FOOD / NOTEBOOK
    nb, cell = cell_of(path, "ex2_freeze_tests")
    lines = [line for line in cell.source.splitlines() if line != BUG]
    cell.source = "\n".join(lines[:1] + ([BUG] if present else []) + lines[1:])
    nbformat.write(nb, path)


def grade(course, name: str) -> dict:
    for run in autograde_class(course, [(s.id, FOOD) for s in STUDENTS], jobs=2, timeout=600,
                               echo=lambda *a, **k: None):
        assert run.ok, run.reason
    nbgrader(course, "export", f"--to={course / name}")
    return read_grades(course / name)


def graded_outputs(course, student: str) -> list:
    nb = nbformat.read(course / "autograded" / student / FOOD / NOTEBOOK, as_version=4)
    return [(c.metadata["nbgrader"]["grade_id"], [o.get("ename") for o in c.outputs if o.output_type == "error"])
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_regrading_is_stable_and_a_fixed_test_gives_the_new_score(tmp_path):
    course = fresh_course_dir(tmp_path / "course")
    set_ex2_bug(course, present=True)                     # the release goes out with a broken test
    nbgrader(course, "generate_assignment", FOOD, "--force")
    for student in STUDENTS:
        for path in write_submission(course, student, FOOD):
            drop_ungraded_tail(path)

    first = grade(course, "first.csv")
    outputs = {s.id: graded_outputs(course, s.id) for s in STUDENTS}
    # ex2 (2 points) fails for everyone: reference 10 - 2, partial 5 - 2 (partial's 5 since
    # issue 13: its right ex4 no longer pays for its wrong ex3).
    assert first[("reference", FOOD)] == (8, 10)
    assert first[("partial", FOOD)] == (3, 10)

    again = grade(course, "again.csv")
    assert again == first, "autograding the same submissions again changed a grade"
    assert {s.id: graded_outputs(course, s.id) for s in STUDENTS} == outputs

    set_ex2_bug(course, present=False)                    # the instructor fixes the test ...
    nbgrader(course, "generate_assignment", FOOD, "--force")   # ... rebuilds ...
    release = (course / "notebooks" / FOOD / NOTEBOOK).read_text()
    assert "released with a bug" not in release
    fixed = grade(course, "fixed.csv")                    # ... and regrades the old submissions
    assert fixed[("reference", FOOD)] == (10, 10)
    assert fixed[("partial", FOOD)] == (5, 10)
    submitted = (course / "submitted" / "reference" / FOOD / NOTEBOOK).read_text()
    assert "released with a bug" in submitted, "the students' files still hold the old test"
