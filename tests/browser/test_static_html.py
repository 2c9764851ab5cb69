"""Executed notebooks read without widgets: nbconvert's HTML in Chromium, and the plain text.

Every course notebook with a quiz or the parameter inspector is executed with nbclient (smoke
data, the instructor's answers in place, widget state saved as nbclient does by default),
converted with ``nbconvert --to html`` and opened in headless Chromium with every request
outside the file blocked (offline: the widget scripts nbconvert links to never load). Each quiz
must show its questions and options and no answer (no feedback, no explanation); the inspector
its table. The outputs' ``text/plain`` (what a terminal or a text export shows) is checked too,
and a training cell's output: what it runs, one bar for the whole run, the curves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder.scratch_run import scratch_copy
from autograder.submissions import solution_code
from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS
from tlcourse.quiz import load
from tlcourse.quiz.model import ChoiceQuestion

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
#: Notebook 3's fine-tuning runs (minutes each on a CPU, even on smoke data); they show nothing
#: this test reads, and later quiz cells do not need them.
FINE_TUNING_RUN = re.compile(r"\btrain_fine_tuning\(")
SHOW_CALL = re.compile(r"""show\(\s*["'](\w+)["']\s*,\s*["']([\w-]+)["']\s*\)""")


def words(markdown: str) -> str:
    """The words a reader sees of a Markdown text, up to any math."""
    text = markdown.split("$")[0].replace("`", "").replace("**", "").replace("*", "")
    return " ".join(text.split())


def squash(text: str) -> str:
    return " ".join(text.replace("*", "").replace("`", "").split())


def source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def notebooks_with_displays() -> list[Path]:
    found = []
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        text = path.read_text("utf-8")
        if "show(" in text:
            found.append(path)
    return found


@pytest.fixture(scope="module")
def chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def execute(path: Path, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    """The notebook with the instructor's answers, run by nbclient in smoke mode."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = solution_code(cell.source)
            if FINE_TUNING_RUN.search(cell.source) and "def train_fine_tuning" not in cell.source:
                cell.source = "pass  # minutes of fine-tuning on a CPU, no quiz or table: skipped here"
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("TLCOURSE_MODE", "smoke")
    monkeypatch.setenv("TLCOURSE_DATA", str(tmp_path / "cache"))
    with scratch_copy(path) as copy:  # what the notebook writes (a saved head) stays out of source/
        NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(copy.parent)}}).execute()
    return notebook


def quiz_outputs(notebook) -> list[tuple[str, str, dict]]:
    """(notebook name, group, outputs) of each ``show(notebook, group)`` cell."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for match in SHOW_CALL.finditer(source(cell)):
                found.append((match.group(1), match.group(2), cell.outputs))
    return found


@pytest.mark.parametrize("path", notebooks_with_displays(), ids=lambda p: p.parent.name)
def test_an_executed_notebook_reads_in_html_and_text_without_widgets(path, tmp_path, monkeypatch, chromium):
    from nbconvert import HTMLExporter

    notebook = execute(path, tmp_path, monkeypatch)
    quizzes = quiz_outputs(notebook)
    assert quizzes, f"{path.name} has no show(...) cell"
    assert notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"], \
        "nbclient saves the widget state (the case where nbconvert prefers the widget view)"
    body, _ = HTMLExporter().from_notebook_node(notebook)
    page_file = tmp_path / f"{path.stem}.html"
    page_file.write_text(body, "utf-8")

    context = chromium.new_context()
    blocked = []

    def offline(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        blocks = page.locator(".tlquiz-static")
        assert blocks.count() == len(quizzes)
        for k, (name, group_name, outputs) in enumerate(quizzes):
            group = load(name).group(group_name)
            block = blocks.nth(k)
            assert block.is_visible(), f"quiz {group_name!r} is hidden in the HTML"
            seen = squash(block.inner_text())
            text = "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs
                             if o.get("output_type") == "display_data")
            for shown in (seen, squash(text)):
                assert group.title in shown
                for number, question in enumerate(group.questions, 1):
                    assert f"Question {number}." in shown
                    assert words(question.prompt) in shown
                    assert words(question.explanation) not in shown, "an explanation is shown"
                    if isinstance(question, ChoiceQuestion):
                        for letter, option in question.displayed():
                            assert words(option.text) in shown
                            assert words(option.feedback) not in shown, "option feedback is shown"
                assert "Correct!" not in shown and "VBox(" not in shown
        if "show_parameters(" in "".join(source(c) for c in notebook.cells):
            tables = page.locator(".tl-inspector-table")
            assert tables.count() >= 1 and tables.first.is_visible()
            rows = tables.first.locator("tbody tr")
            assert rows.count() > 1
            assert re.search(r"\b(trainable|frozen)\b", rows.first.inner_text())
            assert "Trainable:" in page.locator(".tl-inspector-totals").first.inner_text()
            assert page.locator(".tl-inspector-totals").first.is_visible()
            inspector_text = [o["data"]["text/plain"] for c in notebook.cells if "show_parameters(" in source(c)
                              for o in c.outputs if "text/html" in o.get("data", {})]
            assert inspector_text and all("Trainable:" in t for t in inspector_text)
        # no widget's text repr (VBox(children=...)) in the page; code that builds a VBox is fine
        assert "VBox(children=" not in page.locator("body").inner_text()
        for cell in notebook.cells:  # a training cell: its plan, one bar for the run, live curves
            if cell.cell_type == "code" and "engine.train(" in source(cell):
                printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
                assert "The bar below shows the whole run and estimates the time left." in printed
                shown = [o.get("data", {}) for o in cell.outputs if o.output_type == "display_data"]
                assert len([d for d in shown if d.get("text/plain", "").startswith("training")]) == 1
                curves = [d for d in shown if "image/png" in d]
                assert len(curves) == 1 and curves[0]["text/plain"].startswith("Loss and accuracy after epoch")
        assert page.locator("img").count() >= 1
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
    finally:
        context.close()
    assert any("unpkg" in url or "require" in url for url in blocked), \
        "the page links widget scripts; blocking them is what makes this the offline case"
