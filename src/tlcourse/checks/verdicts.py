"""Which graded cells are decided in the grader, and by which verdict function.

A cell listed here exports its evidence from the kernel (``tlcourse.evidence.export``) instead of
asserting there; ``tlcourse.nbgrader_ext.DecideInGrader`` finds its verdict here, by assignment
and grade id. The verdict functions live next to their checks (each module's ``VERDICTS``: grade
id -> verdict) and raise ``CheckFailed`` with the check's own message. The registry names the
modules and imports one only when its assignment is graded: the checks import torch, which an
nbgrader command for any other assignment never needs.
"""

from __future__ import annotations

import importlib
from typing import Callable

#: assignment -> the checks module whose ``VERDICTS`` maps grade ids of test cells to verdict(evidence)
VERDICT_MODULES: dict[str, str] = {"01_concepts": "tlcourse.checks.concepts"}


def verdict_for(assignment: str, cell_id: str) -> Callable | None:
    """The verdict function of this test cell, or None when the cell is decided in the kernel."""
    module = VERDICT_MODULES.get(assignment)
    if module is None:
        return None
    return importlib.import_module(module).VERDICTS.get(cell_id)
