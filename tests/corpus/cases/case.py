"""One corpus case: a student notebook, the points real nbgrader must give it, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

#: ``Case.fails`` for a submission nbgrader cannot grade or that has no notebook: every cell scores 0.
EVERY_CELL = ("*",)


@dataclass(frozen=True)
class Case:
    """A submission and its expected grade, decided from the task text before grading.

    ``fails`` names the autograded test cells (grade ids) that must score 0; every other
    autograded test cell must score its full points (nbgrader's test cells are all or nothing).
    ``score`` is the total those cells give; tests/corpus/test_cases.py checks the two agree.
    """

    id: str
    assignment: str
    score: float
    why: str
    edits: dict = field(default_factory=dict)
    solves: bool = True
    transform: object = None
    missing: bool = False
    graded: bool = True
    reason_contains: str = ""
    feedback: tuple = ()
    fails: tuple | None = None
