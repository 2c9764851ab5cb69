"""The corpus as graded: every submission of it, and what nbgrader recorded right after grading."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from autograder.autograde import GradingRun
from autograder.nbgrader_cli import nbgrader
from autograder.report import export_lines, read_grades, recorded_submissions
from tests.corpus.build import WITNESS
from tests.corpus.cases import CASES

ASSIGNMENTS = sorted({case.assignment for case in CASES})
#: Every submission of the corpus: the witness of each assignment first (graded before everyone
#: else), then one per case.
PAIRS = [(WITNESS, a) for a in ASSIGNMENTS] + [(case.id, case.assignment) for case in CASES]


class GradedCorpus(NamedTuple):
    """A corpus course after grading, with what nbgrader recorded right then."""

    course: Path
    grades: dict                                   # nbgrader export: (student, assignment) -> (score, max)
    runs: dict[tuple[str, str], GradingRun]        # (student, assignment) -> how its grading went
    recorded: dict                                 # autograder.report.recorded_submissions over PAIRS
    export: list[str]                              # nbgrader export's CSV lines, sorted
    seconds: float                                 # how long grading took


def graded(course: Path, runs: list[GradingRun], seconds: float) -> GradedCorpus:
    """``course`` exported and read back right after grading (later tests may grade again)."""
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return GradedCorpus(course, read_grades(course / "grades.csv"),
                        {(r.student, r.assignment): r for r in runs},
                        recorded_submissions(course, PAIRS), export_lines(course / "grades.csv"), seconds)
