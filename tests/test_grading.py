"""Does real nbgrader give every kind of submission the score it deserves?

One course directory is built, a class of simulated students submits, and
`nbgrader autograde`, `generate_feedback` and `export` run for real. Each
student's expected score and the reason for it sit next to its answers.
"""

from pathlib import Path

import nbformat
import pytest

from autograder.demo import grade_course, prepare_course
from autograder.demo_class import CLASS
from autograder.submissions import Student

pytestmark = pytest.mark.slow

FOOD = "02_foodvision_head"

# Equivalent correct answers: full marks.
VARIANTS = [
    Student("keywords", edits={FOOD: {
        "ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(in_features=in_features, out_features=num_classes)",
        "ex5_optimizer": "optimizer = torch.optim.Adam(params=net.fc.parameters(), lr=0.001)",
    }}),
    Student("module_freeze", edits={FOOD: {
        "ex1_in_features": "in_features = net.fc.weight.shape[1]",
        "ex2_freeze": "net.requires_grad_(False)",
        "ex3_new_layer": "new_layer = nn.Linear(512, 7)",
    }}),
    Student("named_loop", edits={FOOD: {
        "ex2_freeze": "for name, param in net.named_parameters():\n    param.requires_grad = False",
        "ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(new_layer.parameters(), lr=lr)",
    }}),
    Student("replace_first", edits={FOOD: {
        # Puts a new head in place first, then freezes everything but the head.
        "ex2_freeze": ("net.fc = nn.Linear(in_features, 7)\n"
                       "for name, param in net.named_parameters():\n"
                       "    if not name.startswith('fc.'):\n"
                       "        param.requires_grad = False"),
    }}),
    # Right answers, but the network warns on every forward pass, inside the test cells.
    Student("warns", edits={FOOD: {
        "ex4_replace_head": ("import warnings\nnet.fc = new_layer\n"
                             "net.register_forward_hook(lambda m, i, o: "
                             "warnings.warn('this hook is deprecated', UserWarning))"),
    }}),
]

# Wrong answers students really give: documented partial marks.
MISTAKES = [
    # Freezes after attaching the head: ex4 (head not trainable) and ex5 (a step cannot train it) fail.
    Student("head_frozen", edits={FOOD: {
        "ex4_replace_head": "net.fc = new_layer\nfor p in net.parameters():\n    p.requires_grad = False",
    }}),
    # Five classes instead of seven: ex3 fails, and ex4's hidden tests (7 outputs, 3,591 parameters).
    Student("five_classes", edits={FOOD: {
        "ex3_new_layer": "num_classes = 5\nnew_layer = torch.nn.Linear(in_features, num_classes)",
    }}),
]

BAD_INPUT = [Student("missing", missing=(FOOD,)), Student("broken")]

EXPECTED = {
    "reference": 10, "blank": 0, "partial": 3,          # partial: ex1 + ex2 right (1 + 2)
    "keywords": 10, "module_freeze": 10, "named_loop": 10, "replace_first": 10, "warns": 10,
    "head_frozen": 5,                                   # ex1 + ex2 + ex3 = 1 + 2 + 2
    "five_classes": 6,                                  # ex1 + ex2 + ex5 = 1 + 2 + 3
    "missing": 0,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = CLASS + VARIANTS + MISTAKES + BAD_INPUT
    course = prepare_course(tmp_path_factory.mktemp("course") / "course", students)
    (course / "submitted" / "broken" / FOOD / "foodvision_head.ipynb").write_text('{"cells": [ not json')
    grades, runs = grade_course(course, [s.id for s in students], echo=lambda *a, **k: None)
    return course, grades, {r.student: r for r in runs}


@pytest.mark.parametrize("student, score", sorted(EXPECTED.items()))
def test_scores(graded, student, score):
    _, grades, _ = graded
    assert grades[(student, FOOD)] == (score, 10)


def test_the_warning_reached_a_test_cell_and_cost_nothing(graded):
    course, grades, _ = graded
    nb = nbformat.read(course / "autograded" / "warns" / FOOD / "foodvision_head.ipynb", as_version=4)
    warned = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")
              and any("this hook is deprecated" in o.get("text", "") for o in c.outputs)]
    assert warned, "the hook's warning should show in a graded cell's output"
    assert grades[("warns", FOOD)] == (10, 10)


def test_a_broken_notebook_is_reported_by_name_and_the_others_are_graded(graded):
    _, grades, runs = graded
    assert not runs["broken"].ok
    assert "foodvision_head" in runs["broken"].reason or "JSON" in runs["broken"].reason
    assert all(run.ok for sid, run in runs.items() if sid not in ("broken", "missing"))
    assert grades[("reference", FOOD)] == (10, 10)


def test_a_missing_notebook_is_reported_and_scores_zero(graded):
    _, grades, runs = graded
    assert "recorded as 0" in runs["missing"].reason
    assert grades[("missing", FOOD)] == (0, 10)


def test_feedback_names_the_mistake(graded):
    course, _, _ = graded
    html = (course / "feedback" / "partial" / FOOD / "foodvision_head.html").read_text()
    assert "not the 1000 ImageNet scores" in html
    assert "including base tensors" in html


def test_grades_file_is_nbgraders_own_csv(graded):
    course, _, _ = graded
    header = (course / "grades.csv").read_text().splitlines()[0]
    assert header.startswith("assignment,duedate,timestamp,student_id")


def test_autograding_again_changes_nothing(graded):
    from autograder.grading import autograde_one, read_grades
    from autograder.nbgrader_cli import nbgrader

    course, grades, _ = graded
    assert autograde_one(course, FOOD, "partial").ok
    nbgrader(course, "export", f"--to={course / 'again.csv'}")
    assert read_grades(course / "again.csv") == grades
