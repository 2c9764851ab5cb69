"""Quizzes and the parameter inspector in a real JupyterLab, clicked in headless Chromium.

The test starts ``jupyter lab`` on 127.0.0.1 (random port, token, temporary root and
settings), opens notebooks in Debian's chromium through Playwright, runs the quiz cells,
answers every question wrongly and then rightly, reads the feedback from the rendered
widgets, runs the freezing cell and reads the inspector's totals. Screenshots are kept in
tests/artifacts/browser/. Everything started here is stopped here, also on failure.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, JupyterLab, NotebookPage
from tests.quiz.helpers import right_answer, wrong_answer
from tlcourse.quiz import load
from tlcourse.quiz.model import Group, NumericQuestion

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
#: The built student notebook; TLCOURSE_STUDENT_NOTEBOOK points the test at another copy
#: (for example a draft with the quiz cells, before `make build` produces it).
STUDENT = Path(os.environ.get("TLCOURSE_STUDENT_NOTEBOOK", "")) if os.environ.get(
    "TLCOURSE_STUDENT_NOTEBOOK") else ROOT / "notebooks" / "02_foodvision_head" / "foodvision_head.ipynb"
SOURCE = ROOT / "source" / "02_foodvision_head" / "foodvision_head.ipynb"
SHOW_CALL = re.compile(r"""show\(\s*["']foodvision_head["']\s*,\s*["']([\w-]+)["']\s*\)""")
#: ResNet-18 parameter counts: all, the old 1000-class head, the new 7-class head.
RESNET18_TOTAL, OLD_HEAD, NEW_HEAD = 11_689_512, 513_000, 512 * 7 + 7


def visible(markdown: str) -> str:
    """The words a reader sees of a Markdown feedback text, up to any math: the text of the
    course's own rendering (emphasis, code and links drop their marks)."""
    from tlcourse.quiz.markdown_html import inline_html

    return squash(re.sub(r"<[^>]+>", "", inline_html(markdown.split("$")[0])))


def squash(text: str) -> str:
    return " ".join(html.unescape(text).split())


# ---------------------------------------------------------------- notebooks under test

def generated_notebook() -> nbformat.NotebookNode:
    """A small notebook with every quiz group, a ResNet-18 freezing cell and the inspector."""
    cells = [
        nbformat.v4.new_markdown_cell("# Quiz and inspector check"),
        nbformat.v4.new_code_cell('from tlcourse.quiz import show\nshow("foodvision_head", "seeds")'),
        nbformat.v4.new_code_cell('show("foodvision_head", "challenge")'),
        nbformat.v4.new_code_cell('show("foodvision_head", "understanding")'),
        nbformat.v4.new_code_cell("import torch\nimport torchvision\n\n"
                                  "net = torchvision.models.resnet18(weights=None)"),
        nbformat.v4.new_code_cell("for param in net.parameters():\n    param.requires_grad = False\n"
                                  "net.fc = torch.nn.Linear(net.fc.in_features, 7)"),
        nbformat.v4.new_code_cell("from tlcourse.inspector import show_parameters\n\nreport = show_parameters(net)"),
        nbformat.v4.new_code_cell("for param in net.layer4.parameters():\n"
                                  "    param.requires_grad = True"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    return notebook


def code_of(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def quiz_cells(notebook: dict) -> dict[int, str]:
    """Cell index -> question group, for every ``show("foodvision_head", group)`` cell."""
    found = {}
    for index, cell in enumerate(notebook["cells"]):
        match = SHOW_CALL.search(code_of(cell)) if cell["cell_type"] == "code" else None
        if match:
            found[index] = match.group(1)
    return found


def inspector_cells(notebook: dict) -> list[int]:
    """The indices of the code cells that call ``show_parameters(``."""
    return [index for index, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code" and re.search(r"\bshow_parameters\(", code_of(cell))]


def student_notebook_is_wired() -> bool:
    """True when the built FoodVision notebook has quiz cells and an inspector cell."""
    if not STUDENT.is_file():
        return False
    notebook = json.loads(STUDENT.read_text("utf-8"))
    return bool(quiz_cells(notebook)) and bool(inspector_cells(notebook))


def solutions() -> dict[str, str]:
    """grade_id -> the instructor's answer code (solution markers removed)."""
    notebook = json.loads(SOURCE.read_text("utf-8"))
    answers = {}
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            lines = [l for l in code_of(cell).splitlines() if "### BEGIN SOLUTION" not in l
                     and "### END SOLUTION" not in l]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab serving a temporary folder with the notebooks under test."""
    root = tmp_path_factory.mktemp("lab-root")
    nbformat.write(generated_notebook(), str(root / "quiz_check.ipynb"))
    if STUDENT.is_file():
        shutil.copy(STUDENT, root / STUDENT.name)
    server = JupyterLab(root, tmp_path_factory.mktemp("lab-state"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " - CI must run the browser tests")  # .ci/run installs it
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def notebook_page(request, lab, browser):
    """A fresh page; on failure a last screenshot and the server log tail are kept."""
    shots = ARTIFACTS / request.node.name.replace("/", "_")
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield NotebookPage(page, lab, shots)
    finally:
        try:
            page.screenshot(path=str(shots / "zz-last.png"))
        except Exception:  # the page may be gone; the log below still helps
            pass
        (shots / "jupyterlab.log").write_text(lab.log_tail(200), "utf-8")
        context.close()


# ---------------------------------------------------------------- what a student does

def click_answer(question_box, question, answer) -> None:
    """Tick the options with these letters (or type the number) in the rendered widget."""
    if isinstance(question, NumericQuestion):
        question_box.locator(".tlquiz-number input").fill(answer)
        return
    letters = [letter for letter, _ in question.displayed()]
    for letter in answer:
        option = question_box.locator(".tlquiz-option").nth(letters.index(letter))
        assert option.inner_text().strip() == letter
        option.locator("input[type=checkbox]").check()


def answer_group(nb: NotebookPage, index: int, group: Group, shot_prefix: str) -> None:
    """Answer every question of a rendered quiz group wrongly, read feedback, then rightly."""
    output = nb.cell(index).locator(".jp-OutputArea")
    output.locator(".tlquiz").wait_for(state="visible", timeout=60_000)
    # the static copy (for nbconvert, static previews, text) stays in the output, hidden by its
    # own style once the widget renders: the student sees the widget only
    expect(output.locator(".tlquiz-static")).to_be_hidden()
    assert output.locator(".tlquiz-static").count() == 1
    boxes = output.locator(".tlquiz-question")
    assert boxes.count() == len(group.questions)
    score = output.locator(".tlquiz-score")
    for k, question in enumerate(group.questions):
        box = boxes.nth(k)
        box.scroll_into_view_if_needed()
        feedback = box.locator(".tlquiz-feedback")
        answer, expected = wrong_answer(question)
        click_answer(box, question, answer)
        box.get_by_role("button", name="Check", exact=True).click()
        status = feedback.locator(".tlquiz-status")
        status.wait_for(timeout=30_000)
        assert squash(status.inner_text()) in {"Not quite.", "Partly right."}
        assert visible(expected) in squash(feedback.inner_text())
        if k == 0:
            nb.shot(f"{shot_prefix}-1-wrong-answer-feedback", box)
        box.get_by_role("button", name="Try again", exact=True).click()
        feedback.locator(".tlquiz-status").wait_for(state="detached", timeout=30_000)
        click_answer(box, question, right_answer(question))
        box.get_by_role("button", name="Check", exact=True).click()
        box.locator(".tlquiz-correct").wait_for(timeout=30_000)
        assert squash(status.inner_text()) == "Correct!"
        assert "Why:" in feedback.inner_text()
        expect(score).to_contain_text(f"Score: {k + 1} of {len(group.questions)} correct")
        if k == 0:
            nb.shot(f"{shot_prefix}-2-right-answer-feedback", box)
    expect(score).to_contain_text("all done")
    score.scroll_into_view_if_needed()
    nb.shot(f"{shot_prefix}-3-all-correct")


def read_totals(nb: NotebookPage, index: int) -> tuple[int, int]:
    """Trainable and frozen counts as the inspector widget shows them."""
    output = nb.cell(index).locator(".jp-OutputArea")
    output.locator(".tl-inspector").wait_for(state="visible", timeout=60_000)
    expect(output.locator(".tl-inspector .tl-inspector-table")).to_be_visible()
    expect(output.locator("[class^='tl-static-']")).to_be_hidden()  # the static copy of the table

    def number(name: str) -> int:
        text = output.locator(f".tl-inspector .tl-inspector-{name}").inner_text()  # the widget's
        return int(re.sub(r"[^0-9]", "", text))

    return number("trainable"), number("frozen")


def run_clean(nb: NotebookPage, index: int) -> None:
    result = nb.run(index)
    assert not result["errors"], f"cell {index} raised: {result['errors']}"


# ---------------------------------------------------------------- tests

def test_quizzes_and_inspector_in_a_generated_notebook(notebook_page):
    """Every FoodVision quiz group and the inspector, in a notebook made by this test."""
    nb = notebook_page
    notebook = generated_notebook()
    quiz = load("foodvision_head")
    nb.open("quiz_check.ipynb", cells=len(notebook.cells))
    nb.shot("0-opened")
    # Once the real student notebook has its quiz cells, that test clicks every group;
    # here one group is then enough to prove the mechanics (and saves a minute).
    groups = quiz_cells(notebook).items()
    for index, name in list(groups)[:1] if student_notebook_is_wired() else groups:
        run_clean(nb, index)
        answer_group(nb, index, quiz.group(name), f"{index}-{name}")
    for index in (4, 5, 6):
        run_clean(nb, index)
    assert read_totals(nb, 6) == (NEW_HEAD, RESNET18_TOTAL - OLD_HEAD)
    nb.shot("6-inspector-after-freezing", nb.cell(6))
    run_clean(nb, 7)  # unfreeze layer4, then press Refresh
    layer4 = 8_393_728
    output = nb.cell(6).locator(".jp-OutputArea")
    output.get_by_role("button", name="Refresh").click()
    output.locator(".tl-inspector .tl-inspector-trainable").filter(has_text=f"{NEW_HEAD + layer4:,}").wait_for()
    assert read_totals(nb, 6) == (NEW_HEAD + layer4, RESNET18_TOTAL - OLD_HEAD - layer4)
    nb.shot("7-inspector-after-refresh", nb.cell(6))


@pytest.mark.skipif(not student_notebook_is_wired(),
                    reason="notebooks/02_foodvision_head/foodvision_head.ipynb has no "
                           "show(...) quiz cells and show_parameters(...) cell yet")
def test_foodvision_student_notebook(notebook_page):
    """The built student notebook: answers typed in, every quiz clicked, inspector read."""
    nb = notebook_page
    notebook = json.loads(STUDENT.read_text("utf-8"))
    quizzes = quiz_cells(notebook)
    inspectors = inspector_cells(notebook)
    answers = solutions()
    quiz = load("foodvision_head")
    allowed = {(0, RESNET18_TOTAL): "base frozen, old head",
               (NEW_HEAD, RESNET18_TOTAL - OLD_HEAD): "base frozen, new head in place"}
    nb.open(STUDENT.name, cells=len(notebook["cells"]))
    nb.shot("0-opened")
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or (index > inspectors[-1] and index not in quizzes):
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            nb.set_source(index, answers[grade_id])  # the student writes the answer
        run_clean(nb, index)
        if index in quizzes:
            answer_group(nb, index, quiz.group(quizzes[index]), f"{index}-{quizzes[index]}")
        if index in inspectors:
            totals = read_totals(nb, index)
            nb.shot(f"{index}-inspector", nb.cell(index))
            assert totals in allowed, f"inspector in cell {index} shows {totals}; expected one of " \
                                      f"{allowed} (it runs after the base is frozen)"
    if len(inspectors) > 1:  # the first inspector catches up with the model on Refresh
        latest = read_totals(nb, inspectors[-1])
        first = nb.cell(inspectors[0]).locator(".jp-OutputArea")
        first.get_by_role("button", name="Refresh").click()
        expect(first.locator(".tl-inspector .tl-inspector-trainable")).to_contain_text(f"{latest[0]:,}")
        assert read_totals(nb, inspectors[0]) == latest
        nb.shot(f"{inspectors[0]}-inspector-after-refresh", nb.cell(inspectors[0]))
    assert set(quizzes.values()) == {g.name for g in quiz.groups}, "every group has a quiz cell"
