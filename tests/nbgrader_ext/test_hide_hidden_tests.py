"""Does feedback keep hidden tests hidden, and still say what went wrong?"""

from nbgrader.utils import determine_grade

from nbformat.v4 import new_code_cell, new_output

from tests.cells import create_grade_cell, error, nbgrader_meta, notebook, stream
from tlcourse.nbgrader_ext.hide_hidden_tests import QUOTED_NOTE, HideHiddenTests

HIDDEN = """check_linear(new_layer)
print("Correct.")
### BEGIN HIDDEN TESTS
_secret = check_linear.__module__
assert new_layer.out_features == 7, "seven classes"
### END HIDDEN TESTS
print("done")"""


def answer_cell(source: str, outputs=()):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata.update(nbgrader_meta("answer", solution=True))
    return cell


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


def test_an_output_quoting_the_hidden_tests_is_hidden_anywhere_in_the_notebook():
    """Student code can read the hidden tests as they run (In, linecache, a pre_run_cell event)
    and print them in any cell: the feedback must not show them."""
    spy = stream("stdout", "In[3]:\n" + HIDDEN + "\n")
    shown = stream("stdout", "trainable: 3,591\n")
    html = new_output("display_data", data={"text/html": "<pre>_secret = check_linear.__module__</pre>"})

    failed = error("ValueError", 'assert new_layer.out_features == 7, "seven classes"')
    test = create_grade_cell(HIDDEN, points=2, outputs=[failed])
    answer = answer_cell("print(In)", outputs=[spy, shown, html])
    nb, _ = HideHiddenTests().preprocess(notebook(test, answer), {})
    test, answer = nb.cells
    assert [o.get("text") for o in answer.outputs[:2]] == [QUOTED_NOTE + "\n", "trainable: 3,591\n"]
    assert answer.outputs[2]["data"] == {"text/plain": QUOTED_NOTE}
    assert test.outputs[0]["ename"] == "ValueError" and "out_features" not in str(test.outputs[0])
    assert determine_grade(test) == (0, 2), "hiding must not change the grade"


def test_short_hidden_lines_and_visible_lines_hide_nothing():
    printed = stream("stdout", 'print("Correct.")\ncheck_linear(new_layer)\n')
    nb, _ = HideHiddenTests().preprocess(notebook(create_grade_cell(HIDDEN),
                                                  answer_cell("x", outputs=[printed])), {})
    assert nb.cells[1].outputs[0]["text"] == 'print("Correct.")\ncheck_linear(new_layer)\n'


def test_an_error_keeps_its_message_and_lines_the_notebook_shows_anyway_hide_nothing():
    """Only the traceback of an error that quotes the hidden tests goes; its message stays (the
    feedback still says what was wrong). A hidden line the notebook also shows is no secret."""
    source = HIDDEN.replace("_secret = check_linear.__module__", "torch.manual_seed(0)\n_secret = 1") + \
        "\ntorch.manual_seed(0)"
    failed = error("CheckFailed", "Expected: 7 classes")
    failed["traceback"] = ["CheckFailed   Traceback", '----> 5 assert new_layer.out_features == 7, "seven classes"',
                           "CheckFailed: Expected: 7 classes"]
    seeded = stream("stdout", "torch.manual_seed(0)\n")
    answer = answer_cell("x", outputs=[failed, seeded])
    nb, _ = HideHiddenTests().preprocess(notebook(create_grade_cell(source), answer), {})
    kept_error, kept_stream = nb.cells[1].outputs
    assert kept_error["evalue"] == "Expected: 7 classes" and "out_features" not in str(kept_error["traceback"])
    assert kept_stream["text"] == "torch.manual_seed(0)\n"
