"""Which graded cells are decided in the grader, and by which verdict function.

A cell listed here exports its evidence from the kernel (``tlcourse.evidence.export``) instead of
asserting there; ``tlcourse.nbgrader_ext.DecideInGrader`` finds its verdict here, by assignment
and grade id. The verdict functions live next to their checks and raise ``CheckFailed`` with the
check's own message.
"""

from __future__ import annotations

from typing import Callable

from tlcourse.checks import concepts

#: assignment -> {grade id of a test cell -> verdict(evidence)}
VERDICTS: dict[str, dict[str, Callable]] = {"01_concepts": concepts.VERDICTS}


def verdict_for(assignment: str, cell_id: str) -> Callable | None:
    """The verdict function of this test cell, or None when the cell is decided in the kernel."""
    return VERDICTS.get(assignment, {}).get(cell_id)
