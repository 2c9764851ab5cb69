"""The answer logic, without any widget: choice, select-all, numeric, shuffling, score."""

from __future__ import annotations

import pytest

from tlcourse.quiz.model import (CORRECT, INCORRECT, INVALID, PARTIAL, ChoiceQuestion, Mistake,
                                 NumericQuestion, Option, Result, Scoreboard, parse_number,
                                 shuffled_order)


def single(order=()) -> ChoiceQuestion:
    return ChoiceQuestion(
        id="q", prompt="Pick the head size.", explanation="Because the base gives 512.",
        options=(Option("512", True, "fb-512"), Option("7", False, "fb-7"),
                 Option("1000", False, "fb-1000")),
        order=order)


def multiple() -> ChoiceQuestion:
    return ChoiceQuestion(
        id="m", prompt="Which are true?", explanation="Why.", multiple=True,
        options=(Option("t1", True, "fb-t1"), Option("f1", False, "fb-f1"),
                 Option("t2", True, "fb-t2")))


def numeric(tolerance: float = 0.0) -> NumericQuestion:
    return NumericQuestion(id="n", prompt="How many?", explanation="Count them.", answer=512,
                           tolerance=tolerance, correct_feedback="fb-right",
                           wrong_feedback="fb-wrong", mistakes=(Mistake(1000, "fb-imagenet"),))


def test_single_right_answer_gives_its_feedback_and_the_explanation():
    result = single().check(["A"])
    assert result.status == CORRECT and result.correct
    assert [f.text for f in result.feedback] == ["fb-512"]
    assert result.explanation == "Because the base gives 512."
    assert result.headline == "Correct!"


@pytest.mark.parametrize("letter, feedback", [("B", "fb-7"), ("c", "fb-1000")])
def test_single_wrong_answer_gives_that_options_feedback_only(letter, feedback):
    result = single().check([letter])
    assert result.status == INCORRECT and not result.correct
    assert [(f.letter, f.text, f.correct) for f in result.feedback] == [(letter.upper(), feedback, False)]
    assert result.explanation is None


def test_single_needs_exactly_one_choice():
    assert single().check([]).status == INVALID
    assert single().check(["A", "B"]).status == INVALID


def test_unknown_letter_is_an_error_that_lists_the_letters():
    with pytest.raises(ValueError, match="A, B, C"):
        single().check(["D"])


def test_shuffled_order_maps_letters_to_the_right_options():
    question = single(order=(2, 0, 1))
    assert [o.text for _, o in question.displayed()] == ["1000", "512", "7"]
    assert question.correct_letters() == {"B"}
    assert question.check(["B"]).correct
    assert question.check(["A"]).feedback[0].text == "fb-1000"


def test_order_must_be_a_permutation():
    with pytest.raises(ValueError, match="permutation"):
        single(order=(0, 0, 1))


def test_shuffled_order_is_fixed_by_seed_and_question_id():
    first = shuffled_order(5, 13, "head-code")
    assert first == shuffled_order(5, 13, "head-code")
    assert sorted(first) == list(range(5))
    orders = {shuffled_order(5, 13, f"q{k}") for k in range(30)}
    assert len(orders) > 5, "different questions should get different orders"


def test_multiple_all_right_is_correct():
    result = multiple().check(["A", "C"])
    assert result.status == CORRECT
    assert [f.text for f in result.feedback] == ["fb-t1", "fb-t2"]
    assert result.explanation == "Why."


def test_multiple_missing_one_is_partial_and_says_how_many_are_missing():
    result = multiple().check(["A"])
    assert result.status == PARTIAL
    assert result.feedback[0].text == "fb-t1"
    assert "1 more correct option is still unselected" in result.feedback[-1].text


def test_multiple_with_a_wrong_pick_shows_feedback_for_every_pick():
    result = multiple().check(["A", "B", "C"])
    assert result.status == PARTIAL
    assert [(f.letter, f.correct) for f in result.feedback] == [("A", True), ("B", False), ("C", True)]


def test_multiple_only_wrong_is_incorrect():
    result = multiple().check(["B"])
    assert result.status == INCORRECT
    assert result.feedback[0].text == "fb-f1"
    assert "2 more correct options are still unselected" in result.feedback[-1].text


def test_multiple_nothing_selected_is_invalid():
    assert multiple().check([]).status == INVALID


@pytest.mark.parametrize("raw", ["512", " 512 ", "512.0", 512, 512.0, "5.12e2"])
def test_numeric_right_answer(raw):
    result = numeric().check(raw)
    assert result.correct and result.feedback[0].text == "fb-right"
    assert result.explanation == "Count them."


@pytest.mark.parametrize("raw, feedback", [("1000", "fb-imagenet"), ("1,000", "fb-imagenet"),
                                           ("513", "fb-wrong"), ("-512", "fb-wrong")])
def test_numeric_wrong_answers_get_specific_or_general_feedback(raw, feedback):
    result = numeric().check(raw)
    assert result.status == INCORRECT
    assert result.feedback[0].text == feedback


@pytest.mark.parametrize("raw, words", [("", "Type a number"), (None, "Type a number"),
                                        ("five hundred", "is not a number"), ("nan", "not a number")])
def test_numeric_non_numbers_are_invalid_with_a_hint(raw, words):
    result = numeric().check(raw)
    assert result.status == INVALID
    assert words in result.feedback[0].text


def test_numeric_tolerance_is_absolute():
    question = numeric(tolerance=0.5)
    assert question.check("512.4").correct
    assert not question.check("512.6").correct


def test_parse_number():
    assert parse_number("1_000") == 1000.0
    assert parse_number(True) is None
    assert parse_number(float("inf")) is None
    assert parse_number("1e-3") == 0.001


def test_scoreboard_follows_the_latest_result_of_each_question():
    board = Scoreboard(["a", "b", "c"])
    assert board.summary() == "Score: 0 of 3 correct"
    board.record("a", Result(CORRECT))
    board.record("b", Result(INCORRECT))
    board.record("c", Result(INVALID))
    assert (board.correct, board.answered, board.checks) == (1, 2, 2)
    board.reset("a")
    assert board.correct == 0
    for qid in "abc":
        board.record(qid, Result(CORRECT))
    assert board.summary() == "Score: 3 of 3 correct - all done!"


def test_scoreboard_rejects_unknown_questions():
    with pytest.raises(KeyError, match="'zzz'"):
        Scoreboard(["a"]).record("zzz", Result(CORRECT))
