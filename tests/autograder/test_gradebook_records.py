"""Is a worker's grading result written into the real gradebook whole, through nbgrader's API?"""

from datetime import datetime

import pytest
from nbgrader.api import MissingEntry

from autograder.course import ROOT, copy_course
from autograder.gradebook_records import one_transaction, open_gradebook, record_result
from autograder.nbgrader_cli import environment
from autograder.task import GradingResult

A, NB = "01_concepts", "concepts"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course whose gradebook knows one assignment: two test cells and one answer cell."""
    monkeypatch.setenv("PATH", environment()["PATH"])  # a new gradebook runs nbgrader's alembic
    course = copy_course(ROOT, tmp_path / "course")
    with open_gradebook(course) as gb:
        gb.add_assignment(A)
        gb.add_notebook(NB, A)
        for name in ("t1", "t2"):
            gb.add_grade_cell(name, NB, A, max_score=2, cell_type="code")
        gb.add_solution_cell("answer", NB, A)
    return course


def result(**kw) -> GradingResult:
    rows = {"timestamp": datetime(2026, 11, 30, 9, 0), "notebooks": {NB: {
        "late_submission_penalty": None,
        "grades": {"t1": (2.0, False), "t2": (0.0, True)},
        "comments": {"answer": "No response."}}}}
    return GradingResult("ann", A, True, 1.0, submission=rows,
                         autograded={f"{NB}.ipynb": (b"{}", 0o444)}, **kw)


def rows(course, student="ann") -> dict:
    with open_gradebook(course) as gb:
        sub = gb.find_submission(A, student)
        nb = sub.notebooks[0]
        return {"timestamp": sub.timestamp,
                "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments}}


def test_the_rows_and_the_autograded_folder_are_written(course):
    record_result(course, result())
    assert rows(course) == {"timestamp": datetime(2026, 11, 30, 9, 0),
                            "grades": {"t1": (2.0, None, False), "t2": (0.0, None, True)},
                            "comments": {"answer": "No response."}}
    assert (course / "autograded" / "ann" / A / f"{NB}.ipynb").read_bytes() == b"{}"


def test_a_regrade_keeps_the_hand_grade_and_marks_the_cell_for_review_as_nbgrader_does(course):
    record_result(course, result())
    with open_gradebook(course) as gb:
        gb.find_grade("t1", NB, A, "ann").manual_score = 1.5
        gb.find_grade("t1", NB, A, "ann").needs_manual_grade = False
        gb.db.commit()
    record_result(course, result())
    assert rows(course)["grades"]["t1"] == (2.0, 1.5, True)


def test_an_empty_submission_scores_zero_in_every_cell(course):
    record_result(course, GradingResult("bob", A, False, 0.1, "no notebook", empty=True))
    assert {k: v for k, v in rows(course, "bob")["grades"].items()} == {
        "t1": (0.0, None, False), "t2": (0.0, None, False)}
    assert not (course / "autograded" / "bob" / A).exists()


def test_nothing_recorded_when_nbgrader_recorded_nothing(course):
    record_result(course, GradingResult("eve", A, False, 0.1, "crashed before grading"))
    with open_gradebook(course) as gb, pytest.raises(MissingEntry):
        gb.find_submission(A, "eve")


def test_nothing_half_written_reaches_the_gradebook(course):
    broken = result()
    broken.submission["notebooks"][NB]["grades"]["t1"] = ("not a number", False)
    with pytest.raises(Exception):
        record_result(course, broken)
    with open_gradebook(course) as gb:
        with pytest.raises(MissingEntry):
            gb.find_student("ann")
        with pytest.raises(MissingEntry):
            gb.find_submission(A, "ann")


def test_one_transaction_commits_once_at_the_end_or_rolls_back(course):
    with open_gradebook(course) as gb:
        with pytest.raises(RuntimeError):
            with one_transaction(gb):
                gb.add_student("mallory")           # nbgrader commits inside: only flushed here
                raise RuntimeError("the coordinator stopped half-way")
        with pytest.raises(MissingEntry):
            gb.find_student("mallory")
        with one_transaction(gb):
            gb.add_student("carol")
    with open_gradebook(course) as gb:
        assert gb.find_student("carol").id == "carol"


def test_what_was_recorded_is_read_back_per_submission_and_a_missing_one_is_none(course):
    from autograder.report import recorded_submissions

    record_result(course, result())
    found = recorded_submissions(course, [("ann", A), ("bob", A)])
    assert found[("bob", A)] is None
    assert found[("ann", A)] == {NB: {"late": None, "grades": {"t1": (2.0, None, False), "t2": (0.0, None, True)},
                                      "comments": {"answer": "No response."}}}
