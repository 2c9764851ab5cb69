"""Shared pieces of the graded checks: the failure message and its parts."""

from __future__ import annotations

import functools
import numbers
from typing import Callable, Iterable


class CheckFailed(AssertionError):
    """A graded check failed; the message teaches what to change."""


class GradingError(RuntimeError):
    """A check could not run: a fault of the grading code, not of the student's answer."""


def grading_check(check: Callable) -> Callable:
    """Decorate a check: its ``CheckFailed`` (the answer is wrong) passes through; any other
    exception raised inside the check itself becomes a ``GradingError`` that says so, never a
    verdict on the answer. A check calls the student's code inside its own ``try`` and turns
    what that raises into a ``CheckFailed``, and validates the student's values before using
    them, so what is left is the check's own fault."""
    @functools.wraps(check)
    def run(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except (CheckFailed, GradingError):
            raise
        except Exception as exc:  # noqa: BLE001 - anything else is the grader's fault
            raise GradingError(
                f"Grading error: the check {check.__name__} could not run ({type(exc).__name__}: {exc}). "
                "This is a fault of the grading code, not a verdict on your answer: tell your "
                "instructor, who will look at this cell.") from exc
    return run


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


def call_answer(fn: Callable, *args, expected: str, why: str, see: str = ""):
    """``fn(*args)`` for a student's function; if it raises, ``CheckFailed`` that names the error
    (``expected``: what the call should have done) - a verdict on the answer, not a grading error."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
        raise fail(expected, f"{type(exc).__name__}: {exc}", why, see) from None


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


# --- plain copies of answers ----------------------------------------------------------------
# A check compares a plain copy of the student's value, never the value itself: a ``str`` or
# ``int`` subclass whose ``__eq__`` always says True must not pass. numpy's own scalar types
# with the right value are honest answers and stay accepted.


def plain_str(value) -> str | None:
    """The characters of a string answer as an exact ``str`` (``None`` if it is no string)."""
    return str.__str__(value) if isinstance(value, str) else None


def plain_int(value) -> int | None:
    """A whole-number answer as an exact ``int``: ints (any subclass copied by value) and numpy's
    own integer types; ``None`` for anything else, bools included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int.__int__(value)
    if _numpy_scalar(value) and isinstance(value, numbers.Integral):
        return int(value)
    return None


def plain_float(value) -> float | None:
    """A numeric answer as an exact ``float``: floats (any subclass copied by value), whole
    numbers as ``plain_int`` takes them, numpy's own floating types; ``None`` otherwise."""
    if isinstance(value, float):
        return float.__float__(value)
    if _numpy_scalar(value) and isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return float(value)
    whole = plain_int(value)
    return None if whole is None else float(whole)


def _numpy_scalar(value) -> bool:
    """One of numpy's own scalar types (a subclass defined elsewhere is not)."""
    return type(value).__module__ == "numpy"
