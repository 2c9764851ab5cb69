"""The red team: hostile submissions graded by real nbgrader next to honest students.

One course directory, the course's own nbgrader configuration (every kernel in its sandbox),
``autograder.autograde.autograde_class`` with two workers. Honest students are graded before the
attacks, between them (in parallel with them) and again after them. Each attack must be blocked:
its score is what its honest part earns (tests/redteam/cases.py says why), the tampering scan
says what it must, and neither the grader's secrets, another student's answer nor the hidden
tests appear in what it gets back. Nothing it started may still run; no file outside its
sandbox may change; the grader's loopback must never see a connection.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from autograder.nbgrader_cli import nbgrader
from tests.redteam.cases import ASSIGNMENT, ATTACKS, CLASSES
from tests.redteam.harness import (BEFORE, DURING, HONEST_SCORES, Listener, RunSecrets, autograded_notebook,
                                   before_copy, build_red_team, cell_grades, cell_outputs, comparable,
                                   feedback_text, fingerprint, grade_red_team, hidden_lines, left_behind,
                                   marked_processes, outside_entries, output_text)
from tlcourse.nbgrader_ext.grader_verdicts import DECIDED_HERE

pytestmark = pytest.mark.slow

#: The notebook nbgrader saves may not grow past the output caps (5 MB per notebook) by much.
MAX_NOTEBOOK_BYTES = 6_000_000


@pytest.fixture(scope="module")
def red_team(tmp_path_factory):
    secrets = RunSecrets()
    course = build_red_team(tmp_path_factory.mktemp("redteam") / "course", secrets)
    listener = Listener()
    before = fingerprint(course)
    present_before = outside_entries()
    try:
        runs = grade_red_team(course, secrets)
    finally:
        listener.close()
    after = fingerprint(course)
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    return {"course": course, "secrets": secrets, "runs": runs, "before": before, "after": after,
            "listener": listener, "running": marked_processes(secrets), "left": left_behind(secrets, present_before)}


def test_the_red_team_covers_every_class_of_the_issue():
    assert len(ATTACKS) >= 40
    assert len({a.id for a in ATTACKS}) == len(ATTACKS), "attack ids are student ids: unique"
    per_class = Counter(a.klass for a in ATTACKS)
    assert set(per_class) == set(CLASSES)
    assert min(per_class.values()) >= 5, per_class


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.id)
def test_the_attack_earns_only_what_its_honest_part_earns(red_team, attack):
    run = red_team["runs"][attack.id]
    assert run.ok, f"{attack.id}: grading failed: {run.reason}"
    grades = cell_grades(red_team["course"], attack.id)
    score = sum(s for s, _ in grades.values())
    if attack.scan == "review":
        assert any(review for _, review in grades.values()), f"{attack.id}: nothing marked for review: {grades}"
    else:
        assert score == attack.score, f"{attack.id} ({attack.tries}): {grades}"
    text = output_text(autograded_notebook(red_team["course"], attack.id))
    if attack.scan == "zeroed":
        assert "TamperingSuspected" in text
    if attack.scan == "clean":
        assert "TamperingSuspected" not in text and not any(review for _, review in grades.values())
    assert [grades[cell][0] for cell in attack.zero] == [0] * len(attack.zero), f"{attack.id}: {grades}"
    for cell in attack.decided:
        assert DECIDED_HERE in cell_outputs(red_team["course"], attack.id, cell), f"{attack.id}: {cell} not decided here"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.id)
def test_the_attack_sees_no_secret_no_other_student_and_no_hidden_test(red_team, attack):
    secrets, course = red_team["secrets"], red_team["course"]
    outputs = output_text(autograded_notebook(course, attack.id))
    feedback = feedback_text(course, attack.id)
    assert feedback, f"no feedback for {attack.id}"
    for where, text in (("autograded outputs", outputs), ("feedback", feedback)):
        assert secrets.secret not in text, f"{attack.id}: the grader's secret in its {where}"
        assert secrets.honest_answer not in text, f"{attack.id}: another student's answer in its {where}"
    leaked = [line for line in hidden_lines(course) if line in feedback]
    assert not leaked, f"{attack.id}: hidden tests in its feedback: {leaked[:3]}"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.id)
def test_the_attacks_output_is_capped(red_team, attack):
    path = autograded_notebook(red_team["course"], attack.id)
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES


def test_honest_students_are_graded_the_same_before_during_and_after(red_team):
    course, runs = red_team["course"], red_team["runs"]
    for student in BEFORE + DURING:
        assert runs[student].ok, runs[student].reason
        expected = HONEST_SCORES["partial" if "partial" in student else "reference"]
        grades = cell_grades(course, student)
        assert sum(s for s, _ in grades.values()) == expected, (student, grades)
        assert not any(review for _, review in grades.values()), (student, grades)
    for student in BEFORE:
        assert runs[f"{student} again"].ok
        first = json.loads(before_copy(course, student).read_text())
        assert json.loads(json.dumps(comparable(autograded_notebook(course, student)))) == first, student


def test_nothing_an_attack_started_is_still_running(red_team):
    assert red_team["running"] == []


def test_no_file_outside_the_sandboxes_changed(red_team):
    before, after = red_team["before"], red_team["after"]
    for what in before:
        changed = sorted(set(before[what].items()) ^ set(after[what].items()))
        assert not changed, f"{what}: {changed[:5]}"
    assert red_team["left"] == []


def test_no_kernel_reached_the_graders_loopback(red_team):
    assert red_team["listener"].connections == 0
