"""Shared pieces of the graded checks: the failure message and its parts."""

from __future__ import annotations

from typing import Iterable


class CheckFailed(AssertionError):
    """A graded check failed; the message teaches what to change."""


def fail(expected: str, found: str, why: str, see: str = "") -> CheckFailed:
    """Build the course's failure message: expected, found, why, and where the notebook explains
    the idea (``see``: the title of that section). It never names the line to type."""
    parts = [f"Expected: {expected}", f"Found:    {found}", f"Why:      {why}"]
    if see:
        parts.append(f'See:      the section "{see}" of this notebook')
    return CheckFailed("\n".join(parts))


def require(condition: bool, expected: str, found: str, why: str, see: str = "") -> None:
    """Raise ``CheckFailed`` unless ``condition`` holds."""
    if not condition:
        raise fail(expected, found, why, see)


def fix_earlier_first(exercise: str, problem: str) -> str:
    """The sentence that sends the student back to an earlier exercise that caused this failure."""
    return f"{problem} - that is {exercise}'s job: fix {exercise} first (its test says how)."


def note_earlier(exercise: str, problem: str) -> None:
    """Tell the student that an earlier exercise left the notebook in a wrong state, without
    failing this one (its own answer is judged on its own). Printed to stdout: a test cell must
    not write to stderr."""
    print("Note: " + fix_earlier_first(exercise, problem))


def short_list(names: Iterable[str], most: int = 3) -> str:
    """``a, b, c and 7 more`` - for messages that name offending parameters."""
    names = list(names)
    shown = ", ".join(names[:most])
    rest = len(names) - most
    return f"{shown} and {rest} more" if rest > 0 else shown
