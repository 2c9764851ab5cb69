"""Does a library warning on stderr leave a passing test cell its points? Does feedback keep
hidden tests hidden? Does the Colab cell get the repository address?"""

from nbgrader.utils import determine_grade

from tests.cells import create_grade_cell, error, notebook, stream
from tlcourse.nbgrader_ext import ColabSetup, HideHiddenTests, StderrIsNotFailure, setup_cell_source


def preprocess(cell):
    nb, _ = StderrIsNotFailure().preprocess(notebook(cell), {})
    return nb.cells[0]


def test_stderr_alone_would_zero_the_cell_in_plain_nbgrader():
    cell = create_grade_cell("check()", points=2, outputs=[stream("stderr", "UserWarning: deprecated\n")])
    assert determine_grade(cell) == (0, 2)


def test_a_warning_on_stderr_keeps_full_marks_after_preprocessing():
    cell = create_grade_cell("check()", points=2,
                             outputs=[stream("stderr", "torchvision/x.py:1: UserWarning: deprecated\n")])
    cell = preprocess(cell)
    assert determine_grade(cell) == (2, 2)


def test_the_warning_text_stays_visible_as_output():
    cell = preprocess(create_grade_cell("check()", outputs=[stream("stderr", "first\nsecond\n")]))
    assert cell.outputs[0]["name"] == "stdout"
    assert cell.outputs[0]["text"] == "[stderr] first\n[stderr] second\n"


def test_an_exception_still_fails_the_cell():
    cell = preprocess(create_grade_cell("check()", points=3,
                                        outputs=[stream("stderr", "warning\n"), error()]))
    assert determine_grade(cell) == (0, 3)


def test_stdout_is_left_alone():
    cell = preprocess(create_grade_cell("check()", outputs=[stream("stdout", "ok\n")]))
    assert cell.outputs[0]["text"] == "ok\n"


def test_the_colab_cell_gets_the_repository_address():
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("placeholder", metadata={"tags": ["colab-setup"]})
    other = new_code_cell("x = 1")
    nb, _ = ColabSetup(url="https://example.org/course").preprocess(notebook(cell, other), {})
    assert "git+https://example.org/course" in nb.cells[0].source
    assert "google.colab" in nb.cells[0].source
    assert nb.cells[1].source == "x = 1"


def test_the_setup_code_does_nothing_outside_colab():
    namespace = {}
    code = setup_cell_source("https://example.org/course")
    # The %pip lines sit inside the Colab branch; outside Colab that branch never runs.
    runnable = "\n".join(line for line in code.splitlines() if "%pip" not in line) + "\n    pass\n"
    exec(compile(runnable, "setup", "exec"), namespace)  # noqa: S102
    assert "google.colab" not in __import__("sys").modules


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
