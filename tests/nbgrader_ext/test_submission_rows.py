"""Is a new submission recorded with every row and without SQLAlchemy's warnings?"""

import warnings

import pytest

from tlcourse.nbgrader_ext.submission_rows import create_submissions_without_autoflush


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """nbgrader's Gradebook runs ``alembic`` by name, from this interpreter's environment."""
    from autograder.nbgrader_cli import environment

    monkeypatch.setenv("PATH", environment()["PATH"])


def _gradebook_with_an_assignment(path):
    from nbgrader.api import Gradebook

    gb = Gradebook(f"sqlite:///{path}")
    gb.add_assignment("a1")
    gb.add_notebook("nb1", "a1")
    gb.add_grade_cell("test1", "nb1", "a1", max_score=2, cell_type="code")
    gb.add_solution_cell("answer1", "nb1", "a1")
    gb.add_source_cell("answer1", "nb1", "a1", cell_type="code")
    gb.add_student("s1")
    return gb


def _sa_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if type(w.message).__name__ == "SAWarning"]


def test_nbgraders_own_add_submission_warns_under_sqlalchemy_2(tmp_path):
    """What the fix is for: nbgrader's unpatched method (kept as __wrapped__ once patched)."""
    from nbgrader.api import Gradebook

    create_submissions_without_autoflush()
    original = Gradebook.add_submission.__wrapped__
    gb = _gradebook_with_an_assignment(tmp_path / "gb.db")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        original(gb, "a1", "s1")
    gb.close()
    assert any("not in session" in m for m in _sa_warnings(caught))


def test_a_new_submission_has_every_row_and_no_warning(tmp_path):
    create_submissions_without_autoflush()
    create_submissions_without_autoflush()          # applied twice: still one wrapper
    gb = _gradebook_with_an_assignment(tmp_path / "gb.db")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gb.update_or_create_submission("a1", "s1")
    assert _sa_warnings(caught) == []
    submission = gb.find_submission("a1", "s1")
    assert [nb.name for nb in submission.notebooks] == ["nb1"]
    assert [g.name for g in submission.notebooks[0].grades] == ["test1"]
    assert [c.name for c in submission.notebooks[0].comments] == ["answer1"]
    assert gb.find_grade("test1", "nb1", "a1", "s1").max_score == 2
    gb.close()


@pytest.mark.slow
def test_the_first_nbgrader_autograde_prints_no_sqlalchemy_warning(tmp_path):
    from autograder.classroom import prepare_course
    from autograder.nbgrader_cli import nbgrader
    from autograder.submissions import Student

    course = prepare_course(tmp_path / "course", [Student("reference")])
    proc = nbgrader(course, "autograde", "01_concepts", "--student=reference")
    output = proc.stdout + proc.stderr
    assert "SAWarning" not in output and "sqlalchemy" not in output.lower(), output
