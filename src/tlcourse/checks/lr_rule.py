"""The rule of notebook 4's learning-rate exercise, as the reference its check compares with.

It lives with the checks, not in ``tlcourse.lr_sweep`` (the module the notebook imports for the
sweep itself), so the module students use and read offers no finished answer to the exercise.
"""

from __future__ import annotations

from typing import Sequence


def steadily_decreasing(losses: Sequence[float]) -> bool:
    """Every loss strictly lower than the one before it."""
    return all(b < a for a, b in zip(losses, losses[1:]))


def pick_steady_lr(histories: dict[float, Sequence[float]]) -> float | None:
    """Of the learning rates whose loss falls in every epoch, the one with the lowest last loss
    (None if no loss falls in every epoch)."""
    steady = [lr for lr, losses in histories.items() if steadily_decreasing(losses)]
    return min(steady, key=lambda lr: histories[lr][-1]) if steady else None
