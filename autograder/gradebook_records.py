"""Records written to the gradebook through nbgrader's own API: empty submissions, hand grades."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

from autograder.course import course_id
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
