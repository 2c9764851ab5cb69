"""Shared pieces of the graded checks."""

from __future__ import annotations

from typing import Iterable


class CheckFailed(AssertionError):
    """A graded check failed; the message teaches what to change."""


def fail(expected: str, found: str, why: str, hint: str = "") -> CheckFailed:
    """Build the course's failure message: expected, found, why (and a hint)."""
    parts = [f"Expected: {expected}", f"Found:    {found}", f"Why:      {why}"]
    if hint:
        parts.append(f"Try:      {hint}")
    return CheckFailed("\n".join(parts))


def require(condition: bool, expected: str, found: str, why: str, hint: str = "") -> None:
    """Raise ``CheckFailed`` unless ``condition`` holds."""
    if not condition:
        raise fail(expected, found, why, hint)


def short_list(names: Iterable[str], most: int = 3) -> str:
    """``a, b, c and 7 more`` - for messages that name offending parameters."""
    names = list(names)
    shown = ", ".join(names[:most])
    rest = len(names) - most
    return f"{shown} and {rest} more" if rest > 0 else shown
