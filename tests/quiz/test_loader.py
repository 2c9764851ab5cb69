"""Question files: the schema, the loader's error messages, and the course's own files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tlcourse.quiz import QuizFileError, load
from tlcourse.quiz.loader import build, schema, validate
from tlcourse.quiz.model import ChoiceQuestion, NumericQuestion

from tests.quiz.helpers import QUESTIONS


def write(tmp_path: Path, data: dict, name: str = "foodvision_head.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("path", sorted(QUESTIONS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_course_question_file_follows_the_schema(path):
    data = yaml.safe_load(path.read_text("utf-8"))
    validate(data, str(path))
    assert data["notebook"] == path.stem
    assert load(path.stem).questions()


def test_foodvision_has_the_groups_the_notebook_shows(foodvision):
    assert [g.name for g in foodvision.groups] == ["seeds", "challenge", "understanding"]
    assert len(foodvision.group("seeds").questions) == 3
    assert len(foodvision.group("understanding").questions) >= 3


def test_foodvision_seed_questions_cover_the_three_topics(foodvision):
    prompts = [q.prompt for q in foodvision.group("seeds").questions]
    assert "ImageNet" in prompts[0] and "frozen" in prompts[1] and "replace" in prompts[2]
    right = [o.text for q in foodvision.group("seeds").questions for o in q.options if o.correct]
    assert "fewer labelled images" in right[0]
    assert "convolutional base" in right[1]
    assert "in_features" in right[2]


def test_foodvision_challenge_is_512_then_the_layer_then_7(foodvision):
    step1, step2, step3 = foodvision.group("challenge").questions
    assert isinstance(step1, NumericQuestion) and step1.answer == 512 and step1.tolerance == 0
    assert isinstance(step3, NumericQuestion) and step3.answer == 7
    assert isinstance(step2, ChoiceQuestion) and not step2.multiple
    (right,) = [o.text for o in step2.options if o.correct]
    assert right == "`new_layer = torch.nn.Linear(512, 7)`"
    assert all(o.text.startswith("`") and o.text.endswith("`") for o in step2.options), \
        "code options are written as code so they render as code"


def test_foodvision_understanding_covers_optimizer_shapes_and_forgetting(foodvision):
    ids = {q.id for q in foodvision.group("understanding").questions}
    assert {"optimizer-params", "in-features-must-match", "forget-to-freeze"} <= ids
    kinds = {q.kind for q in foodvision.questions()}
    assert kinds == {"single", "multiple", "numeric"}


def test_every_question_has_feedback_for_each_answer_and_an_explanation(foodvision):
    for question in foodvision.questions():
        assert question.explanation.strip()
        if isinstance(question, ChoiceQuestion):
            assert all(o.feedback.strip() for o in question.options)
            texts = [o.feedback for o in question.options]
            assert len(set(texts)) == len(texts), f"{question.id}: feedback repeated"
        else:
            assert question.correct_feedback and question.wrong_feedback


def test_missing_feedback_names_file_question_and_field(tmp_path, raw_foodvision):
    del raw_foodvision["groups"]["seeds"]["questions"][1]["options"][2]["feedback"]
    path = write(tmp_path, raw_foodvision)
    with pytest.raises(QuizFileError) as error:
        load(str(path))
    message = str(error.value)
    assert str(path) in message
    assert "question 'frozen-part'" in message and "group 'seeds'" in message
    assert "'options[2]'" in message and "'feedback' is a required property" in message


def test_wrong_type_names_the_field(tmp_path, raw_foodvision):
    raw_foodvision["groups"]["challenge"]["questions"][0]["answer"] = "five hundred twelve"
    with pytest.raises(QuizFileError, match=r"question 'head-in-features', field 'answer': "
                                            r"'five hundred twelve' is not of type 'number'"):
        load(str(write(tmp_path, raw_foodvision)))


def test_unknown_field_is_reported(tmp_path, raw_foodvision):
    raw_foodvision["groups"]["seeds"]["questions"][0]["hint"] = "typo in a field name"
    with pytest.raises(QuizFileError, match=r"question 'pretraining-advantage'.*'hint' was unexpected"):
        load(str(write(tmp_path, raw_foodvision)))


def test_question_without_id_is_located_by_position(tmp_path, raw_foodvision):
    del raw_foodvision["groups"]["understanding"]["questions"][1]["id"]
    with pytest.raises(QuizFileError, match=r"group 'understanding', question #2: 'id' is a required"):
        load(str(write(tmp_path, raw_foodvision)))


def test_single_choice_needs_exactly_one_right_option(tmp_path, raw_foodvision):
    for option in raw_foodvision["groups"]["seeds"]["questions"][0]["options"]:
        option["correct"] = True
    with pytest.raises(QuizFileError, match=r"question 'pretraining-advantage', field 'options': "
                                            r"a single-choice question needs exactly one"):
        load(str(write(tmp_path, raw_foodvision)))


def test_multiple_choice_needs_a_right_option(tmp_path, raw_foodvision):
    for option in raw_foodvision["groups"]["understanding"]["questions"][1]["options"]:
        option["correct"] = False
    with pytest.raises(QuizFileError, match="freezing-effects.*at least one option correct"):
        load(str(write(tmp_path, raw_foodvision)))


def test_duplicate_ids_are_refused(tmp_path, raw_foodvision):
    raw_foodvision["groups"]["understanding"]["questions"][0]["id"] = "frozen-part"
    with pytest.raises(QuizFileError, match="id 'frozen-part' is already used in group 'seeds'"):
        load(str(write(tmp_path, raw_foodvision)))


def test_a_mistake_equal_to_the_answer_is_refused(tmp_path, raw_foodvision):
    raw_foodvision["groups"]["challenge"]["questions"][2]["mistakes"][0]["value"] = 7
    with pytest.raises(QuizFileError, match=r"'mistakes\[0\].value': 7 counts as the right answer"):
        load(str(write(tmp_path, raw_foodvision)))


def test_all_problems_are_listed_at_once(tmp_path, raw_foodvision):
    questions = raw_foodvision["groups"]["seeds"]["questions"]
    del questions[0]["explanation"]
    del questions[2]["prompt"]
    with pytest.raises(QuizFileError) as error:
        load(str(write(tmp_path, raw_foodvision)))
    assert "'pretraining-advantage'" in str(error.value)
    assert "'read-before-replacing'" in str(error.value)


def test_invalid_yaml_gives_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("notebook: broken\ngroups:\n  seeds: [unclosed\n", "utf-8")
    with pytest.raises(QuizFileError, match=re.escape(str(path)) + r", line \d+.*not valid YAML"):
        load(str(path))


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("notebook: twice\ntitle: A\ntitle: B\ngroups: {}\n", "utf-8")
    with pytest.raises(QuizFileError, match=r"line 3: key 'title' appears twice"):
        load(str(path))


def test_file_name_and_notebook_field_must_agree(tmp_path, raw_foodvision):
    path = write(tmp_path, raw_foodvision, name="other_name.yaml")
    with pytest.raises(QuizFileError, match="field 'notebook' is 'foodvision_head'.*other_name.yaml"):
        load(str(path))


def test_json_files_load_too(tmp_path, raw_foodvision):
    path = tmp_path / "anything.json"
    path.write_text(json.dumps(raw_foodvision), "utf-8")
    assert load(str(path)).group("challenge").questions[0].answer == 512


def test_unknown_notebook_lists_the_known_ones():
    with pytest.raises(QuizFileError, match="no question file for notebook 'nope'.*foodvision_head"):
        load("nope")


def test_unknown_group_lists_the_groups(foodvision):
    with pytest.raises(KeyError, match="no question group 'seed'.*'seeds', 'challenge'"):
        foodvision.group("seed")


def test_shuffle_can_be_switched_off_per_question(raw_foodvision):
    question = raw_foodvision["groups"]["challenge"]["questions"][1]
    question["shuffle"] = False
    built = build(raw_foodvision).group("challenge").questions[1]
    assert built.order == tuple(range(len(question["options"])))
    assert build(raw_foodvision).group("seeds").questions[0].order == \
        build(raw_foodvision).group("seeds").questions[0].order
