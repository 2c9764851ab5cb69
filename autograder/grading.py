"""Grade a class with real nbgrader, one submission at a time, with progress."""

from __future__ import annotations

import csv
import warnings
from contextlib import contextmanager
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.nbgrader_cli import nbgrader


@dataclass
class GradingRun:
    """The outcome of autograding one student's submission of one assignment."""

    student: str
    assignment: str
    ok: bool
    seconds: float
    reason: str = ""


def _failure_reason(output: str) -> str:
    """The most telling line of nbgrader's log for a failed submission."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for key in ("NotJSONError", "JSONDecodeError", "Notebook does not appear to be JSON",
                "ValidationError", "CellTimeoutError", "DeadKernelError", "Error"):
        for line in lines:
            if key in line:
                return line[:300]
    return lines[-1][:300] if lines else "nbgrader failed without output"


def autograde_one(course_dir: Path, assignment: str, student: str, *extra_args: str,
                  timeout: float | None = None, env: dict[str, str] | None = None) -> GradingRun:
    """``nbgrader autograde ASSIGNMENT --student STUDENT``; a failure is reported, not raised.

    ``timeout`` bounds the whole submission (nbgrader and its kernel are killed after it).
    """
    start = time.perf_counter()
    try:
        proc = nbgrader(course_dir, "autograde", assignment, f"--student={student}", "--force",
                        *extra_args, check=False, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return GradingRun(student, assignment, False, time.perf_counter() - start,
                          f"grading took longer than {timeout:g} s and was stopped")
    seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    if "No notebooks were matched" in output or "No notebooks found" in output:
        # Nothing of this assignment was submitted: nbgrader stops without recording the
        # student at all. Record the empty submission so every notebook scores 0.
        record_empty_submission(course_dir, assignment, student, *extra_args)
        return GradingRun(student, assignment, False, seconds,
                          f"no notebook of {assignment} in the submission: recorded as 0 points")
    failed = proc.returncode != 0 or "There was an error processing assignment" in output
    return GradingRun(student, assignment, not failed, seconds,
                      _failure_reason(output) if failed else "")


def gradebook_url(course_dir: Path, *extra_args: str) -> str:
    """The gradebook nbgrader uses for this course directory (and these arguments)."""
    for arg in extra_args:
        if arg.startswith("--CourseDirectory.db_url="):
            return arg.split("=", 1)[1]
    if os.environ.get("TLCOURSE_GRADEBOOK_URL"):
        from tlcourse.nbgrader_ext import database_url

        return database_url(os.environ["TLCOURSE_GRADEBOOK_URL"])
    return f"sqlite:///{(course_dir / 'gradebook.db').resolve()}"


@contextmanager
def open_gradebook(course_dir: Path, *extra_args: str):
    """nbgrader's own Gradebook for this course directory, without SQLAlchemy's warnings."""
    from nbgrader.api import Gradebook

    from autograder.course import course_id

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy chatter from inside nbgrader's API
        with Gradebook(gradebook_url(course_dir, *extra_args), course_id(course_dir)) as gb:
            yield gb


def record_empty_submission(course_dir: Path, assignment: str, student: str, *extra_args: str) -> None:
    """A submission without notebooks, through nbgrader's own gradebook API: it scores 0."""
    with open_gradebook(course_dir, *extra_args) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)


def autograde_all(course_dir: Path, pairs: list[tuple[str, str]], echo=print) -> list[GradingRun]:
    """Autograde each (student, assignment) pair in turn, printing progress as it goes."""
    runs = []
    for i, (student, assignment) in enumerate(pairs, start=1):
        label = f"  [{i}/{len(pairs)}] {student:<12} {assignment:<26}"
        if sys.stdout.isatty():
            echo(f"{label} grading...", end="\r", flush=True)
        run = autograde_one(course_dir, assignment, student)
        status = "ok" if run.ok else f"FAILED: {run.reason}"
        echo(f"{label} {run.seconds:5.1f} s  {status}")
        runs.append(run)
    return runs


def read_grades(csv_path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """nbgrader export's CSV as {(student, assignment): (score, max_score)}."""
    with open(csv_path, newline="") as handle:
        return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


def score_table(grades: dict, students: list[str], assignments: list[tuple[str, bool]]) -> str:
    """A per-student, per-assignment table; assignments without content show '-'."""
    width = max(len(a) for a, _ in assignments) + 2
    lines = ["student".ljust(12) + "".join(a.rjust(width) for a, _ in assignments)]
    for student in students:
        cells = []
        for assignment, has_content in assignments:
            if not has_content:
                cells.append("-".rjust(width))
                continue
            score, max_score = grades.get((student, assignment), (0.0, float("nan")))
            cells.append(f"{score:g}/{max_score:g}".rjust(width))
        lines.append(student.ljust(12) + "".join(cells))
    return "\n".join(lines)
