"""`make demo`: build the release, simulate a class, grade it with real nbgrader.

    python -m autograder.demo [--out build/demo]

Steps: a fresh course directory; `nbgrader generate_assignment`; submissions of
the simulated class (autograder/demo_class.py); `nbgrader autograde`,
`nbgrader generate_feedback`, `nbgrader export`; a score table.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from autograder import demo_class
from autograder.course import ROOT, assignments, copy_course
from autograder.grading import autograde_all, open_gradebook, read_grades, score_table
from autograder.nbgrader_cli import nbgrader
from autograder.submissions import Student, write_submission

DEFAULT_OUT = ROOT / "build" / "demo"


def fresh_course_dir(out: Path) -> Path:
    """An empty course directory with the course's config and sources."""
    if out.exists():
        shutil.rmtree(out)
    return copy_course(ROOT, out)


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
                 pairs: list[tuple[str, str]] | None = None) -> tuple[dict, list]:
    """autograde, hand grades (``manual``: student -> assignment -> grade_id -> points),
    generate_feedback and export; returns the exported grades and the runs.

    ``pairs`` (student, assignment) limits what is graded; by default every student's
    every assignment that has content.
    """
    with_content = [a.id for a in assignments(course) if a.has_content]
    pairs = pairs or [(s, a) for s in student_ids for a in with_content]
    graded = list(dict.fromkeys(a for _, a in pairs))  # feedback only where something was graded
    echo(f"- nbgrader autograde: {len(pairs)} submissions ({len(student_ids)} students, "
         f"{len(graded)} assignments)")
    runs = autograde_all(course, pairs, echo=echo)
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


def record_manual_grades(course: Path, manual: dict[str, dict[str, dict[str, float]]]) -> None:
    """Give hand-graded cells their points through nbgrader's gradebook API."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
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
        gb.db.commit()


def run_demo(out: Path = DEFAULT_OUT, students: list[Student] | None = None, echo=print) -> dict:
    """Run the whole demo; returns nbgrader export's grades."""
    students = students or demo_class.CLASS
    start = time.perf_counter()
    echo(f"Course directory: {out}")
    echo("- nbgrader generate_assignment, then the simulated class's submissions")
    course = prepare_course(out, students)
    grades, runs = grade_course(course, [s.id for s in students], echo=echo,
                                manual={s.id: s.manual for s in students if s.manual})
    echo("")
    echo(score_table(grades, [s.id for s in students], [(a.id, a.has_content) for a in assignments(course)]))
    failed = [r for r in runs if not r.ok]
    if failed:
        echo(f"\n{len(failed)} submission(s) could not be graded:")
        for r in failed:
            echo(f"  {r.student} / {r.assignment}: {r.reason}")
    echo(f"\nGrades: {course / 'grades.csv'}   Feedback: {course / 'feedback'}   "
         f"({time.perf_counter() - start:.0f} s)")
    return grades


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="course directory to create (emptied first)")
    args = parser.parse_args(argv)
    run_demo(args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
