"""Does code the tampering scan cannot judge reach the instructor, through nbgrader's own flag, without costing points?"""

import nbformat
import pytest

from tests.nbgrader_ext.test_tampering import CONCEPTS, reference_answer

pytestmark = pytest.mark.slow

DOUBTFUL = "exec('num_frozen = int(num_frozen)')"     # harmless, but the scan cannot read a string


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A real nbgrader autograde of the Concepts reference with an exec() in ex2's answer,
    and of the plain reference; the gradebook after it."""
    from autograder.classroom import prepare_course
    from autograder.nbgrader_cli import nbgrader
    from autograder.submissions import Student

    edits = {"ex2_counts": reference_answer("ex2_counts") + "\n" + DOUBTFUL}
    course = prepare_course(tmp_path_factory.mktemp("review") / "course",
                            [Student("doubtful", edits={CONCEPTS: edits}), Student("reference")])
    logs = {s: nbgrader(course, "autograde", CONCEPTS, f"--student={s}") for s in ("doubtful", "reference")}
    return course, {s: p.stdout + p.stderr for s, p in logs.items()}


def grades(course, student):
    from autograder.gradebook_records import open_gradebook

    with open_gradebook(course) as gb:
        nb = gb.find_submission_notebook("concepts", CONCEPTS, student)
        # the autograded cells only: 01's hand-graded justification always waits for the instructor
        auto = [g for g in nb.grades if g.cell_type == "code"]
        return ({g.name: (g.score, g.needs_manual_grade) for g in auto},
                {c.name: c.comment for c in nb.comments}, any(g.needs_manual_grade for g in auto))


def test_the_cells_after_the_doubtful_code_need_a_manual_grade_and_keep_their_points(graded):
    course, _ = graded
    by_cell, _, pending = grades(course, "doubtful")
    assert pending, "formgrader lists the notebook as needing manual grading"
    assert by_cell == {"ex1_freeze_tests": (2, False), "ex2_counts_tests": (2, True),
                       "ex3_examples_tests": (3, True), "ex3_rules_tests": (3, True)}


def test_the_reason_is_in_the_comment_and_the_feedback(graded):
    course, _ = graded
    _, comments, _ = grades(course, "doubtful")
    assert "exec()" in comments["ex2_counts"] and "Manual review" in comments["ex2_counts"]
    autograded = nbformat.read(course / "autograded" / "doubtful" / CONCEPTS / "concepts.ipynb", as_version=4)
    test = next(c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2_counts_tests")
    notes = [o.text for o in test.outputs if o.output_type == "stream" and o.name == "stdout"]
    assert any("Manual review" in n and "ex2_counts (line" in n for n in notes), test.outputs


def test_a_submission_without_doubtful_code_is_not_marked(graded):
    course, logs = graded
    by_cell, comments, pending = grades(course, "reference")
    assert not pending and not any(flag for _, flag in by_cell.values())
    assert "Manual review" not in logs["reference"] and "Manual review" in logs["doubtful"]


def test_an_instructor_score_in_formgrader_clears_the_mark(graded):
    """The mark is nbgrader's own: recording a score as formgrader does clears it."""
    from autograder.gradebook_records import record_manual_grades

    course, _ = graded
    record_manual_grades(course, {"doubtful": {CONCEPTS: {"ex2_counts_tests": 2, "ex3_examples_tests": 3,
                                                          "ex3_rules_tests": 3}}})
    by_cell, _, pending = grades(course, "doubtful")
    assert not pending and by_cell["ex2_counts_tests"] == (2, False)
