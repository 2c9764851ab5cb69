"""Helpers shared by the quiz and inspector tests (importable as tests.quiz.helpers)."""

from __future__ import annotations

from pathlib import Path

from tlcourse.quiz.model import ChoiceQuestion, NumericQuestion, Question

QUESTIONS = Path(__file__).resolve().parents[2] / "src" / "tlcourse" / "quiz" / "questions"


def right_answer(question: Question):
    """The answer a student who knows it would give (letters, or the number as text)."""
    if isinstance(question, NumericQuestion):
        return f"{question.answer:g}"
    return sorted(question.correct_letters())


def wrong_answer(question: Question):
    """A wrong answer that has its own feedback, with that feedback."""
    if isinstance(question, NumericQuestion):
        if question.mistakes:
            return f"{question.mistakes[0].value:g}", question.mistakes[0].feedback
        return f"{question.answer + 1:g}", question.wrong_feedback
    assert isinstance(question, ChoiceQuestion)
    letter, option = next((l, o) for l, o in question.displayed() if not o.correct)
    return [letter], option.feedback
