"""Post-processing of a written submission: what a hostile or unlucky student does to the file."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import nbformat

Transform = Callable[[Path], None]


def _edit(path: Path, change: Callable) -> None:
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def replace_test_code(grade_id: str, code: str) -> Transform:
    """The locked test cell ``grade_id`` rewritten by the student (e.g. to ``pass``)."""
    def change(nb):
        for cell in nb.cells:
            if _grade_id(cell) == grade_id:
                cell.source = code
    return lambda path: _edit(path, change)


def delete_cells(*grade_ids: str) -> Transform:
    """The cells ``grade_ids`` deleted from the notebook."""
    return lambda path: _edit(path, lambda nb: setattr(
        nb, "cells", [c for c in nb.cells if _grade_id(c) not in grade_ids]))


def strip_nbgrader_metadata(path: Path) -> None:
    """Every cell's nbgrader metadata removed (what some editors or a copy-paste do)."""
    def change(nb):
        for cell in nb.cells:
            cell.metadata.pop("nbgrader", None)
    _edit(path, change)


def unlock_and_raise_points(grade_id: str, points: float) -> Transform:
    """The test cell unlocked, made an answer cell and worth more points."""
    def change(nb):
        for cell in nb.cells:
            if _grade_id(cell) == grade_id:
                cell.metadata["nbgrader"].update(locked=False, points=points)
                cell.source = "print('Correct!')"
    return lambda path: _edit(path, change)


def fake_outputs(text: str) -> Transform:
    """Every graded cell shipped with a passing-looking output and an execution count."""
    def change(nb):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
                cell.execution_count = i
    return lambda path: _edit(path, change)


def append_cell(code: str) -> Transform:
    """A code cell of the student's own added at the end."""
    return lambda path: _edit(path, lambda nb: nb.cells.append(nbformat.v4.new_code_cell(code)))


def insert_cell_before(grade_id: str, code: str) -> Transform:
    """A code cell of the student's own inserted right before cell ``grade_id``."""
    def change(nb):
        at = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == grade_id)
        nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    return lambda path: _edit(path, change)


def not_json(path: Path) -> None:
    """A file cut off half-way, as after a crashed upload."""
    path.write_text(path.read_text()[:4000])


def replace_with(other_notebook: Path) -> Transform:
    """The submission replaced by another notebook (another assignment's), under this name."""
    return lambda path: path.write_text(other_notebook.read_text())


def rename_to(name: str) -> Transform:
    """The notebook renamed, so the expected file name is missing."""
    return lambda path: path.rename(path.with_name(name))


def replace_with_release(assignment: str, name: str) -> Transform:
    """The submission replaced by the released notebook of another assignment (same course)."""
    def change(path: Path) -> None:
        course = path.parents[3]
        path.write_text((course / "notebooks" / assignment / name).read_text())
    return change
