"""The quiz widgets: clicks go to the answer logic and feedback appears (ipywidgets 7.7 and 8.x)."""

from __future__ import annotations

import ipywidgets
import pytest

from tests.quiz.helpers import right_answer, wrong_answer
from tlcourse.quiz import views
from tlcourse.quiz.model import ChoiceQuestion, NumericQuestion
from tlcourse.quiz.markdown_html import inline_html
from tlcourse.quiz.widgets import GroupView

CORE_MODULES = {"@jupyter-widgets/controls", "@jupyter-widgets/base", "@jupyter-widgets/output"}
GROUPS = ["seeds", "challenge", "understanding"]


def walk(widget):
    """Every widget in a tree."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


@pytest.mark.parametrize("group", GROUPS)
def test_only_core_widgets_are_used(group):
    (view,) = views("foodvision_head", group)
    for widget in walk(view.box):
        assert widget._model_module in CORE_MODULES, type(widget).__name__
        assert widget._view_module in CORE_MODULES, type(widget).__name__


@pytest.mark.parametrize("group", GROUPS)
def test_every_question_gives_feedback_for_a_wrong_then_a_right_answer(group):
    (view,) = views("foodvision_head", group)
    for number, qview in enumerate(view.questions, 1):
        question = qview.question
        answer, feedback = wrong_answer(question)
        qview.answer(answer)
        qview.check_button.click()
        assert "Not quite." in qview.feedback.value or "Partly right." in qview.feedback.value
        assert inline_html(feedback) in qview.feedback.value
        assert "Correct!" not in qview.feedback.value
        assert qview.check_button.disabled and not qview.retry_button.disabled
        qview.retry_button.click()
        assert qview.feedback.value == "" and not qview.check_button.disabled
        qview.answer(right_answer(question))
        qview.check_button.click()
        assert "Correct!" in qview.feedback.value
        assert "Why:" in qview.feedback.value
        assert f"Score: {number} of {len(view.questions)} correct" in view.score.value
    assert "all done" in view.score.value


def test_right_option_feedback_is_shown_with_a_tick(foodvision):
    view = GroupView(foodvision.group("seeds"))
    qview = view.questions[1]
    question = qview.question
    (letter,) = question.correct_letters()
    qview.answer(letter)
    result = qview.check()
    assert result.correct
    assert f"&#10004; <strong>{letter}.</strong> {inline_html(question.option(letter).feedback)}" \
        in qview.feedback.value


def test_single_choice_ticks_are_exclusive(foodvision):
    qview = GroupView(foodvision.group("seeds")).questions[0]
    qview.checkboxes["A"].value = True
    qview.checkboxes["B"].value = True
    assert qview.selected() == ["B"]


def test_multiple_choice_keeps_several_ticks_and_reports_partial(foodvision):
    view = GroupView(foodvision.group("understanding"))
    qview = view.view("freezing-effects")
    right = sorted(qview.question.correct_letters())
    qview.checkboxes[right[0]].value = True
    qview.checkboxes[right[1]].value = True
    assert qview.selected() == right[:2]
    qview.check()
    assert "Partly right." in qview.feedback.value
    assert "1 more correct option is still unselected" in qview.feedback.value
    assert view.scoreboard.correct == 0


def test_checking_nothing_does_not_lock_or_score(foodvision):
    view = GroupView(foodvision.group("challenge"))
    qview = view.questions[0]
    qview.check_button.click()
    assert "Type a number" in qview.feedback.value
    assert not qview.check_button.disabled and not qview.number_box.disabled
    assert view.scoreboard.checks == 0
    qview.answer("twelve")
    qview.check()
    assert "is not a number" in qview.feedback.value


def test_numeric_common_mistake_has_its_own_feedback(foodvision):
    qview = GroupView(foodvision.group("challenge")).view("head-in-features")
    qview.answer("1000")
    qview.check()
    assert "ImageNet classes" in qview.feedback.value
    assert qview.number_box.disabled


def test_try_again_takes_a_right_answer_off_the_score(foodvision):
    view = GroupView(foodvision.group("challenge"))
    qview = view.questions[2]
    qview.answer("7")
    qview.check()
    assert view.scoreboard.correct == 1
    qview.try_again()
    assert view.scoreboard.correct == 0 and qview.number_box.value == ""
    assert "Score: 0 of 3 correct" in view.score.value


def test_code_options_render_as_code_and_math_is_kept_for_mathjax(foodvision):
    code_view = GroupView(foodvision.group("challenge")).view("head-code")
    labels = [row.children[1].value for row in code_view.box.children[1].children]
    assert "<code>new_layer = torch.nn.Linear(512, 7)</code>" in labels
    count_view = GroupView(foodvision.group("understanding")).view("head-parameter-count")
    count_view.answer("3591")
    count_view.check()
    assert r"$512 \times 7 + 7 = 3591$" in count_view.feedback.value
    assert isinstance(count_view.feedback, ipywidgets.HTMLMath)


def test_unknown_letter_is_refused(foodvision):
    qview = GroupView(foodvision.group("seeds")).questions[0]
    with pytest.raises(ValueError, match="no option 'Z'"):
        qview.answer("Z")


def test_every_question_kind_is_rendered_with_the_right_input(foodvision):
    for group in foodvision.groups:
        for qview in GroupView(group).questions:
            if isinstance(qview.question, NumericQuestion):
                assert qview.number_box is not None and not qview.checkboxes
            else:
                assert isinstance(qview.question, ChoiceQuestion)
                assert list(qview.checkboxes) == [l for l, _ in qview.question.displayed()]
