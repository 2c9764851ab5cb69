"""Write the corpus into a course directory: the release, then one student per case.

    python -m tests.corpus.build OUT      # a course directory to inspect or grade by hand
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from autograder.course import fresh_course_dir
from autograder.nbgrader_cli import nbgrader
from autograder.submissions import Student, write_submission
from tests.corpus.cases import CASES, EVERY_CELL, Case

SOURCE = Path(__file__).resolve().parents[2] / "source"

#: A student with the instructor's solutions, graded first and checked again at the end.
WITNESS = "witness"
#: Settings for the corpus run only: a short per-cell limit keeps the endless-loop case fast
#: (60 s: a cold torch import passed 30 s on a loaded 2-core machine).
CORPUS_CONFIG = """
# --- corpus run (tests/corpus) ---
c.Execute.timeout = 60
"""


def graded_test_cells(assignment: str, source: Path = SOURCE) -> dict[str, float]:
    """The autograded test cells of an assignment (grade id -> points); hand-graded answers excluded."""
    cells = {}
    for path in sorted((source / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                cells[meta["grade_id"]] = float(meta["points"])
    return cells


def expected_cell_points(case: Case) -> dict[str, float]:
    """What each autograded test cell of ``case`` must score: 0 where it fails, full points elsewhere."""
    every = case.fails == EVERY_CELL
    return {cell: 0.0 if every or cell in case.fails else points
            for cell, points in graded_test_cells(case.assignment).items()}


def student(case: Case) -> Student:
    """The simulated student behind ``case``."""
    return Student(case.id, solves=case.solves, edits={case.assignment: dict(case.edits)},
                   missing=(case.assignment,) if case.missing else ())


def drop_ungraded_tail(path: Path) -> None:
    """Remove the code cells after the last graded cell (training, plots): they never affect a
    grade (graded cells must not depend on a training run) and take most of a grading run."""
    nb = nbformat.read(path, as_version=4)
    graded = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    if graded:
        last = graded[-1]
        nb.cells = [c for i, c in enumerate(nb.cells)
                    if i <= last or c.cell_type != "code" or c.metadata.get("nbgrader")]
        nbformat.write(nb, path)


def write_case(course: Path, case: Case) -> None:
    """``case``'s submission under submitted/<case id>/<assignment>/, transformed if the case says so."""
    written = write_submission(course, student(case), case.assignment)
    for path in written:
        drop_ungraded_tail(path)
    if case.transform is not None:
        for path in written:
            case.transform(path)


def build_corpus(out: Path, cases: list[Case] = CASES) -> Path:
    """A fresh course directory holding the release of every assignment the cases use."""
    course = fresh_course_dir(out)
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write(CORPUS_CONFIG)
    used = sorted({case.assignment for case in cases})
    for assignment in used:
        if not (course / "source" / assignment).is_dir():
            raise FileNotFoundError(f"corpus cases need source/{assignment}/, which does not exist")
        nbgrader(course, "generate_assignment", assignment, "--force")
        for path in write_submission(course, Student(WITNESS), assignment):
            drop_ungraded_tail(path)
    for case in cases:
        write_case(course, case)
    return course


if __name__ == "__main__":
    print(build_corpus(Path(sys.argv[1]).resolve()))
