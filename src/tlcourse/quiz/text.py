"""The static copies of a question group (plain text, Markdown, HTML) for where no widget runs.

A terminal, nbconvert HTML and GitHub's notebook preview show these: each question and
its lettered options, never the right answer.
"""

from __future__ import annotations

import html
from typing import Sequence

from tlcourse.quiz.markdown_html import inline_html, markdown_to_html
from tlcourse.quiz.model import ChoiceQuestion, Group, NumericQuestion, Question

#: Told to readers of a static copy.
STATIC_NOTE = ("Self-check quiz: run this cell in Jupyter to pick answers and get feedback "
               "on each option.")


def kind_hint(question: Question) -> str:
    """What kind of answer a question wants, in words."""
    if isinstance(question, NumericQuestion):
        return "Answer with a number."
    if question.multiple:
        return "Select all that apply."
    return "Choose one."


def group_text(group: Group, numbers: Sequence[int] | None = None) -> str:
    """A group as plain text for a terminal or a plain-text front end."""
    numbers = numbers or range(1, len(group.questions) + 1)
    lines = [group.title, "=" * len(group.title)]
    if group.intro:
        lines += [group.intro.strip(), ""]
    for number, question in zip(numbers, group.questions):
        lines += ["", f"Question {number}. {question.prompt}", f"({kind_hint(question)})"]
        if isinstance(question, ChoiceQuestion):
            lines += [f"  {letter}) {option.text}" for letter, option in question.displayed()]
    lines += ["", STATIC_NOTE]
    return "\n".join(lines)


def group_markdown(group: Group) -> str:
    """A group as Markdown."""
    parts = [f"#### {group.title}"]
    if group.intro:
        parts.append(group.intro.strip())
    for number, question in enumerate(group.questions, 1):
        parts.append(f"**Question {number}.** {question.prompt}\n\n*{kind_hint(question)}*")
        if isinstance(question, ChoiceQuestion):
            parts.append("\n".join(f"- **{letter}.** {option.text}"
                                   for letter, option in question.displayed()))
    parts.append(f"*{STATIC_NOTE}*")
    return "\n\n".join(parts)


def group_html(group: Group) -> str:
    """A group as static HTML (nbconvert, GitHub's preview): questions and options only."""
    parts = [f'<div class="tlquiz-static">', f"<h4>{html.escape(group.title)}</h4>"]
    if group.intro:
        parts.append(markdown_to_html(group.intro))
    for number, question in enumerate(group.questions, 1):
        parts.append(f'<div class="tlquiz-static-question"><p><strong>Question {number}.'
                     f"</strong> <em>{kind_hint(question)}</em></p>")
        parts.append(markdown_to_html(question.prompt))
        if isinstance(question, ChoiceQuestion):
            items = "".join(f"<li><strong>{letter}.</strong> {inline_html(option.text)}</li>"
                            for letter, option in question.displayed())
            parts.append(f'<ul style="list-style: none">{items}</ul>')
        parts.append("</div>")
    parts.append(f"<p><em>{html.escape(STATIC_NOTE)}</em></p></div>")
    return "\n".join(parts)
