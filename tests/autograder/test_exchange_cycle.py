"""Does the instructor cycle work through the course's real exchange, with two students?

A fresh course directory releases 01_concepts into its own exchange (``<course>/exchange``,
no flags, never ``/usr/local/share/nbgrader/exchange``). Two students, each with a HOME of
their own holding only the students' config (``autograder.student_config``), list, fetch,
answer one exercise (alice right, bob off by one at the threshold) and submit; the instructor
collects, autogrades (every kernel in the sandbox), generates and releases feedback; each
student fetches feedback that shows their own answer and their own score, and the gradebook
and nbgrader's export hold both. Every step is a real nbgrader command.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import course_id, fresh_course_dir
from autograder.demo_class import PARTIAL_EDITS
from autograder.nbgrader_cli import nbgrader
from autograder.report import read_grades
from autograder.student_config import write_student_config
from autograder.submissions import answer_cells, solution_code
from tlcourse.gradebook import gradebook_url
from tlcourse.nbgrader_ext.sandbox_support import no_sandbox_warning

CONCEPTS = "01_concepts"
NOTEBOOK = "concepts.ipynb"
ANSWER = "ex3_choose_strategy"
#: nbgrader's default exchange: the course must never create or use it.
SYSTEM_EXCHANGE = Path("/usr/local/share/nbgrader/exchange")
#: Variables that would point nbgrader at another config or data folder than the student's HOME.
JUPYTER_FOLDERS = ("JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH", "JUPYTER_DATA_DIR", "JUPYTER_PATH")


def graded_cells(notebook_path: Path, cell_type: str | None = "code") -> dict[str, float]:
    """Points of each graded cell of a source notebook by grade_id: the autograded test cells,
    or with ``cell_type=None`` every graded cell (hand-graded answers too)."""
    nb = nbformat.read(notebook_path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and cell_type in (None, c.cell_type)}


class Student:
    """A student with a HOME of their own; nbgrader runs in their working folder."""

    def __init__(self, name: str, root: Path, course: Path) -> None:
        self.name = name
        self.home = root / name
        self.work = self.home / "work"
        self.work.mkdir(parents=True)
        write_student_config(self.home / ".jupyter" / "nbgrader_config.py", course)

    def nbgrader(self, *args: str) -> str:
        """``nbgrader ARGS`` as this student; its log (nbgrader logs to stderr)."""
        result = nbgrader(self.work, *args, env={"HOME": str(self.home)}, timeout=120)
        return result.stdout + result.stderr

    def answer(self, code: str) -> None:
        """Write ``code`` into the exercise's answer cell of the fetched notebook."""
        path = self.work / CONCEPTS / NOTEBOOK
        nb = nbformat.read(path, as_version=4)
        answer_cells(nb)[ANSWER].source = code
        nbformat.write(nb, path)

    def feedback(self) -> str:
        """The text of the one feedback page this student fetched (tags removed)."""
        [page] = (self.work / CONCEPTS / "feedback").glob(f"*/{NOTEBOOK.replace('.ipynb', '.html')}")
        return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.mark.slow
def test_two_students_go_through_the_whole_cycle_in_the_course_exchange(tmp_path, monkeypatch):
    for name in (*JUPYTER_FOLDERS, "TLCOURSE_EXCHANGE", "TLCOURSE_NO_SANDBOX", "TLCOURSE_GRADEBOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    system_exchange_before = SYSTEM_EXCHANGE.exists()
    course = fresh_course_dir(tmp_path / "course")
    exchange = course / "exchange" / course_id(course)

    # The instructor: build and release, no flags.
    nbgrader(course, "generate_assignment", CONCEPTS, "--force")
    nbgrader(course, "release_assignment", CONCEPTS)
    assert (exchange / "outbound" / CONCEPTS / NOTEBOOK).is_file()

    # What each student is expected to score: alice answers the exercise right (both of its
    # test cells), bob writes "> 1000" for "1,000 images or more" (the examples pass, the
    # threshold rules fail); every other exercise is left as released (0 points).
    source = course / "source" / CONCEPTS / NOTEBOOK
    points = graded_cells(source)
    solution = solution_code(answer_cells(nbformat.read(source, as_version=4))[ANSWER].source)
    off_by_one = PARTIAL_EDITS[CONCEPTS][ANSWER]
    answers = {"alice": (solution, points["ex3_examples_tests"] + points["ex3_rules_tests"]),
               "bob": (off_by_one, points["ex3_examples_tests"])}
    assert "num_images > 1000" in off_by_one and "num_images > 1000" not in solution

    students = {name: Student(name, tmp_path / "homes", course) for name in answers}
    for name, student in students.items():
        assert f"{course_id(course)} {CONCEPTS}" in student.nbgrader("list")
        student.nbgrader("fetch_assignment", CONCEPTS)
        student.answer(answers[name][0])
        # Both students are this test's one OS user: each names themselves, as separate
        # accounts would by their user name.
        student.nbgrader("submit", CONCEPTS, f"--student={name}")
    assert len(list((exchange / "inbound").iterdir())) == 2

    # The instructor: collect, autograde in the sandbox, feedback, export.
    nbgrader(course, "collect", CONCEPTS)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob"]
    graded = nbgrader(course, "autograde", CONCEPTS, timeout=600)
    assert no_sandbox_warning() not in graded.stdout + graded.stderr
    nbgrader(course, "generate_feedback", CONCEPTS)
    nbgrader(course, "release_feedback", CONCEPTS)
    nbgrader(course, "export", "--to=grades.csv")

    max_score = float(sum(graded_cells(source, cell_type=None).values()))  # hand-graded points too
    exported = read_grades(course / "grades.csv")
    with Gradebook(gradebook_url(course), course_id(course)) as gradebook:
        for name, (_, expected) in answers.items():
            assert gradebook.find_submission(CONCEPTS, name).score == expected, name
            assert exported[(name, CONCEPTS)] == (expected, max_score), name

    # Each student fetches their own feedback: their own answer, their own score.
    for name, student in students.items():
        student.nbgrader("fetch_feedback", CONCEPTS, f"--student={name}")
        page = student.feedback()
        expected = answers[name][1]
        assert f"Score: {expected:.1f} / {max_score:.1f}" in page, name
        assert ("num_images > 1000" in page) == (name == "bob"), name
    assert students["alice"].feedback() != students["bob"].feedback()

    assert SYSTEM_EXCHANGE.exists() == system_exchange_before
