"""Does feedback keep hidden tests hidden, and still say what went wrong?"""

from nbgrader.utils import determine_grade

from tests.cells import create_grade_cell, error, notebook
from tlcourse.nbgrader_ext.hide_hidden_tests import HideHiddenTests

HIDDEN = """check_linear(new_layer)
print("Correct.")
### BEGIN HIDDEN TESTS
_secret = check_linear.__module__
assert new_layer.out_features == 7, "seven classes"
### END HIDDEN TESTS
print("done")"""


def hide(cell):
    nb, _ = HideHiddenTests().preprocess(notebook(cell), {})
    return nb.cells[0]


def test_feedback_keeps_the_visible_test_and_drops_the_hidden_code():
    cell = hide(create_grade_cell(HIDDEN))
    assert cell.source.splitlines() == [
        "check_linear(new_layer)", 'print("Correct.")',
        "# Hidden tests ran here (2 lines); feedback shows their messages, not their code.", 'print("done")']


def test_a_failing_hidden_test_keeps_its_message_but_not_its_traceback():
    traceback = ["AssertionError                Traceback (most recent call last)",
                 "----> 5 assert new_layer.out_features == 7, \"seven classes\"",
                 "AssertionError: seven classes"]
    failed = error("AssertionError", "seven classes")
    failed["traceback"] = traceback
    cell = hide(create_grade_cell(HIDDEN, points=2, outputs=[failed]))
    assert cell.outputs[0]["traceback"] == ["AssertionError: seven classes"]
    assert determine_grade(cell) == (0, 2), "hiding must not change the grade"


def test_cells_without_hidden_tests_are_left_alone():
    failed = error("NameError", "name 'net' is not defined")
    failed["traceback"] = ["NameError    Traceback", "----> 1 check(net)", "NameError: name 'net' is not defined"]
    cell = hide(create_grade_cell("check(net)", outputs=[failed]))
    assert cell.source == "check(net)" and len(cell.outputs[0]["traceback"]) == 3


def test_a_hidden_region_without_an_end_marker_is_hidden_to_the_end():
    cell = hide(create_grade_cell("visible()\n### BEGIN HIDDEN TESTS\nsecret()\nmore_secret()"))
    assert "secret" not in cell.source and cell.source.startswith("visible()")
