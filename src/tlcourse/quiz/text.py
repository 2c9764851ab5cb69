"""Quizzes as text: plain text, Markdown and static HTML (no widgets, no answers).

These are what a reader sees where no widget can run: a terminal, nbconvert HTML,
GitHub's notebook preview. They show each question and its lettered options, never the
right answer. ``markdown_to_html`` is the small Markdown subset the widgets use too.
"""

from __future__ import annotations

import html
import re
from typing import Sequence

from .model import ChoiceQuestion, Group, NumericQuestion, Question

#: Told to readers of a static copy.
STATIC_NOTE = ("Self-check quiz: run this cell in Jupyter to pick answers and get feedback "
               "on each option.")

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_INLINE = re.compile(r"(`[^`\n]+`|\$\$.+?\$\$|\$[^$\n]+\$)", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def markdown_to_html(text: str) -> str:
    """Render the Markdown subset used in questions: paragraphs, ``- `` lists, fenced code,
    `inline code`, **bold**, *italics*; ``$math$`` is kept for MathJax/KaTeX to typeset."""
    blocks: list[str] = []
    position = 0
    for fence in _FENCE.finditer(text):
        blocks += _paragraphs(text[position:fence.start()])
        code = html.escape(fence.group(1).rstrip("\n"), quote=False)
        blocks.append(f"<pre><code>{code}</code></pre>")
        position = fence.end()
    blocks += _paragraphs(text[position:])
    return "\n".join(blocks)


def _paragraphs(text: str) -> list[str]:
    """HTML blocks for text without fenced code: paragraphs and bullet lists."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{inline_html(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{inline_html(' '.join(lines))}</p>")
    return blocks


def inline_html(text: str) -> str:
    """Inline Markdown to HTML: code spans and math are escaped but not styled."""
    parts = []
    for k, piece in enumerate(_INLINE.split(text)):
        if k % 2 == 1 and piece.startswith("`"):
            parts.append(f"<code>{html.escape(piece[1:-1], quote=False)}</code>")
        elif k % 2 == 1:
            parts.append(html.escape(piece, quote=False))
        else:
            styled = _BOLD.sub(r"<strong>\1</strong>", html.escape(piece, quote=False))
            parts.append(_EM.sub(r"<em>\1</em>", styled))
    return "".join(parts)


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
