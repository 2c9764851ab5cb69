"""One helper for the checks' tests: a check that breaks inside reports a grading error."""

from __future__ import annotations

import re
from typing import Callable

import pytest

from tlcourse.checks.base import GradingError


def assert_grading_error(monkeypatch, module, attribute: str, check: Callable, call: Callable,
                         error: Exception) -> None:
    """Make ``module.attribute`` (a helper the check uses) raise ``error``; then ``call()`` must
    fail with a ``GradingError`` that names ``check`` and the error and says it is no verdict on
    the answer, never with a ``CheckFailed`` that blames the student."""
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(module, attribute, broken)
    words = re.escape(f"Grading error: the check {check.__name__} could not run "
                      f"({type(error).__name__}: {error})")
    with pytest.raises(GradingError, match=words + r"(.|\n)*not a verdict on your answer"):
        call()
