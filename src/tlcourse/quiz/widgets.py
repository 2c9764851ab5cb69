"""Quizzes as ipywidgets core widgets (works with ipywidgets 7.7 and 8.x).

Only core widgets are used (Checkbox, Text, Button, HTML, HTMLMath, boxes): no custom
front end and no injected JavaScript. The answer logic is in :mod:`tlcourse.quiz.model`; this module
only turns clicks into calls to it and its results into HTML.
"""

from __future__ import annotations

import html
from typing import Callable

import ipywidgets as widgets

from tlcourse.quiz.markdown_html import inline_html, markdown_to_html
from tlcourse.quiz.model import CORRECT, INVALID, Group, NumericQuestion, Question, Result
from tlcourse.quiz.model import Scoreboard
from tlcourse.quiz.text import kind_hint

#: Colours of the outcome banner, by result status.
COLOURS = {"correct": "#1b7f3b", "incorrect": "#b3261e", "partial": "#a05a00", "invalid": "#555"}


def result_html(result: Result) -> str:
    """The feedback shown under a question after Check."""
    colour = COLOURS[result.status]
    parts = [f'<div class="tlquiz-status tlquiz-{result.status}" style="color:{colour}">'
             f"<strong>{html.escape(result.headline)}</strong></div>"]
    items = []
    for line in result.feedback:
        mark = {True: "&#10004; ", False: "&#10008; ", None: ""}[line.correct]
        label = f"<strong>{line.letter}.</strong> " if line.letter else ""
        items.append(f"<li>{mark}{label}{inline_html(line.text)}</li>")
    if items:
        parts.append(f'<ul style="margin:0.2em 0">{"".join(items)}</ul>')
    if result.explanation:
        parts.append(f"<div><strong>Why:</strong> {markdown_to_html(result.explanation)}</div>")
    return "\n".join(parts)


class QuestionView:
    """One question: prompt, answer inputs, Check / Try again, and the feedback area."""

    def __init__(self, question: Question, number: int,
                 on_result: Callable[[Question, Result | None], None] | None = None) -> None:
        self.question = question
        self.on_result = on_result
        self.result: Result | None = None
        self._syncing = False
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self.number_box: widgets.Text | None = None
        header = (f"<strong>Question {number}.</strong> <em>{kind_hint(question)}</em>"
                  f"{markdown_to_html(question.prompt)}")
        self.prompt = widgets.HTMLMath(value=header)
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.retry_button = widgets.Button(description="Try again", disabled=True)
        self.feedback = widgets.HTMLMath(value="")
        self.feedback.add_class("tlquiz-feedback")
        self.check_button.on_click(lambda _: self.check())
        self.retry_button.on_click(lambda _: self.try_again())
        buttons = widgets.HBox([self.check_button, self.retry_button])
        self.box = widgets.VBox([self.prompt, self._inputs(), buttons, self.feedback],
                                layout=widgets.Layout(margin="0 0 1em 0"))
        self.box.add_class("tlquiz-question")

    def _inputs(self) -> widgets.Widget:
        """The answer inputs: a checkbox per option, or a text box for a number."""
        if isinstance(self.question, NumericQuestion):
            self.number_box = widgets.Text(placeholder="type a number",
                                           layout=widgets.Layout(width="12em"))
            self.number_box.add_class("tlquiz-number")
            return self.number_box
        rows = []
        for letter, option in self.question.displayed():
            box = widgets.Checkbox(value=False, description=letter, indent=False,
                                   layout=widgets.Layout(width="3.5em"))
            box.add_class("tlquiz-option")
            box.observe(self._on_toggle, names="value")
            self.checkboxes[letter] = box
            label = widgets.HTMLMath(value=inline_html(option.text))
            rows.append(widgets.HBox([box, label], layout=widgets.Layout(align_items="center")))
        return widgets.VBox(rows)

    def _on_toggle(self, change: dict) -> None:
        """Single choice: ticking one option unticks the others."""
        if self._syncing or not change["new"] or self.question.kind != "single":
            return
        self._syncing = True
        try:
            for box in self.checkboxes.values():
                if box is not change["owner"]:
                    box.value = False
        finally:
            self._syncing = False

    def selected(self) -> list[str]:
        """The letters ticked now."""
        return [letter for letter, box in self.checkboxes.items() if box.value]

    def answer(self, value: str | list[str]) -> None:
        """Set the answer as a student would (letters for choices, text for a number)."""
        if self.number_box is not None:
            self.number_box.value = str(value)
            return
        letters = {value} if isinstance(value, str) else set(value)
        for letter in letters:
            if letter not in self.checkboxes:
                raise ValueError(f"question {self.question.id!r} has no option {letter!r}")
        for letter, box in self.checkboxes.items():
            box.value = letter in letters

    def check(self) -> Result:
        """Check the current answer, show its feedback, and lock the inputs until Try again."""
        raw = self.number_box.value if self.number_box is not None else self.selected()
        result = self.question.check(raw)
        self.feedback.value = result_html(result)
        if result.status != INVALID:
            self.result = result
            self._lock(True)
        if self.on_result:
            self.on_result(self.question, result)
        return result

    def try_again(self) -> None:
        """Clear the answer and its feedback so the student can answer again."""
        self.result = None
        self.feedback.value = ""
        for box in self.checkboxes.values():
            box.value = False
        if self.number_box is not None:
            self.number_box.value = ""
        self._lock(False)
        if self.on_result:
            self.on_result(self.question, None)

    def _lock(self, locked: bool) -> None:
        for box in self.checkboxes.values():
            box.disabled = locked
        if self.number_box is not None:
            self.number_box.disabled = locked
        self.check_button.disabled = locked
        self.retry_button.disabled = not locked


class GroupView:
    """A group of questions with a running score."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.scoreboard = Scoreboard([q.id for q in group.questions])
        self.score = widgets.HTML(value=self._score_html())
        self.score.add_class("tlquiz-score")
        self.questions = [QuestionView(q, n, self._on_result)
                          for n, q in enumerate(group.questions, 1)]
        head = [widgets.HTML(value=f"<h4>{html.escape(group.title)}</h4>")]
        if group.intro:
            head.append(widgets.HTMLMath(value=markdown_to_html(group.intro)))
        self.box = widgets.VBox(head + [q.box for q in self.questions] + [self.score])
        self.box.add_class("tlquiz")

    def _on_result(self, question: Question, result: Result | None) -> None:
        if result is None:
            self.scoreboard.reset(question.id)
        else:
            self.scoreboard.record(question.id, result)
        self.score.value = self._score_html()

    def _score_html(self) -> str:
        done = self.scoreboard.total and self.scoreboard.correct == self.scoreboard.total
        colour = COLOURS[CORRECT] if done else "inherit"
        return f'<strong style="color:{colour}">{html.escape(self.scoreboard.summary())}</strong>'

    def view(self, question_id: str) -> QuestionView:
        """The view of one question, by id."""
        for view in self.questions:
            if view.question.id == question_id:
                return view
        raise KeyError(f"group {self.group.name!r} has no question {question_id!r}")
