"""Does ``python -m autograder.grade --scheduler`` on a real loopback cluster give the gradebook
serial ``nbgrader autograde`` gives, on the demo class and a corpus subset?

One cluster for the module: `dask scheduler` and two `dask worker` processes on 127.0.0.1, each
in its own empty folder (no shared course directory). Each test grades one set of submissions
twice from the same course: by the command on the cluster in one copy, by
``nbgrader autograde ASSIGNMENT`` in another; then compares the gradebooks cell by cell
(everything nbgrader records: ``autograder.report.recorded_submissions``) and nbgrader's export CSVs line by line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from autograder import demo_class
from autograder.course import ROOT, fresh_course_dir
from autograder.nbgrader_cli import nbgrader
from autograder.report import export_lines, recorded_submissions, submission_points
from autograder.submissions import write_submission
from tests.autograder.loopback_cluster import LoopbackCluster
from tests.corpus.build import write_case
from tests.corpus.cases import CASES

#: The demo class's assignments graded here: all of them.
DEMO_ASSIGNMENTS = ["01_concepts", "02_foodvision_head", "03_hotdog_finetune", "04_scratch_vs_pretrained"]
#: Corpus cases graded here, one of each kind of outcome the demo class lacks: a str whose __eq__
#: lies (4 of 10), a kernel that dies half-way (os._exit: 3 of 10), nbgrader metadata stripped from
#: a wrong answer (8 of 10). Tampering, a file that is not JSON and a missing notebook:
#: tests/autograder/test_grade.py.
CORPUS_SUBSET = ("concepts_always_equal_str", "food_os_exit", "food_metadata_stripped_wrong")
CORPUS = [c for c in CASES if c.id in CORPUS_SUBSET]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The module's loopback cluster: its scheduler's address."""
    from distributed import Client

    with LoopbackCluster(tmp_path_factory.mktemp("cluster") / "cluster") as running:
        with Client(running.address) as client:
            client.wait_for_workers(2, timeout=180)
        yield running.address


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A course with the demo class's submissions of every assignment, nothing graded."""
    course = fresh_course_dir(tmp_path_factory.mktemp("demo") / "blank")
    for assignment in DEMO_ASSIGNMENTS:
        nbgrader(course, "generate_assignment", assignment, "--force")
        for student in demo_class.CLASS:
            write_submission(course, student, assignment)
    return course


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A course with the corpus subset's submissions, nothing graded."""
    course = fresh_course_dir(tmp_path_factory.mktemp("corpus") / "blank")
    for assignment in sorted({case.assignment for case in CORPUS}):
        nbgrader(course, "generate_assignment", assignment, "--force")
    for case in CORPUS:
        write_case(course, case)
    return course


def exported(course) -> list[str]:
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return export_lines(course / "grades.csv")


def grade_on_cluster(course, assignment: str, address: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.run([sys.executable, "-m", "autograder.grade", assignment, "--scheduler", address,
                           "--course", str(course)], cwd=course, env=env, capture_output=True, text=True,
                          timeout=900)


def compare(blank, tmp_path, address: str, by_assignment: dict[str, list[str]]) -> dict:
    """Grade ``by_assignment``'s submissions on the cluster and serially; the same gradebook."""
    on_cluster = shutil.copytree(blank, tmp_path / "cluster")
    serial = shutil.copytree(blank, tmp_path / "serial")
    for assignment, students in by_assignment.items():
        done = grade_on_cluster(on_cluster, assignment, address)
        assert f"{len(students)} submissions in" in done.stdout, done.stdout + done.stderr
        nbgrader(serial, "autograde", assignment, check=False, timeout=1800)
    pairs = [(s, a) for a, students in by_assignment.items() for s in students]
    got, expected = recorded_submissions(on_cluster, pairs), recorded_submissions(serial, pairs)
    assert got == expected
    assert exported(on_cluster) == exported(serial)
    return got


@pytest.mark.slow
@pytest.mark.parametrize("assignment", DEMO_ASSIGNMENTS)
def test_the_demo_class_on_a_loopback_cluster_is_graded_as_by_serial_nbgrader(demo, cluster, tmp_path,
                                                                               assignment):
    got = compare(demo, tmp_path, cluster, {assignment: [s.id for s in demo_class.CLASS]})
    scores = {student: submission_points(record) for (student, _), record in got.items()}
    assert scores["reference"] > scores["partial"] > scores["blank"] == 0, scores


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted({case.assignment for case in CORPUS}))
def test_a_corpus_subset_on_a_loopback_cluster_is_graded_as_by_serial_nbgrader(corpus, cluster, tmp_path,
                                                                                assignment):
    cases = [case for case in CORPUS if case.assignment == assignment]
    got = compare(corpus, tmp_path, cluster, {assignment: [case.id for case in cases]})
    for case in cases:
        assert submission_points(got[(case.id, case.assignment)]) == case.score, case.id
