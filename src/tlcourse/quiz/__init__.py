"""Self-check quizzes: questions as data (one YAML file per notebook), shown as widgets.

In a notebook::

    from tlcourse.quiz import show
    show("foodvision_head", "seeds")

Quizzes are for self-check only: nbgrader grades code cells, never clicks. While nbgrader
runs a notebook (``NBGRADER_EXECUTION`` is set) :func:`show` returns at once and shows
nothing. Nothing heavy is imported until a quiz is actually shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlcourse.env import under_nbgrader
from tlcourse.quiz.model import QuizFileError

if TYPE_CHECKING:
    from tlcourse.quiz.model import QuizFile
    from tlcourse.quiz.widgets import GroupView

__all__ = ["show", "load", "views", "QuizFileError"]


def load(notebook: str) -> "QuizFile":
    """The validated questions of a course notebook (``"foodvision_head"``) or a file path."""
    from tlcourse.quiz.loader import load as _load

    return _load(notebook)


def views(notebook: str, group: str | None = None) -> list["GroupView"]:
    """Widget views of one group (or all groups) of a notebook's questions, not displayed."""
    from tlcourse.quiz.widgets import GroupView

    quiz = load(notebook)
    groups = [quiz.group(group)] if group is not None else list(quiz.groups)
    return [GroupView(g) for g in groups]


def show(notebook: str, group: str | None = None) -> None:
    """Show one group of a notebook's questions (all groups if ``group`` is None).

    In a live kernel: interactive widgets, with an HTML/Markdown/plain-text copy for
    front ends that cannot run widgets. In a terminal: the plain text. Under nbgrader:
    nothing.
    """
    if under_nbgrader():
        return
    from tlcourse.quiz.display import front_end, publish
    from tlcourse.quiz.text import group_html, group_markdown, group_text

    quiz = load(notebook)
    groups = [quiz.group(group)] if group is not None else list(quiz.groups)
    live = front_end() == "kernel"
    for g in groups:
        factory = None
        if live:
            from tlcourse.quiz.widgets import GroupView

            factory = (lambda g=g: GroupView(g).box)
        publish(group_text(g), group_markdown(g), group_html(g), factory)
