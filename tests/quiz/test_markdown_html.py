"""Question Markdown as HTML (mistune): the subset questions use, math kept, raw HTML shown."""

from __future__ import annotations

from tlcourse.quiz.markdown_html import inline_html, markdown_to_html


def test_markdown_subset():
    html = markdown_to_html("Use `a < b` and **bold** and *it*.\n\n- one\n- two\n\n"
                            "```python\nx = [1, 2] # <tag>\n```\nafter $x_1 * y_1$")
    assert "<p>Use <code>a &lt; b</code> and <strong>bold</strong> and <em>it</em>.</p>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<pre><code>x = [1, 2] # &lt;tag&gt;</code></pre>" in html
    assert "<p>after $x_1 * y_1$</p>" in html, "math is left for MathJax, not styled"


def test_raw_html_in_questions_is_escaped():
    assert markdown_to_html("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert inline_html("a <b>bold</b> tag") == "a &lt;b&gt;bold&lt;/b&gt; tag"


def test_lines_of_one_paragraph_join_with_a_space_and_quotes_stay_as_typed():
    assert markdown_to_html('the "base"\nand the head') == '<p>the "base" and the head</p>'


def test_inline_text_has_no_paragraph_around_it():
    assert inline_html("`torch.nn.Linear(512, 7)` is **the** head") == \
        "<code>torch.nn.Linear(512, 7)</code> is <strong>the</strong> head"


def test_math_keeps_its_backslashes_and_stars_while_markdown_escapes_apply_outside():
    text = r"$512 \times 7 + 7 = 3591$ and $$a * b_1 * c_2 < d$$ but \*plain\*"
    assert inline_html(text) == r"$512 \times 7 + 7 = 3591$ and $$a * b_1 * c_2 &lt; d$$ but *plain*"


def test_numbered_lists_and_paragraphs_are_separate_blocks():
    assert markdown_to_html("Steps:\n\n1. freeze\n2. train the head") == \
        "<p>Steps:</p>\n<ol><li>freeze</li><li>train the head</li></ol>"
    assert markdown_to_html("3. third\n4. fourth") == '<ol start="3"><li>third</li><li>fourth</li></ol>'
