"""Are the corpus's expectations coherent before anything is graded? (no nbgrader run)"""

from __future__ import annotations

import pytest

from tests.corpus.build import expected_cell_points, graded_test_cells
from tests.corpus.cases import CASES, EVERY_CELL


@pytest.mark.parametrize("case", [c for c in CASES if c.fails is not None], ids=lambda c: c.id)
def test_the_failing_cells_exist_and_add_up_to_the_score(case):
    cells = graded_test_cells(case.assignment)
    if case.fails != EVERY_CELL:
        unknown = set(case.fails) - set(cells)
        assert not unknown, f"{case.id}: no autograded test cell called {sorted(unknown)} in {case.assignment}"
    assert sum(expected_cell_points(case).values()) == case.score, (
        f"{case.id}: the cells it fails give {sum(expected_cell_points(case).values())}, not {case.score}")


def test_every_assignment_has_test_cells():
    for assignment in {case.assignment for case in CASES}:
        assert graded_test_cells(assignment), f"{assignment}: no autograded test cells found in source/"
