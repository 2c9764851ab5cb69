"""Question Markdown as HTML, through mistune (the Markdown parser nbconvert already uses).

Question, option and feedback texts are Markdown: paragraphs, lists, fenced code,
`inline code`, **bold**, *italics*. ``$math$`` and ``$$math$$`` come out as written, for
MathJax or KaTeX in the front end to typeset. Raw HTML in a text is shown, never run.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import mistune
from mistune.plugins.math import math


def _escape(text: str) -> str:
    """Text made safe inside HTML (quotes kept as typed)."""
    return html.escape(text, quote=False)


class QuestionHTMLRenderer(mistune.HTMLRenderer):
    """mistune's HTML renderer, made compact and safe for quiz widgets and static copies."""

    def __init__(self) -> None:
        super().__init__(escape=True)

    def text(self, text: str) -> str:
        return _escape(text)

    def codespan(self, text: str) -> str:
        return f"<code>{_escape(text)}</code>"

    def softbreak(self) -> str:
        return " "

    def inline_html(self, raw: str) -> str:
        return _escape(raw)

    def block_html(self, raw: str) -> str:
        return f"<p>{_escape(raw.strip())}</p>\n"

    def block_code(self, code: str, info: str | None = None) -> str:
        return f"<pre><code>{_escape(code.rstrip(chr(10)))}</code></pre>\n"

    def list(self, text: str, ordered: bool, **attrs: Any) -> str:
        if not ordered:
            return f"<ul>{text}</ul>\n"
        start = attrs.get("start")
        first = f' start="{start}"' if start not in (None, 1) else ""
        return f"<ol{first}>{text}</ol>\n"

    def list_item(self, text: str) -> str:
        return f"<li>{text.strip()}</li>"

    def inline_math(self, text: str) -> str:
        return _escape(f"${text}$")

    def block_math(self, text: str) -> str:
        return _escape(f"$${text}$$")


@lru_cache(maxsize=1)
def _parser() -> mistune.Markdown:
    """The one Markdown parser for question texts."""
    return mistune.Markdown(renderer=QuestionHTMLRenderer(), plugins=[math])


def markdown_to_html(text: str) -> str:
    """A question text (blocks: paragraphs, lists, fenced code) as HTML."""
    return str(_parser()(text)).strip()


def inline_html(text: str) -> str:
    """A one-line text (an option, a feedback line) as HTML, without a paragraph around it."""
    parser = _parser()
    tokens = parser.inline(text, {})
    return parser.renderer.render_tokens(tokens, mistune.BlockState())
