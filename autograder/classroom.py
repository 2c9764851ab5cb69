"""A simulated class taken through grading: release, submissions, autograde, hand grades, feedback, export."""

from __future__ import annotations

from pathlib import Path

from autograder.autograde import GradingRun, autograde_class
from autograder.course import assignments, fresh_course_dir
from autograder.gradebook_records import record_manual_grades
from autograder.nbgrader_cli import nbgrader
from autograder.report import read_grades
from autograder.submissions import Student, write_submission


def prepare_course(out: Path, students: list[Student]) -> Path:
    """A fresh course directory with the release built and every submission written."""
    course = fresh_course_dir(out)
    for a in assignments(course):
        if a.has_content:
            nbgrader(course, "generate_assignment", a.id, "--force")
            for student in students:
                write_submission(course, student, a.id)
    return course


def grade_course(course: Path, student_ids: list[str], echo=print,
                 manual: dict[str, dict[str, dict[str, float]]] | None = None,
                 pairs: list[tuple[str, str]] | None = None, jobs: int = 1) -> tuple[dict, list[GradingRun]]:
    """autograde (``jobs`` submissions at a time), hand grades (``manual``: student -> assignment -> grade_id -> points),
    generate_feedback and export; returns the exported grades and the runs.

    ``pairs`` (student, assignment) limits what is graded; by default every student's
    every assignment that has content.
    """
    with_content = [a.id for a in assignments(course) if a.has_content]
    pairs = pairs or [(s, a) for s in student_ids for a in with_content]
    graded = list(dict.fromkeys(a for _, a in pairs))  # feedback only where something was graded
    echo(f"- nbgrader autograde: {len(pairs)} submissions ({len(student_ids)} students, "
         f"{len(graded)} assignments)")
    runs = autograde_class(course, pairs, jobs=jobs, echo=echo)
    if manual:
        echo("- hand grading of the written answers (what an instructor does in formgrader)")
        record_manual_grades(course, manual)
    for a in graded:
        echo(f"- nbgrader generate_feedback {a}")
        nbgrader(course, "generate_feedback", a, "--force")
    csv_path = course / "grades.csv"
    echo(f"- nbgrader export --to {csv_path}")
    nbgrader(course, "export", f"--to={csv_path}")
    return read_grades(csv_path), runs
