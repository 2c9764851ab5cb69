"""Do the checks' plain copies keep honest answers and drop what a subclass's __eq__ claims?"""

import numpy as np
import pytest
import torch

from tlcourse.checks.base import CheckFailed, plain_float, plain_int, plain_str


def always_equal(base: type) -> type:
    """A subclass of ``base`` whose instances claim to equal anything (hashing as ``base``)."""
    return type(f"AlwaysEqual{base.__name__.title()}", (base,), {
        "__eq__": lambda self, other: True, "__ne__": lambda self, other: False, "__hash__": base.__hash__})


AlwaysEqualStr, AlwaysEqualInt, AlwaysEqualFloat = always_equal(str), always_equal(int), always_equal(float)


class LyingInt(np.int64):
    """A numpy integer subclass defined outside numpy."""

    def __eq__(self, other):
        return True


def test_a_subclass_is_copied_by_value_and_its_eq_no_longer_decides():
    assert AlwaysEqualStr("anything") == "feature extraction"  # what the trick relies on
    assert plain_str(AlwaysEqualStr("anything")) != "feature extraction"
    assert type(plain_str(AlwaysEqualStr("anything"))) is str
    assert plain_int(AlwaysEqualInt(0)) != 2565 and type(plain_int(AlwaysEqualInt(0))) is int
    assert plain_float(AlwaysEqualFloat(0.5)) != 1e-3 and type(plain_float(AlwaysEqualFloat(0.5))) is float


def test_honest_answers_keep_their_value():
    assert plain_str("full fine-tuning") == "full fine-tuning"
    assert plain_str(np.str_("full fine-tuning")) == "full fine-tuning"
    for value in (2565, np.int64(2565), np.int32(2565), np.uint16(2565)):
        assert plain_int(value) == 2565 and type(plain_int(value)) is int
    for value in (1e-3, np.float64(1e-3), np.float32(0.5)):
        assert plain_float(value) == pytest.approx(float(value)) and type(plain_float(value)) is float
    assert plain_float(3) == 3.0


def test_what_is_no_such_answer_gives_none():
    assert plain_str(3) is None and plain_str(b"feature extraction") is None
    for value in (True, np.bool_(True), 2565.0, "2565", torch.tensor(2565), LyingInt(2565), None):
        assert plain_int(value) is None, repr(value)
    assert plain_float("0.001") is None and plain_float(False) is None


# --- a check that breaks says so as a grading error (issue 13, "Bad input") ---------------------

def test_a_check_that_breaks_reports_a_grading_error_not_a_wrong_answer():
    import torchvision

    from tlcourse.checks.base import GradingError
    from tlcourse.checks.heads import check_head_in_place

    net = torchvision.models.resnet18(weights=None)
    del net.fc  # a network without the attribute the check reads
    with pytest.raises(GradingError, match=r"Grading error: the check check_head_in_place could not run "
                                               r"\(AttributeError(.|\n)*not a verdict on your answer"):
        check_head_in_place(net, torch.nn.Linear(512, 7))


def test_a_wrong_answer_still_fails_as_the_students_mistake():
    from tlcourse.checks.base import GradingError, CheckFailed, grading_check, require

    @grading_check
    def check_positive(value):
        require(value > 0, "a positive number", str(value), "the task asks for one.")

    check_positive(1)
    with pytest.raises(CheckFailed, match="a positive number"):
        check_positive(-1)
    with pytest.raises(GradingError, match="TypeError"):
        check_positive(None)  # the comparison itself breaks inside the check


def test_a_students_function_that_raises_is_a_verdict_naming_its_error():
    from tlcourse.checks.base import call_answer

    assert call_answer(lambda a, b: a + b, 2, 3, expected="a sum", why="-") == 5
    with pytest.raises(CheckFailed) as failed:
        call_answer(lambda d: d["missing"], {}, expected="pick(d) to run", why="d may lack keys.", see="Sweeps")
    text = str(failed.value)
    assert "Expected: pick(d) to run" in text and "KeyError: 'missing'" in text and '"Sweeps"' in text
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
