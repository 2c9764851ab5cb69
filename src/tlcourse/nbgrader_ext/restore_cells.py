"""Test cells as the instructor wrote them: hidden tests put back without a false alarm, every
deleted test cell put back even when its neighbours are gone too."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class RestoreAllTestCells(OverwriteCells):
    """nbgrader's OverwriteCells whose re-adding of deleted test cells never crashes.

    nbgrader puts a deleted test cell back right after the cell that precedes it in
    the source, and fails with a KeyError when that cell is gone too (every cell's
    metadata stripped, or another notebook submitted under this name). Here such a
    test cell goes after the last cell put back before it, or at the end: the
    notebook is graded, and tests whose answers are missing fail with a NameError.
    Cells whose grade_id the gradebook does not know (from another notebook) lose
    their nbgrader metadata and run as ordinary code.

    A locked cell with hidden tests is released without them, so nbgrader's own
    version finds its checksum changed in every untouched submission, warns
    "Attribute 'checksum' ... has changed!" and restores it. Here a cell that is
    exactly what was released gets the instructor's source back first: nbgrader
    warns only about cells a student really changed.
    """

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            self._put_hidden_tests_back(cell, grade_id)
        cell, resources = super().preprocess_cell(cell, resources, index)
        if grade_id is not None and "grade_id" not in cell.metadata.get("nbgrader", {}):
            del cell.metadata["nbgrader"]          # a cell of another notebook: ordinary code here
        return cell, resources

    def _put_hidden_tests_back(self, cell, grade_id: str) -> None:
        """The gradebook's source for a locked cell whose code is exactly the released version."""
        try:
            source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return                                 # another notebook's cell: nbgrader handles it
        if not source_cell.locked or source_cell.source == cell.source:
            return
        released = NotebookNode(cell_type=source_cell.cell_type, source=source_cell.source, metadata={})
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        if released.source == cell.source:
            cell.source = source_cell.source

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_ids = [cell.name for cell in source_nb.source_cells]
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        present = {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
                   if utils.is_grade(cell) or utils.is_solution(cell)}
        for grade_cell in source_nb.grade_cells:
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_cell.name)
            source_cell = source_nb.source_cells[source_ids.index(grade_cell.name)]
            new = self.missing_cell_transform(source_cell, grade_cell.max_score,
                                              is_solution=grade_cell.name in solution_ids)
            earlier = [present[i] for i in source_ids[:source_ids.index(grade_cell.name)] if i in present]
            at = next((k + 1 for k, cell in enumerate(nb.cells) if earlier and cell is earlier[-1]),
                      len(nb.cells))
            nb.cells.insert(at, new)
            present[grade_cell.name] = new
        return nb, resources
