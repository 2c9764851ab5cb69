"""Make student submissions from the built release: the answers a simulated student gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class Student:
    """A simulated student.

    ``solves``: fill answer cells with the source solutions (else leave them as released).
    ``edits``: per assignment, answer cells (by nbgrader grade_id) replaced with this code.
    ``missing``: assignments whose folder this student submits without the notebook.
    ``manual``: per assignment, the points an instructor gives each hand-graded cell
    (by grade_id), as formgrader would record them.
    """

    id: str
    solves: bool = True
    edits: dict[str, dict[str, str]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    manual: dict[str, dict[str, float]] = field(default_factory=dict)


def solution_code(source: str) -> str:
    """A source answer cell as a student who solved it would leave it: markers removed."""
    return "\n".join(line for line in source.splitlines() if not SOLUTION_MARKER.match(line))


def answer_cells(nb) -> dict[str, "nbformat.NotebookNode"]:
    """The notebook's answer cells (nbgrader ``solution`` cells) by grade_id."""
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def student_notebook(release_nb_path: Path, source_nb_path: Path, student: Student,
                     assignment_id: str):
    """The notebook ``student`` submits, built from the release and the source solutions."""
    nb = nbformat.read(release_nb_path, as_version=4)
    answers = answer_cells(nb)
    if student.solves:
        solutions = answer_cells(nbformat.read(source_nb_path, as_version=4))
        for grade_id, cell in answers.items():
            cell.source = solution_code(solutions[grade_id].source)
    for grade_id, code in student.edits.get(assignment_id, {}).items():
        if grade_id not in answers:
            raise KeyError(f"{student.id}: no answer cell {grade_id!r} in {release_nb_path.name}; "
                           f"answer cells are {sorted(answers)}")
        answers[grade_id].source = code
    return nb


def write_submission(course_dir: Path, student: Student, assignment_id: str,
                     release_dir: str = "notebooks") -> list[Path]:
    """Write ``student``'s submission of one assignment under submitted/; returns its notebooks."""
    out_dir = course_dir / "submitted" / student.id / assignment_id
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if assignment_id in student.missing:
        return written
    for release_nb in sorted((course_dir / release_dir / assignment_id).glob("*.ipynb")):
        source_nb = course_dir / "source" / assignment_id / release_nb.name
        nb = student_notebook(release_nb, source_nb, student, assignment_id)
        path = out_dir / release_nb.name
        nbformat.write(nb, path)
        written.append(path)
    return written
