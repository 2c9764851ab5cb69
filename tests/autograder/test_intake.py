"""Does grading leave out every file of a submission but its notebooks, and say so in the report?"""

import io
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.autograde import GradingRun, autograde_class, run_line
from autograder.classroom import prepare_course
from autograder.course import course_id
from autograder.intake import extra_files
from autograder.report import summary
from autograder.submissions import Student
from tests.cells import source_solution

CONCEPTS = "01_concepts"

# Files shipped next to a blank notebook: a shadow of the course's checks (every check passes;
# where the course is installed in site-packages the kernel's folder comes first on sys.path),
# a module with the answer that the notebook imports, a sitecustomize.py and an IPython profile.
SHIPPED = {
    "tlcourse/__init__.py": "",
    "tlcourse/checks/__init__.py": "",
    "tlcourse/checks/concepts.py": (
        "class Case:\n"
        "    def __init__(self, *args):\n"
        "        self.story = ''\n"
        "    def call(self):\n"
        "        return ''\n"
        "EXAMPLE_CASES = []\n"
        "def __getattr__(name):\n"
        "    return lambda *args, **kwargs: None\n"),
    "helper.py": source_solution("01_concepts", "ex3_choose_strategy"),
    "sitecustomize.py": "print('sitecustomize of the student ran')\n",
    ".ipython/profile_default/startup/00.py": "print('startup file of the student ran')\n",
}
MALLORY = Student("mallory", solves=False,
                  edits={CONCEPTS: {"ex3_choose_strategy": "from helper import choose_strategy"}})


def ship(course, student: str) -> list[str]:
    """Put the shadow files next to the student's notebook; their names."""
    folder = course / "submitted" / student / CONCEPTS
    for name, text in SHIPPED.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return sorted(SHIPPED)


def score(course, student: str) -> float:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id()) as gb:
        return gb.find_submission(CONCEPTS, student).score


def test_extra_files_are_everything_but_the_notebooks_and_nbgraders_own(tmp_path):
    (tmp_path / "pkg").mkdir()
    for name in ("concepts.ipynb", "timestamp.txt", "submission_secret.txt", "pkg/mod.py",
                 ".hidden.pth", "other.ipynb"):
        (tmp_path / name).write_text("x")
    assert extra_files(tmp_path, ["concepts.ipynb"]) == [".hidden.pth", "other.ipynb", "pkg/mod.py"]
    assert extra_files(tmp_path / "missing", ["concepts.ipynb"]) == []


def test_the_report_names_the_extra_files_of_each_submission():
    run = GradingRun("mallory", CONCEPTS, True, 3.0, extra_files=("sitecustomize.py", "tlcourse/__init__.py"))
    line = run_line(1, 1, run)
    assert line.endswith("ok  (2 extra file(s) left out of grading: sitecustomize.py, tlcourse/__init__.py)")
    text = summary([run, GradingRun("honest", CONCEPTS, True, 3.0)], wall=6.0)
    assert "1 submission(s) with files besides the notebooks" in text
    assert "  mallory / 01_concepts: 2 extra file(s)" in text and "honest" not in text


def grade(course) -> GradingRun:
    [run] = autograde_class(course, [("mallory", CONCEPTS)], echo=lambda *a, **k: None,
                            progress=io.StringIO())
    return run


@pytest.mark.slow
def test_files_shipped_next_to_a_blank_notebook_are_not_importable_and_are_reported(tmp_path, monkeypatch):
    course = prepare_course(tmp_path / "course", [MALLORY])
    shipped = ship(course, "mallory")
    run = grade(course)
    assert run.ok, run.reason
    assert list(run.extra_files) == shipped
    assert score(course, "mallory") == 0
    autograded = course / "autograded" / "mallory" / CONCEPTS
    assert sorted(p.name for p in autograded.iterdir()) == ["concepts.ipynb"]
    graded = (autograded / "concepts.ipynb").read_text()
    assert "No module named 'helper'" in graded
    assert "of the student ran" not in graded
    submitted = course / "submitted" / "mallory" / CONCEPTS
    assert extra_files(submitted, ["concepts.ipynb"]) == shipped, "the submission itself is left as it was"

    # KeepOnlyNotebooks alone stops it too: graded without the kernel sandbox (whose empty
    # working folder would hide the shipped files anyway), the shipped answer is still not imported.
    monkeypatch.setenv("TLCOURSE_NO_SANDBOX", "1")
    assert grade(course).ok
    assert score(course, "mallory") == 0
    assert sorted(p.name for p in autograded.iterdir()) == ["concepts.ipynb"]

    # Control: the same submission graded without the sandbox and without KeepOnlyNotebooks
    # imports the shipped answer and scores points. The course's settings are what stop it.
    # The shipped `tlcourse/` copy is left out here: where the course is installed (not on
    # PYTHONPATH) it shadows the real package and breaks every cell, which scores 0 too and would
    # hide what this control shows; helper.py alone shows the import.
    shutil.rmtree(course / "submitted" / "mallory" / CONCEPTS / "tlcourse")
    config = course / "nbgrader_config.py"
    text = config.read_text()
    assert "[KeepOnlyNotebooks, ReimportChecks]" in text
    config.write_text(text.replace("[KeepOnlyNotebooks, ReimportChecks]", "[ReimportChecks]"))
    assert grade(course).ok
    assert (autograded / "helper.py").exists()
    assert score(course, "mallory") > 0
