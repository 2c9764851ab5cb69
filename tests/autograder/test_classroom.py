"""Does real nbgrader give every kind of submission the score it deserves?

One course directory is built, a class of simulated students submits, and
`nbgrader autograde`, `generate_feedback` and `export` run for real. Each
student's expected score and the reason for it sit next to its answers.
"""


import pytest

from autograder.classroom import grade_course, prepare_course
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
]

# A mistake only a hidden test sees: Linear(1000, 7) relabelled in_features = 512 fools the
# visible ex3 check, not ex3's hidden forward pass. ex4 and ex5 are right and judged on their
# own: 1 + 2 + 0 + 2 + 3.
HIDDEN_ONLY = [Student("fooled_visible", edits={FOOD: {
    "ex3_new_layer": "new_layer = torch.nn.Linear(1000, 7)\nnew_layer.in_features = 512",
}})]
HIDDEN_ONLY_EXPECTED = {"fooled_visible": 8}

# Wrong answers, tampering, faults and warnings: the submission corpus (tests/corpus/).

BAD_INPUT = [Student("missing", missing=(FOOD,)), Student("broken")]

ASSIGNMENTS = ["01_concepts", FOOD, "03_hotdog_finetune", "04_scratch_vs_pretrained"]

# The demo class on every assignment: (score, max). Partial's mistakes are in
# autograder/demo_class.py; 01's justification (2 points) and 04's reflection (3) are graded by hand.
DEMO_EXPECTED = {
    # 01: 10 autograded + 2 for the written justification (graded by hand); partial: ex2 counts tensors,
    # ex3's threshold written > 1000 (the rules test fails), justification 1 of 2: 2 + 3 + 1
    ("reference", "01_concepts"): (12, 12), ("blank", "01_concepts"): (0, 12), ("partial", "01_concepts"): (6, 12),
    # partial: ex3 Linear(1000, 7) and ex5 over every parameter fail; ex4 puts the layer in place,
    # right on its own (no cascade, issue 13; was 3): ex1 1 + ex2 2 + ex4 1 + ex6 1 (issue 15: ex4 gave ex6 a point)
    ("reference", FOOD): (10, 10), ("blank", FOOD): (0, 10), ("partial", FOOD): (5, 10),
    ("reference", "03_hotdog_finetune"): (10, 10), ("blank", "03_hotdog_finetune"): (0, 10),
    ("partial", "03_hotdog_finetune"): (3, 10),
    # 04: ex4 pick_learning_rate (2 points, issue 15) added: 12 in all; partial solves ex4 as the reference
    ("reference", "04_scratch_vs_pretrained"): (12, 12), ("blank", "04_scratch_vs_pretrained"): (0, 12),
    ("partial", "04_scratch_vs_pretrained"): (6, 12),   # ex2 right (3) + ex4 right (2) + a thin reflection (1)
}

# Equivalent FoodVision answers: full marks.
VARIANT_EXPECTED = {"keywords": 10, "module_freeze": 10, "named_loop": 10, "replace_first": 10, "missing": 0}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = CLASS + VARIANTS + HIDDEN_ONLY + BAD_INPUT
    course = prepare_course(tmp_path_factory.mktemp("course") / "course", students)
    (course / "submitted" / "broken" / FOOD / "foodvision_head.ipynb").write_text('{"cells": [ not json')
    pairs = [(s.id, a) for s in CLASS for a in ASSIGNMENTS] + [(s.id, FOOD) for s in VARIANTS + HIDDEN_ONLY + BAD_INPUT]
    grades, runs = grade_course(course, [s.id for s in students], echo=lambda *a, **k: None,
                                manual={s.id: s.manual for s in CLASS}, pairs=pairs, jobs=2)
    return course, grades, {r.student: r for r in runs if r.assignment == FOOD}


def test_every_assignment_has_content():
    from autograder.course import assignments

    assert [a.id for a in assignments() if a.has_content] == ASSIGNMENTS


@pytest.mark.parametrize("student, assignment", sorted(DEMO_EXPECTED))
def test_demo_class_scores(graded, student, assignment):
    _, grades, _ = graded
    assert grades[(student, assignment)] == DEMO_EXPECTED[(student, assignment)]


@pytest.mark.parametrize("student, score", sorted(VARIANT_EXPECTED.items()))
def test_equivalent_answers_get_full_marks(graded, student, score):
    _, grades, _ = graded
    assert grades[(student, FOOD)] == (score, 10)


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_no_hidden_test_code(graded, assignment):
    course, _, _ = graded
    for student in ("reference", "partial"):
        html = next((course / "feedback" / student / assignment).glob("*.html")).read_text()
        assert "HIDDEN TESTS" not in html and "A fresh copy of the checks" not in html, (student, assignment)
        assert "Hidden tests ran here" in html


def test_a_failing_hidden_test_still_says_what_went_wrong(graded):
    # fooled_visible's relabelled Linear(1000, 7) passes the visible ex3 test and fails ex3's
    # hidden forward pass (partial's mistakes are all seen by visible tests since issue 13)
    course, grades, _ = graded
    assert grades[("fooled_visible", FOOD)] == (HIDDEN_ONLY_EXPECTED["fooled_visible"], 10)
    html = (course / "feedback" / "fooled_visible" / FOOD / "foodvision_head.html").read_text()
    assert "mat1 and mat2 shapes cannot be multiplied" in html
    assert "new_layer(torch.zeros(2, 512))" not in html


def test_grades_file_is_nbgraders_own_csv(graded):
    course, _, _ = graded
    header = (course / "grades.csv").read_text().splitlines()[0]
    assert header.startswith("assignment,duedate,timestamp,student_id")


def test_autograding_again_changes_nothing(graded):
    from autograder.autograde import autograde_one
    from autograder.nbgrader_cli import nbgrader
    from autograder.report import read_grades

    course, grades, _ = graded
    assert autograde_one(course, FOOD, "partial").ok
    nbgrader(course, "export", f"--to={course / 'again.csv'}")
    assert read_grades(course / "again.csv") == grades


def test_after_the_hand_grading_formgrader_has_nothing_pending(graded):
    """As formgrader's GradeHandler does, a recorded manual score clears needs_manual_grade; a
    missing notebook is recorded as 0 with nothing to grade by hand. Only the notebook nbgrader
    could not read (not JSON) stays pending: the instructor must look at it."""
    from nbgrader.api import Grade

    from autograder.gradebook_records import open_gradebook

    course, _, _ = graded
    with open_gradebook(course) as gb:
        pending = {(g.student.id, g.assignment.name) for g in gb.db.query(Grade).filter(Grade.needs_manual_grade)}
        hand_graded = [g for s in gb.assignment_submissions("04_scratch_vs_pretrained")
                       for nb in s.notebooks for g in nb.grades if g.manual_score is not None]
    assert pending == {("broken", FOOD)}
    assert len(hand_graded) == 3, "the demo's three reflections were graded by hand"
