"""Do the checks' plain copies keep honest answers and drop what a subclass's __eq__ claims?"""

import numpy as np
import pytest
import torch

from tlcourse.checks.base import plain_float, plain_int, plain_str


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
