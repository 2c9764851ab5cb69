"""Checks that graded test cells call.

Each check raises ``CheckFailed`` (an ``AssertionError``, so nbgrader scores
the cell 0) with a message that says what was expected, what was found and
why it matters. Checks never print to stderr and never warn.
"""

from tlcourse.checks.base import CheckFailed

__all__ = ["CheckFailed"]
