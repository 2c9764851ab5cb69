"""Checks for reading a confusion matrix (FoodVision notebook, exercise 6): which pair of classes
does the head mix up most often?

The student writes ``most_confused(cm, classes)``; the check calls it on fixed matrices whose
answers follow from the task text alone, so it needs no training run and no earlier exercise.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tlcourse.checks.base import call_answer, fail, grading_check, plain_str, require

#: The section of the FoodVision notebook that states the task and its rules.
READ_MATRIX = "Exercise 6 (1 point): read the confusion matrix"

CONTRACT = {
    "ex6_most_confused_tests": """\
most_confused(cm, classes), cm a square torch tensor of counts (rows: true class, columns:
predicted class), classes the class names in the matrix's order:
- achieves: returns (true name, predicted name) of the off-diagonal cell with the most photos;
  ties go to the first such cell in reading order (row by row, left to right); a matrix with
  no mistakes (every off-diagonal cell 0) gives None;
- may not change: cm (the caller still needs it: no in-place fill_diagonal_ or item writes on
  it) or classes;
- equally right: loops over rows and columns, a masked or zeroed COPY with argmax (torch or
  numpy: both return the first maximum), a tuple or a list of the two names, numpy strings.
  Not: a pair on the diagonal (correct predictions), (predicted, true) swapped, class indices
  instead of names, rates per row instead of counts, the last of tied cells.
""",
}


@dataclass(frozen=True)
class Matrix:
    """A fixed confusion matrix, its classes and the answer the task's rules give for it."""

    what: str
    counts: tuple[tuple[int, ...], ...]
    classes: tuple[str, ...]
    answer: tuple[str, str] | None


ABC = ("cereals", "legumes", "greens")
#: The visible test's matrix: one clear largest mistake below the diagonal, a larger diagonal cell.
VISIBLE = (
    Matrix("a 3 x 3 matrix", ((5, 1, 0), (3, 4, 0), (0, 2, 6)), ABC, ("legumes", "cereals")),
)
SEVEN = ("cereals", "legumes", "greens", "vegetables", "fruits", "spices", "fish")
#: The hidden tests' matrices: each rule of the task text once.
HIDDEN = VISIBLE + (
    Matrix("a matrix with no mistakes", ((4, 0, 0), (0, 3, 0), (0, 0, 5)), ABC, None),
    Matrix("a matrix whose largest off-diagonal count appears twice",
           ((2, 3, 0), (0, 5, 1), (3, 0, 4)), ABC, ("cereals", "legumes")),
    Matrix("a matrix where the largest count and the largest share of a row differ",
           ((90, 10, 0), (0, 1, 2), (0, 0, 5)), ABC, ("cereals", "legumes")),
    Matrix("a 7 x 7 matrix whose largest mistake is in the last row",
           tuple(tuple((9 if i == j else 0) + (4 if (i, j) == (6, 5) else 0) + (1 if j == i + 1 else 0)
                       for j in range(7)) for i in range(7)), SEVEN, ("fish", "spices")),
    Matrix("a 2 x 2 matrix with one mistake above the diagonal", ((0, 1), (0, 0)), ("fruits", "fish"),
           ("fruits", "fish")),
)


def _count(matrix: Matrix, pair: tuple[str, str]) -> int:
    i, j = (matrix.classes.index(name) for name in pair)
    return matrix.counts[i][j]


def _pair_of_names(found, matrix: Matrix) -> tuple[str, str] | None:
    """``found`` as a plain (true, predicted) pair of class names, or None when it is not one."""
    if not isinstance(found, (tuple, list)) or len(found) != 2:
        return None
    names = tuple(plain_str(x) for x in found)
    if any(name is None or name not in matrix.classes for name in names):
        return None
    return names  # type: ignore[return-value]


def _judge(matrix: Matrix, found) -> None:
    """Raise ``CheckFailed`` naming the mistake when ``found`` is not ``matrix.answer``."""
    on = f"on {matrix.what}, {[list(row) for row in matrix.counts]} with classes {list(matrix.classes)}"
    if matrix.answer is None:
        require(found is None, "None: the matrix has no mistakes", f"{found!r} {on}",
                "every off-diagonal cell is 0, so no pair of classes is confused; the task asks for None "
                "then (a cell of the diagonal counts correct predictions, not mistakes).", READ_MATRIX)
        return
    if found is None:
        raise fail(f"a (true, predicted) pair {on}", "None",
                   "None is only for a matrix without mistakes; this one has some off the diagonal.", READ_MATRIX)
    if (isinstance(found, (tuple, list)) and len(found) == 2
            and all(not isinstance(x, str) and (isinstance(x, int) or hasattr(x, "item")) for x in found)):
        raise fail("a pair of class NAMES (strings from classes)", f"{found!r} {on}",
                   "the function returns the names of the two classes, not their row and column numbers: "
                   "look them up in classes.", READ_MATRIX)
    names = _pair_of_names(found, matrix)
    require(names is not None, "a pair (true name, predicted name) of two strings from classes", f"{found!r} {on}",
            "the answer names the true class and the class it was taken for.", READ_MATRIX)
    if names == matrix.answer:
        return
    true, predicted = names
    if true == predicted:
        raise fail(f"a pair of two different classes {on}", f"{names!r}, a cell of the diagonal",
                   "the diagonal counts the photos predicted CORRECTLY; a mistake is a cell off the diagonal. "
                   "Leave the diagonal out of the search (on a copy: the caller's matrix must not change).",
                   READ_MATRIX)
    best = _count(matrix, matrix.answer)
    if names == matrix.answer[::-1]:
        raise fail(f"the pair (true, predicted) of the largest off-diagonal count {on}",
                   f"{names!r}: the two names swapped",
                   "rows are the TRUE classes and columns the PREDICTED ones: cm[i, j] counts photos of "
                   "classes[i] taken for classes[j], so the row gives the first name.", READ_MATRIX)
    if _count(matrix, names) == best:
        raise fail(f"the FIRST of the tied cells in reading order {on}", f"{names!r}, another cell with the same count",
                   "several cells share the largest count; the task's rule picks the first one row by row, "
                   "left to right (what argmax returns).", READ_MATRIX)
    raise fail(f"the pair with the largest off-diagonal COUNT ({best} photos) {on}",
               f"{names!r}, a cell with {_count(matrix, names)} photos",
               "the task asks for the pair with the most mistakes, counted in photos: compare the counts "
               "themselves (not shares of a row), over every off-diagonal cell, the last row and column too.",
               READ_MATRIX)


@grading_check
def check_most_confused(most_confused, matrices: tuple[Matrix, ...] = VISIBLE) -> None:
    """``most_confused(cm, classes)`` gives the task's answer on each of ``matrices`` and changes
    neither argument."""
    require(callable(most_confused), "a function most_confused(cm, classes)",
            f"{type(most_confused).__name__}: {most_confused!r}",
            "the exercise asks for a function that reads any confusion matrix, not for one answer.", READ_MATRIX)
    for matrix in matrices:
        cm = torch.tensor(matrix.counts, dtype=torch.int64)
        classes = list(matrix.classes)
        found = call_answer(most_confused, cm, classes, expected=f"a result on {matrix.what}",
                            why="the function must work on any square tensor of counts with its list of "
                                "class names.", see=READ_MATRIX)
        require(torch.equal(cm, torch.tensor(matrix.counts, dtype=torch.int64)) and classes == list(matrix.classes),
                "cm and classes unchanged after the call", f"changed on {matrix.what}: now {cm.tolist()}",
                "the caller still needs the matrix (to plot it, to read the other cells). Zero the diagonal "
                "of a copy (cm.clone()), never of cm itself.", READ_MATRIX)
        _judge(matrix, found)
