"""Does real nbgrader grade broken, hostile and unlucky submissions as documented?

One course directory (the ``corpus`` fixture, tests/corpus/conftest.py) holds the release of
every assignment in the corpus and one student per case (tests/corpus/cases/: the submission, its expected points per
cell and why). Everything is graded by real ``nbgrader autograde`` (two workers), then
``generate_feedback`` and ``export``. A witness student with the instructor's
solutions is graded before and after everyone else: no case may change another
student's grade.
"""

from __future__ import annotations

import pytest

from autograder.autograde import autograde_class
from autograder.nbgrader_cli import nbgrader
from autograder.report import cell_points, read_grades
from tests.corpus.build import WITNESS, expected_cell_points, graded_test_cells
from tests.corpus.cases import CASES
from tests.corpus.graded import ASSIGNMENTS

pytestmark = pytest.mark.slow

BY_ID = {case.id: case for case in CASES}


def _quiet(*args, **kwargs):
    pass


def test_the_corpus_covers_every_kind_of_submission():
    assert len(CASES) >= 30
    assert len(BY_ID) == len(CASES), "case ids must be unique (each is a student id)"
    for case in CASES:
        assert case.why, f"{case.id}: say why this score is right"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_score(corpus, case):
    grades, runs = corpus.grades, corpus.runs
    run = runs[(case.id, case.assignment)]
    max_score = grades[(WITNESS, case.assignment)][1]
    assert grades[(case.id, case.assignment)] == (case.score, max_score), (
        f"{case.id}: {case.why}\nnbgrader run: ok={run.ok} {run.reason}")


@pytest.mark.parametrize("case", [c for c in CASES if c.fails is not None], ids=lambda c: c.id)
def test_points_per_cell(corpus, case):
    course, runs = corpus.course, corpus.runs
    graded = cell_points(course, case.assignment, case.id)
    got = {cell: graded.get(cell, 0.0) for cell in graded_test_cells(case.assignment)}
    assert got == expected_cell_points(case), (
        f"{case.id}: {case.why}\nnbgrader run: {runs[(case.id, case.assignment)].reason}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_graded_or_reported_with_a_reason(corpus, case):
    runs = corpus.runs
    run = runs[(case.id, case.assignment)]
    assert run.ok == case.graded, run.reason
    if not case.graded:
        assert run.reason and case.reason_contains in run.reason


@pytest.mark.parametrize("case", [c for c in CASES if c.feedback], ids=lambda c: c.id)
def test_feedback_names_the_mistake(corpus, case):
    course = corpus.course
    pages = list((course / "feedback" / case.id / case.assignment).glob("*.html"))
    assert pages, f"no feedback for {case.id}"
    html = "\n".join(page.read_text() for page in pages)
    for phrase in case.feedback:
        assert phrase in html or phrase.replace("'", "&#39;") in html, f"{case.id}: {phrase!r} not in feedback"


def test_no_case_changed_another_students_grade(corpus):
    course, grades, runs = corpus.course, corpus.grades, corpus.runs
    for assignment in ASSIGNMENTS:
        first = grades[(WITNESS, assignment)]
        assert runs[(WITNESS, assignment)].ok
        assert first[0] == sum(graded_test_cells(assignment).values()), "the witness has every automatic point"
    for again in autograde_class(course, [(WITNESS, a) for a in ASSIGNMENTS], jobs=2, timeout=600, echo=_quiet):
        assert again.ok, again.reason
    nbgrader(course, "export", f"--to={course / 'after.csv'}")
    assert read_grades(course / "after.csv") == grades


def test_the_memory_cap_stopped_the_huge_allocation_inside_its_kernel(corpus):
    course, runs = corpus.course, corpus.runs
    case = BY_ID["food_huge_allocation"]
    html = (course / "feedback" / case.id / case.assignment / "foodvision_head.html").read_text()
    assert "MemoryError" in html
    assert runs[(case.id, case.assignment)].ok
