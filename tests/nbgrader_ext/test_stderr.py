"""Does a library warning on stderr leave a passing test cell its points?"""

from nbgrader.utils import determine_grade

from tests.cells import create_grade_cell, error, notebook, stream
from tlcourse.nbgrader_ext.stderr import StderrIsNotFailure


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
