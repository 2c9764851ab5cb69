"""Does the confusion-matrix check (FoodVision exercise 6) accept every right form and name each
real mistake?"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tlcourse.checks import CheckFailed
from tlcourse.checks.base import GradingError
from tlcourse.checks.confusion import CONTRACT, HIDDEN, VISIBLE, check_most_confused


# --- right answers in the forms students write ------------------------------------------------

def loops(cm, classes):
    best, pair = 0, None
    for i in range(len(classes)):
        for j in range(len(classes)):
            if i != j and cm[i, j] > best:
                best, pair = cm[i, j], (classes[i], classes[j])
    return pair


def zeroed_copy_argmax(cm, classes):
    off = cm.clone()
    off.fill_diagonal_(0)
    if off.max() == 0:
        return None
    i, j = divmod(int(off.argmax()), off.shape[1])
    return (classes[i], classes[j])


def numpy_masked(cm, classes):
    a = cm.numpy().copy()
    np.fill_diagonal(a, -1)
    i, j = np.unravel_index(np.argmax(a), a.shape)
    return [np.str_(classes[i]), np.str_(classes[j])] if a[i, j] > 0 else None


def eye_mask(cm, classes):
    off = cm * (1 - torch.eye(len(classes), dtype=cm.dtype))
    if off.sum() == 0:
        return None
    flat = int(torch.argmax(off))
    return classes[flat // len(classes)], classes[flat % len(classes)]


@pytest.mark.parametrize("answer", [loops, zeroed_copy_argmax, numpy_masked, eye_mask])
def test_every_right_form_passes_the_visible_and_the_hidden_matrices(answer):
    check_most_confused(answer)
    check_most_confused(answer, HIDDEN)


def test_the_hidden_matrices_cover_each_rule_of_the_task():
    answers = [m.answer for m in HIDDEN]
    assert None in answers, "a matrix with no mistakes"
    assert set(VISIBLE) <= set(HIDDEN)
    assert "ex6_most_confused_tests" in CONTRACT


# --- the mistakes, each named ---------------------------------------------------------------

def with_diagonal(cm, classes):
    i, j = divmod(int(cm.argmax()), cm.shape[1])
    return classes[i], classes[j]


def swapped(cm, classes):
    pair = loops(cm, classes)
    return None if pair is None else (pair[1], pair[0])


def indices(cm, classes):
    off = cm.clone()
    off.fill_diagonal_(0)
    i, j = divmod(int(off.argmax()), off.shape[1])
    return (i, j) if off.max() > 0 else None


def in_place(cm, classes):
    cm.fill_diagonal_(0)
    i, j = divmod(int(cm.argmax()), cm.shape[1])
    return (classes[i], classes[j]) if cm.max() > 0 else None


def last_of_ties(cm, classes):
    best, pair = 0, None
    for i in range(len(classes)):
        for j in range(len(classes)):
            if i != j and cm[i, j] >= best and cm[i, j] > 0:
                best, pair = cm[i, j], (classes[i], classes[j])
    return pair


def rates(cm, classes):
    share = cm.double() / cm.sum(dim=1, keepdim=True).clamp(min=1)
    share.fill_diagonal_(0)
    i, j = divmod(int(share.argmax()), share.shape[1])
    return (classes[i], classes[j]) if share.max() > 0 else None


def skips_last_row(cm, classes):
    best, pair = 0, None
    for i in range(len(classes) - 1):
        for j in range(len(classes)):
            if i != j and cm[i, j] > best:
                best, pair = cm[i, j], (classes[i], classes[j])
    return pair


def never_none(cm, classes):
    off = cm.clone()
    off.fill_diagonal_(-1)
    i, j = divmod(int(off.argmax()), off.shape[1])
    return classes[i], classes[j]


def crashes(cm, classes):
    return classes[len(classes)]


@pytest.mark.parametrize("answer, words", [
    (with_diagonal, "the diagonal counts the photos predicted CORRECTLY"),
    (swapped, "rows are the TRUE classes"),
    (indices, "class NAMES"),
    (in_place, "cm and classes unchanged"),
    (crashes, "IndexError"),
    ("cereals", "a function"),
])
def test_visible_mistakes_are_named(answer, words):
    with pytest.raises(CheckFailed, match=words):
        check_most_confused(answer)


@pytest.mark.parametrize("answer, words", [
    (last_of_ties, "the FIRST of the tied cells"),
    (rates, "not shares of a row"),
    (skips_last_row, "the last row and column too"),
    (never_none, "None: the matrix has no mistakes"),
])
def test_hidden_mistakes_are_named(answer, words):
    check_most_confused(answer)  # the visible matrix does not tell these apart
    with pytest.raises(CheckFailed, match=words):
        check_most_confused(answer, HIDDEN)


def test_the_message_never_shows_a_solution():
    with pytest.raises(CheckFailed) as err:
        check_most_confused(with_diagonal)
    text = str(err.value)
    assert text.startswith("Expected: ") and "See:      the section" in text
    assert "argmax()" not in text and "fill_diagonal_(0)" not in text


def test_a_fault_of_the_check_is_not_a_verdict(monkeypatch):
    import tlcourse.checks.confusion as confusion

    monkeypatch.setattr(confusion, "_judge", lambda matrix, found: 1 / 0)
    with pytest.raises(GradingError, match="ZeroDivisionError"):
        check_most_confused(loops)
