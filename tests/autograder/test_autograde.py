"""Does grading with two workers give exactly the grades serial nbgrader gives?"""

import io
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.autograde import GradingRun, autograde_class, autograde_one, run_line
from autograder.classroom import prepare_course
from autograder.course import course_id
from autograder.demo_class import CLASS
from autograder.submissions import Student
from tests.autograder.test_supervise import alive, daemon_code

FOOD = "02_foodvision_head"
CONCEPTS = "01_concepts"

STUDENTS = CLASS + [
    Student("all_params", edits={FOOD: {"ex5_optimizer": "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)"}}),
]


def cell_scores(course) -> dict:
    """Every graded cell's score of every submission, read from the gradebook."""
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id()) as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        scores[(sub.student_id, assignment.name, nb.name, grade.name)] = grade.score
    return scores


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel")
    serial = prepare_course(root / "serial", STUDENTS)
    parallel = root / "parallel"
    shutil.copytree(serial, parallel)
    pairs = [(s.id, FOOD) for s in STUDENTS]
    serial_runs = autograde_class(serial, pairs, echo=lambda *a, **k: None, progress=io.StringIO())
    lines, bar = [], io.StringIO()
    parallel_runs = autograde_class(parallel, pairs, jobs=2, timeout=600,
                                    echo=lambda line, **k: lines.append(line), progress=bar)
    return serial, parallel, serial_runs, parallel_runs, (lines, bar.getvalue())


@pytest.mark.slow
def test_same_scores_cell_by_cell_as_serial_nbgrader(courses):
    serial, parallel, *_ = courses
    expected = cell_scores(serial)
    assert len(expected) >= 5 * len(STUDENTS) - 5  # every graded cell of every submission
    assert cell_scores(parallel) == expected


@pytest.mark.slow
def test_every_submission_graded_without_database_lock_errors(courses):
    *_, serial_runs, parallel_runs, _ = courses
    assert [r.ok for r in parallel_runs] == [r.ok for r in serial_runs] == [True] * len(STUDENTS)
    assert not any("locked" in r.reason for r in parallel_runs)


@pytest.mark.slow
def test_progress_shows_every_submission_with_its_time(courses):
    *_, (lines, bar) = courses
    assert len(lines) == len(STUDENTS)
    assert lines[-1].lstrip().startswith(f"[{len(STUDENTS)}/{len(STUDENTS)}]")
    assert all(" s  " in line for line in lines)
    final = bar.split("\r")[-1]                  # the bar as it was left: every submission done
    assert "100%" in final and f"{len(STUDENTS)}/{len(STUDENTS)}" in final


@pytest.mark.slow
def test_a_submission_that_runs_too_long_is_stopped_and_reported(tmp_path):
    stuck = Student("stuck", edits={FOOD: {"ex1_in_features": "while True:\n    pass"}})
    course = prepare_course(tmp_path / "course", [stuck])
    [run] = autograde_class(course, [("stuck", FOOD)], jobs=2, timeout=15, echo=lambda *a, **k: None,
                            progress=io.StringIO())
    assert not run.ok
    assert "longer than 15 s" in run.reason
    assert run.seconds < 60


def test_each_finished_submission_gets_an_aligned_line_with_its_time_and_status():
    ok = run_line(3, 12, GradingRun("reference", "01_concepts", True, 7.25))
    failed = run_line(12, 12, GradingRun("broken", "01_concepts", False, 1.0, "NotJSONError: x"))
    assert ok == "  [ 3/12] reference      01_concepts                   7.2 s  ok"
    assert failed.endswith("1.0 s  FAILED: NotJSONError: x")
    assert len(failed.split(" s  ")[0]) == len(ok.split(" s  ")[0]), "times line up"


def test_jobs_must_be_at_least_one(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        autograde_class(tmp_path, [("a", "01_concepts")], jobs=0)


#: Seconds the stuck sleeper's grading may take: enough for its kernel to reach exercise 1 (the
#: sleeper's marker is written there) on a busy machine, not more (the test waits all of it).
STUCK_TIMEOUT = 40


@pytest.mark.slow
def test_a_double_forked_sleeper_neither_delays_grading_nor_survives_it(tmp_path, monkeypatch):
    # The sleeper holds the kernel's stdout/stderr, which nbgrader's were: grading used to wait
    # for it, and it outlived the submission's timeout. This is the supervisor's job on its own:
    # graded without the kernel sandbox (whose pid namespace would end the sleeper anyway, and
    # whose private /tmp would hide its marker from this test).
    monkeypatch.setenv("TLCOURSE_NO_SANDBOX", "1")
    markers = {name: tmp_path / f"{name}.marker" for name in ("daemon", "daemon_stuck")}
    students = [Student("daemon", edits={CONCEPTS: {"ex1_freeze": daemon_code(markers["daemon"], 300)}}),
                Student("daemon_stuck", edits={CONCEPTS: {
                    "ex1_freeze": daemon_code(markers["daemon_stuck"], 300) + "while True:\n    pass\n"}})]
    course = prepare_course(tmp_path / "course", students)
    finished = autograde_one(course, CONCEPTS, "daemon", timeout=240)
    assert finished.ok, finished.reason
    assert finished.seconds < 150, f"grading waited {finished.seconds:.0f} s for the sleeper"
    stuck = autograde_one(course, CONCEPTS, "daemon_stuck", timeout=STUCK_TIMEOUT)
    assert not stuck.ok and f"longer than {STUCK_TIMEOUT} s" in stuck.reason
    assert stuck.seconds < STUCK_TIMEOUT + 8, stuck.seconds
    for marker in markers.values():
        pid = int(marker.read_text())
        assert not alive(pid), f"the sleeper of {marker.stem} survived grading"


@pytest.mark.parametrize("cores, jobs, threads", [(2, 1, 2), (2, 2, 1), (8, 3, 2), (2, 4, 1), (None, 2, 1)])
def test_kernels_running_at_once_share_the_cores(monkeypatch, cores, jobs, threads):
    import os

    from autograder.autograde import kernel_threads, worker_env

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert kernel_threads(jobs) == threads
    assert worker_env(jobs) == {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
