"""Records written to the gradebook through nbgrader's own API: empty submissions, hand grades."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

from autograder.course import course_id
from autograder.files import replace_folder
from tlcourse.gradebook import gradebook_url


@contextmanager
def open_gradebook(course_dir: Path):
    """nbgrader's own Gradebook for this course directory, without SQLAlchemy's warnings."""
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy chatter from inside nbgrader's API
        with Gradebook(gradebook_url(course_dir), course_id(course_dir)) as gb:
            yield gb


def record_empty_submission(course_dir: Path, assignment: str, student: str) -> None:
    """A submission without notebooks: every cell scores 0, and formgrader has nothing to grade by hand."""
    with open_gradebook(course_dir) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def record_manual_grades(course_dir: Path, manual: dict[str, dict[str, dict[str, float]]]) -> None:
    """Give hand-graded cells their points (``manual``: student -> assignment -> grade_id -> points),
    as an instructor does in formgrader: its GradeHandler stores the manual score and clears
    ``needs_manual_grade`` unless the cell has neither a manual nor an automatic score."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course_dir) as gb:
        for student, per_assignment in manual.items():
            for assignment, cells in per_assignment.items():
                try:
                    submission = gb.find_submission(assignment, student)
                except MissingEntry:  # nothing of this assignment was graded
                    continue
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.name in cells:
                            grade.manual_score = cells[grade.name]
                            grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.db.commit()


@contextmanager
def one_transaction(gb):
    """Everything written through ``gb`` inside reaches the database in one commit at the end,
    or not at all: nbgrader's API commits after each step (a new submission's rows, each
    update), so those commits only flush here and an error rolls all of it back."""
    session = gb.db
    commit = session.commit
    session.commit = session.flush
    try:
        yield gb
    except BaseException:
        session.commit = commit
        session.rollback()
        raise
    session.commit = commit
    session.commit()


def record_result(course_dir: Path, result) -> None:
    """Write what a worker's nbgrader made of one submission (``autograder.task.GradingResult``)
    into the course's gradebook and its autograded/ and feedback/ folders, as serial
    ``nbgrader autograde --student`` would have.

    The folders are written first, each swapped into place whole; then the gradebook rows in
    one transaction (the student, the submission and its timestamp, every cell's automatic
    score, manual-grade mark and comment, each notebook's late penalty). A cell with a hand
    grade from before is marked for manual grading again, as nbgrader's SaveAutoGrades does
    on a regrade. A submission without notebooks scores 0 in every cell.
    """
    if result.submission is None and not result.empty:
        return  # nbgrader recorded nothing (it stopped before the submission's rows)
    student, assignment = result.student, result.assignment
    replace_folder(course_dir / "autograded" / student / assignment, result.autograded)
    if result.feedback:
        replace_folder(course_dir / "feedback" / student / assignment, result.feedback)
    with open_gradebook(course_dir) as gb, one_transaction(gb):
        gb.update_or_create_student(student)
        rows = result.submission or {"timestamp": None, "notebooks": {}}
        when = {"timestamp": rows["timestamp"]} if rows["timestamp"] else {}
        submission = gb.update_or_create_submission(assignment, student, **when)
        graded = {Path(name).stem for name in result.autograded if name.endswith(".ipynb")}
        for notebook in submission.notebooks:
            got = rows["notebooks"].get(notebook.name)
            if got is not None:
                notebook.late_submission_penalty = got["late_submission_penalty"]
            for grade in notebook.grades:
                if result.empty:
                    grade.auto_score, grade.needs_manual_grade = 0, False
                elif got is not None and grade.name in got["grades"]:
                    auto_score, needs_manual = got["grades"][grade.name]
                    grade.auto_score = auto_score
                    regraded = notebook.name in graded and grade.manual_score is not None
                    grade.needs_manual_grade = needs_manual or regraded
            for comment in notebook.comments:
                if got is not None and comment.name in got["comments"]:
                    comment.auto_comment = got["comments"][comment.name]
        gb.db.commit()
