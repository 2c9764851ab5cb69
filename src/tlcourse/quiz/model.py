"""The quiz model: questions as plain data that judge their own answers (no widgets, no I/O).

Everything a quiz decides - is this answer right, which feedback goes with it, in which
order the options appear, what the running score is - lives here, so it can be tested
anywhere and rendered by any front end (widgets, HTML, plain text).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

#: Letters that label options, in display order (a question has at most 26 options).
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

CORRECT = "correct"
INCORRECT = "incorrect"
PARTIAL = "partial"
INVALID = "invalid"

class QuizFileError(ValueError):
    """A question file cannot be read or does not follow the schema."""


#: Headline shown for each outcome of a check.
HEADLINES = {
    CORRECT: "Correct!",
    INCORRECT: "Not quite.",
    PARTIAL: "Partly right.",
    INVALID: "No answer to check yet.",
}


@dataclass(frozen=True)
class Option:
    """One answer option: its text (Markdown), whether it is right, and its own feedback."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Mistake:
    """A wrong number students often give, with feedback written for it."""

    value: float
    feedback: str


@dataclass(frozen=True)
class Feedback:
    """One line of feedback: which option (letter, or None) it is about, and its text."""

    text: str
    letter: str | None = None
    correct: bool | None = None


@dataclass(frozen=True)
class Result:
    """The outcome of checking one answer."""

    status: str
    feedback: tuple[Feedback, ...] = ()
    explanation: str | None = None

    @property
    def correct(self) -> bool:
        """True when the answer is fully right."""
        return self.status == CORRECT

    @property
    def headline(self) -> str:
        """A short headline for the outcome ("Correct!", "Not quite.", ...)."""
        return HEADLINES[self.status]


@dataclass(frozen=True)
class _Question:
    """Fields every question has."""

    id: str
    prompt: str
    explanation: str


@dataclass(frozen=True)
class ChoiceQuestion(_Question):
    """A single-choice (``multiple=False``) or select-all-that-apply question.

    ``order`` is the display order: ``order[k]`` is the index into ``options`` of the
    option shown with letter ``LETTERS[k]``. Answers are given as display letters.
    """

    options: tuple[Option, ...] = ()
    multiple: bool = False
    order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.order:
            object.__setattr__(self, "order", tuple(range(len(self.options))))
        if sorted(self.order) != list(range(len(self.options))):
            raise ValueError(f"question {self.id!r}: order {self.order} is not a permutation "
                             f"of its {len(self.options)} options")

    @property
    def kind(self) -> str:
        """``"multiple"`` or ``"single"``."""
        return "multiple" if self.multiple else "single"

    def displayed(self) -> list[tuple[str, Option]]:
        """The options in display order, each with its letter."""
        return [(LETTERS[k], self.options[i]) for k, i in enumerate(self.order)]

    def option(self, letter: str) -> Option:
        """The option shown with ``letter``."""
        letters = LETTERS[: len(self.options)]
        key = letter.strip().upper()
        if len(key) != 1 or key not in letters:
            raise ValueError(f"question {self.id!r} has options {', '.join(letters)}; "
                             f"got {letter!r}")
        return self.options[self.order[letters.index(key)]]

    def correct_letters(self) -> set[str]:
        """The letters of the right options, as displayed."""
        return {letter for letter, option in self.displayed() if option.correct}

    def check(self, selected: Iterable[str]) -> Result:
        """Check the selected letters; feedback for each chosen option, in display order."""
        chosen = sorted({letter.strip().upper() for letter in selected})
        for letter in chosen:
            self.option(letter)  # raises on a letter that is not shown
        if not chosen:
            what = "one or more options" if self.multiple else "an option"
            return Result(INVALID, (Feedback(f"Choose {what}, then press Check."),))
        if not self.multiple and len(chosen) > 1:
            return Result(INVALID, (Feedback("Choose only one option for this question."),))
        lines = tuple(Feedback(self.option(letter).feedback, letter, self.option(letter).correct)
                      for letter in chosen)
        right = self.correct_letters()
        if set(chosen) == right:
            return Result(CORRECT, lines, self.explanation)
        if not self.multiple:
            return Result(INCORRECT, lines)
        missed = len(right - set(chosen))
        if missed:
            noun = "option is" if missed == 1 else "options are"
            lines += (Feedback(f"{missed} more correct {noun} still unselected."),)
        return Result(PARTIAL if set(chosen) & right else INCORRECT, lines)


@dataclass(frozen=True)
class NumericQuestion(_Question):
    """A question answered with a number, right within ``tolerance`` (absolute)."""

    answer: float = 0.0
    tolerance: float = 0.0
    correct_feedback: str = ""
    wrong_feedback: str = ""
    mistakes: tuple[Mistake, ...] = ()

    kind = "numeric"

    def matches(self, value: float, target: float) -> bool:
        """True when ``value`` is within the tolerance of ``target``."""
        return math.isclose(value, target, rel_tol=0.0, abs_tol=self.tolerance + 1e-12)

    def check(self, raw: str | float | int | None) -> Result:
        """Check a typed answer (text from a box, or a number)."""
        value = parse_number(raw)
        if value is None:
            text = "" if raw is None else str(raw).strip()
            if not text:
                return Result(INVALID, (Feedback("Type a number, then press Check."),))
            return Result(INVALID, (Feedback(f"{text!r} is not a number; type digits only, "
                                             f"for example 42 or 0.5."),))
        if self.matches(value, self.answer):
            return Result(CORRECT, (Feedback(self.correct_feedback, correct=True),),
                          self.explanation)
        for mistake in self.mistakes:
            if self.matches(value, mistake.value):
                return Result(INCORRECT, (Feedback(mistake.feedback, correct=False),))
        return Result(INCORRECT, (Feedback(self.wrong_feedback, correct=False),))


Question = Union[ChoiceQuestion, NumericQuestion]


def parse_number(raw: str | float | int | None) -> float | None:
    """A float from user input (``"512"``, ``" 1e-3 "``, ``"1,000"``), or None if it is not one."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if math.isfinite(raw) else None
    text = str(raw).strip().replace(",", "").replace("_", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def shuffled_order(count: int, seed: int | str, question_id: str) -> tuple[int, ...]:
    """A fixed permutation of ``range(count)`` for one question: same seed, same order."""
    order = list(range(count))
    random.Random(f"{seed}/{question_id}").shuffle(order)
    return tuple(order)


@dataclass(frozen=True)
class Group:
    """A named list of questions shown together with one running score."""

    name: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""


@dataclass(frozen=True)
class QuizFile:
    """All the questions of one notebook, by group."""

    notebook: str
    title: str
    groups: tuple[Group, ...]
    source: str = ""

    def group(self, name: str) -> Group:
        """The group called ``name``."""
        for group in self.groups:
            if group.name == name:
                return group
        names = ", ".join(repr(g.name) for g in self.groups)
        raise KeyError(f"{self.source or self.notebook} has no question group {name!r}; "
                       f"its groups are {names}.")

    def questions(self) -> list[Question]:
        """Every question in file order."""
        return [q for group in self.groups for q in group.questions]


@dataclass
class Scoreboard:
    """The running score of a group: which questions are currently answered correctly."""

    question_ids: Sequence[str]
    _status: dict[str, str] = field(default_factory=dict)
    checks: int = 0

    def record(self, question_id: str, result: Result) -> None:
        """Remember the latest checked result of a question."""
        self._known(question_id)
        if result.status != INVALID:
            self.checks += 1
            self._status[question_id] = result.status

    def reset(self, question_id: str) -> None:
        """Forget a question's result (the student pressed Try again)."""
        self._known(question_id)
        self._status.pop(question_id, None)

    def _known(self, question_id: str) -> None:
        if question_id not in self.question_ids:
            raise KeyError(f"question {question_id!r} is not in this group")

    @property
    def correct(self) -> int:
        """How many questions are answered correctly now."""
        return sum(1 for status in self._status.values() if status == CORRECT)

    @property
    def total(self) -> int:
        """How many questions the group has."""
        return len(self.question_ids)

    @property
    def answered(self) -> int:
        """How many questions have a checked answer."""
        return len(self._status)

    def summary(self) -> str:
        """``"Score: 2 of 6 correct"`` (plus a cheer when all are right)."""
        text = f"Score: {self.correct} of {self.total} correct"
        if self.total and self.correct == self.total:
            text += " - all done!"
        return text
