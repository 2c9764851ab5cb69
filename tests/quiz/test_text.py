"""Quizzes without a widget front end: text/Markdown/HTML copies, show() everywhere."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys

import pytest

from tlcourse.quiz import display as quiz_display
from tlcourse.quiz import show
from tlcourse.quiz.display import LIVE_CLASS, STATIC_CLASS, WIDGET_MIME
from tlcourse.quiz.model import ChoiceQuestion
from tlcourse.quiz.text import STATIC_NOTE, group_html, group_markdown, group_text


def visible(text: str) -> str:
    """What a reader sees: no tags, no Markdown marks, single spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("`", "").replace("**", "")
    return " ".join(text.split())


@pytest.mark.parametrize("render", [group_text, group_markdown, group_html])
def test_text_copies_show_every_question_and_option_but_no_answers(foodvision, render):
    for group in foodvision.groups:
        text = visible(render(group))
        assert group.title in text
        for number, question in enumerate(group.questions, 1):
            assert f"Question {number}." in text
            if isinstance(question, ChoiceQuestion):
                for letter, option in question.displayed():
                    assert f"{letter}" in text and visible(option.text) in text
                    assert visible(option.feedback) not in text
            assert visible(question.explanation) not in text
        assert "Correct!" not in text and "VBox" not in text


def test_plain_text_letters_match_the_widget_order(foodvision):
    group = foodvision.group("challenge")
    text = group_text(group)
    code = group.questions[1]
    for letter, option in code.displayed():
        assert f"  {letter}) {option.text}" in text


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    full_env.pop("NBGRADER_EXECUTION", None) if "NBGRADER_EXECUTION" not in env else None
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=120, check=True)


def test_show_in_a_plain_terminal_prints_the_questions():
    out = run_python("from tlcourse.quiz import show; show('foodvision_head', 'seeds')").stdout
    assert "Question 1." in out and "ImageNet" in out and "  A) " in out
    assert STATIC_NOTE in out
    assert "VBox" not in out and "Widget" not in out


def test_show_under_nbgrader_shows_nothing_and_imports_nothing_heavy():
    code = ("import sys; from tlcourse.quiz import show; show('foodvision_head'); "
            "print(sorted(m for m in ('ipywidgets', 'yaml', 'jsonschema', 'IPython', 'torch') "
            "if m in sys.modules))")
    result = run_python(code, NBGRADER_EXECUTION="autograde")
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""


def test_the_quiz_package_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None; import tlcourse.quiz, tlcourse.inspector; "
            "from tlcourse.quiz import load; print(len(load('foodvision_head').questions()))")
    assert int(run_python(code).stdout) >= 11


def test_show_in_a_kernel_sends_the_text_copies_then_the_widget(monkeypatch):
    shown = []
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(quiz_display, "front_end", lambda: "kernel")
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append((data, raw)))
    show("foodvision_head", "challenge")
    ((static, raw), (live, raw_live)) = shown
    assert raw is True and raw_live is True
    assert set(static) == {"text/html", "text/markdown", "text/plain"}
    assert set(live) == {WIDGET_MIME, "text/plain"} and live["text/plain"] == ""
    model_id = live[WIDGET_MIME]["model_id"]
    assert live[WIDGET_MIME]["version_major"] == 2 and model_id
    assert "Question 3." in static["text/plain"] and "VBox" not in static["text/plain"]
    assert "<code>new_layer = torch.nn.Linear(512, 7)</code>" in static["text/html"]
    # the static copy hides itself where this very widget renders, and only there
    assert (f"body:has(.{LIVE_CLASS}{model_id}) .{STATIC_CLASS}{model_id} {{display: none}}"
            in static["text/html"])
    json.dumps(shown)  # the bundles must be JSON, as the kernel sends them


def test_show_without_a_group_shows_every_group(monkeypatch):
    shown = []
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(quiz_display, "front_end", lambda: "terminal")
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    show("foodvision_head")
    assert len(shown) == 3
    assert all(set(d) == {"text/plain", "text/markdown", "text/html"} for d in shown)


@pytest.mark.parametrize("store_widget_state", [False, True], ids=["no-state", "state-saved"])
def test_nbconvert_html_of_an_executed_notebook_reads_as_text(tmp_path, store_widget_state):
    """A real kernel runs show(); the HTML export then shows questions, not a placeholder -
    also when the widget state is saved (nbclient's default), where nbconvert renders the
    widget view instead of any text of its bundle."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from tlcourse.quiz import show\n"
                                                "show('foodvision_head', 'seeds')")]
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     store_widget_state=store_widget_state,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    static, live = (output["data"] for output in notebook.cells[0].outputs)
    assert WIDGET_MIME in live, "a live kernel must send the widget"
    assert WIDGET_MIME not in static and "text/html" in static
    saved = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert (live[WIDGET_MIME]["model_id"] in saved.get("state", {})) is store_widget_state
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert "In the usual transfer-learning workflow, which part of the network is frozen?" in body
    assert "The convolutional base, the layers that extract features." in body
    assert "VBox(" not in body
    assert (WIDGET_MIME in body) is store_widget_state  # the view is kept only with its state
