"""Does grading with Dask give exactly the gradebook serial nbgrader gives, on a real cluster?

One course (a student with the instructor's solutions, a corpus case whose tampering zeroes
most tests, a notebook cut off half-way and a submission without a notebook) is graded by
serial ``nbgrader autograde --student`` in one copy, by a real loopback Dask cluster
(`dask scheduler` and two `dask worker` processes, each in its own empty folder) in another,
and by ``python -m autograder.grade``'s LocalCluster in a third; the gradebooks are compared
cell by cell (score, manual-grade mark, comment), the autograded notebooks cell by cell and
nbgrader's export line by line. A worker is killed (SIGKILL) mid-submission, once and twice;
a worker is stopped, and the scheduler is taken away.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.autograde import autograde_one
from autograder.course import ROOT, fresh_course_dir
from autograder.grade import grade_class, main
from autograder.gradebook_records import open_gradebook
from autograder.nbgrader_cli import nbgrader
from autograder.report import read_grades, recorded_submissions
from autograder.submissions import Student, answer_cells, solution_code, write_submission
from autograder.supervise import descendants
from tests.autograder.loopback_cluster import LoopbackCluster
from tests.corpus.build import write_case
from tests.corpus.cases import CASES

CONCEPTS, FOOD = "01_concepts", "02_foodvision_head"
CORPUS = {c.id: c for c in CASES}
#: (student, assignment): full marks; tampering (2 of 10); unreadable (reported); no notebook (0).
PAIRS = [("reference", CONCEPTS), ("concepts_patches_check", CONCEPTS),
         ("food_not_json", FOOD), ("food_missing", FOOD)]


#: A student with the reference answers whose first answer cell sleeps: its kernel is busy long
#: enough to kill its worker mid-submission.
SLEEPER = "sleeper"
SLEEP_SECONDS = 30


def sleeper(course) -> Student:
    """The reference answers of 01_concepts, the first answer cell sleeping first."""
    [source] = sorted((course / "source" / CONCEPTS).glob("*.ipynb"))
    first, cell = next(iter(answer_cells(nbformat.read(source, as_version=4)).items()))
    return Student(SLEEPER, edits={CONCEPTS: {
        first: f"import time\ntime.sleep({SLEEP_SECONDS})\n" + solution_code(cell.source)}})


def _quiet(*args, **kwargs):
    pass


def gradebook_rows(course) -> dict:
    """Everything nbgrader autograde records per submission of the class."""
    return recorded_submissions(course, PAIRS)


def autograded_cells(course) -> dict:
    """The autograded notebooks' cells: source and nbgrader metadata (checksums included)."""
    found = {}
    for path in sorted((course / "autograded").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found[path.relative_to(course).as_posix()] = [
            (c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]
    return found


def exported(course) -> dict:
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return read_grades(course / "grades.csv")


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    """The course with the release built and every submission written, nothing graded."""
    blank = fresh_course_dir(tmp_path_factory.mktemp("grade") / "blank")
    for assignment in (CONCEPTS, FOOD):
        nbgrader(blank, "generate_assignment", assignment, "--force")
    write_submission(blank, Student("reference"), CONCEPTS)
    for student, _ in PAIRS[1:]:
        write_case(blank, CORPUS[student])
    return blank


@pytest.fixture(scope="module")
def serial(blank):
    """A copy of the course graded by serial nbgrader: (course, runs)."""
    graded = shutil.copytree(blank, blank.parent / "serial")
    runs = {(s, a): autograde_one(graded, a, s, timeout=600) for s, a in PAIRS}
    return graded, runs


def copy_of(blank, tmp_path, name="course"):
    return shutil.copytree(blank, tmp_path / name)


@pytest.mark.slow
def test_a_loopback_cluster_gives_the_gradebook_serial_nbgrader_gives(blank, serial, tmp_path):
    from distributed import Client

    expected, serial_runs = serial
    course = copy_of(blank, tmp_path)
    lines = []
    with LoopbackCluster(tmp_path / "cluster") as cluster, Client(cluster.address) as client:
        client.wait_for_workers(2, timeout=180)
        runs = []
        for assignment in (CONCEPTS, FOOD):
            students = [s for s, a in PAIRS if a == assignment]
            runs += grade_class(client, course, assignment, students, echo=lines.append,
                                progress=io.StringIO())
        by_student = {r.student: r for r in runs}
    assert gradebook_rows(course) == gradebook_rows(expected)
    assert gradebook_rows(course)[("reference", CONCEPTS)], "the reference was recorded"
    assert autograded_cells(course) == autograded_cells(expected)
    assert exported(course) == exported(expected)
    assert {s: r.ok for s, r in by_student.items()} == {s: r.ok for (s, _), r in serial_runs.items()}
    assert "JSON" in by_student["food_not_json"].reason and "recorded as 0" in by_student["food_missing"].reason
    assert len(lines) == len(PAIRS) and all(" s  " in line for line in lines)


def _grading_worker(client, student: str, but_not: frozenset = frozenset(), alone: bool = True,
                    timeout: float = 300):
    """(address, pid) of the worker grading ``student``'s submission once its kernel runs: the
    scheduler lists the submission on it and a kernel runs under it; ``alone``: and nothing else."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if address in but_not or not any(str(k).startswith(f"grade-{CONCEPTS}-{student}-") for k in keys):
                continue
            pid = client.run(os.getpid, workers=[address])[address]
            if any(b"ipykernel_launcher" in _cmdline(p) for p in descendants(pid)):
                time.sleep(3)  # well inside the sleeping first cell
                if alone:
                    assert len(client.processing()[address]) == 1, "the worker holds one submission"
                return address, pid
        time.sleep(0.5)
    raise AssertionError(f"no worker ran a kernel for {student} within {timeout} s")


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _gone(pids: list[int], timeout: float = 60) -> bool:
    """Whether every process of ``pids`` has ended (a killed worker's nbgrader and kernel too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{p}") and b"" != _cmdline(p) for p in pids):
            return True
        time.sleep(0.5)
    return False


def _grade_in_background(client, course, students: list[str], lines: list) -> tuple:
    import threading

    outcome: dict = {}

    def run():
        try:
            outcome["runs"] = grade_class(client, course, CONCEPTS, students, echo=lines.append,
                                          progress=io.StringIO())
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _runs(thread, outcome) -> dict:
    thread.join(900)
    assert not thread.is_alive(), "grading ended"
    if "error" in outcome:
        raise outcome["error"]
    return {r.student: r for r in outcome["runs"]}


@pytest.mark.slow
def test_a_worker_killed_mid_submission_costs_a_retry_elsewhere_and_nothing_else(blank, serial, tmp_path):
    from distributed import Client

    expected, _ = serial
    course = copy_of(blank, tmp_path)
    write_submission(course, sleeper(course), CONCEPTS)
    students = [SLEEPER, "reference"]
    lines: list[str] = []
    with LoopbackCluster(tmp_path / "cluster") as cluster, Client(cluster.address) as client:
        client.wait_for_workers(2, timeout=180)
        thread, outcome = _grade_in_background(client, course, students, lines)
        killed, pid = _grading_worker(client, SLEEPER)
        below = descendants(pid)
        cluster.kill_worker(pid)
        retried, _ = _grading_worker(client, SLEEPER, but_not=frozenset({killed}), alone=False)
        runs = _runs(thread, outcome)
    assert retried != killed
    assert _gone(below), "the killed worker's nbgrader and kernel died with it"
    assert all(r.ok for r in runs.values()), {s: r.reason for s, r in runs.items()}
    assert sorted(line.split()[1] for line in lines) == sorted(students), "each graded and reported once"
    rows, serial_rows = gradebook_rows(course), gradebook_rows(expected)
    assert rows[("reference", CONCEPTS)] == serial_rows[("reference", CONCEPTS)]
    with open_gradebook(course) as gb:
        sub = gb.find_submission(CONCEPTS, SLEEPER)
        got = {g.name: (g.auto_score, g.needs_manual_grade) for nb in sub.notebooks for g in nb.grades}
    reference = rows[("reference", CONCEPTS)]
    assert got == {name: (auto, manual) for nb in reference.values()
                   for name, (auto, _, manual) in nb["grades"].items()}, "the retry graded it in full"


@pytest.mark.slow
def test_a_submission_whose_worker_dies_twice_is_reported_and_the_others_are_graded(blank, serial, tmp_path):
    from distributed import Client

    expected, _ = serial
    course = copy_of(blank, tmp_path)
    write_submission(course, sleeper(course), CONCEPTS)
    students = [SLEEPER, "concepts_patches_check"]
    with LoopbackCluster(tmp_path / "cluster", workers=3) as cluster, Client(cluster.address) as client:
        client.wait_for_workers(3, timeout=180)
        thread, outcome = _grade_in_background(client, course, students, [])
        first, pid = _grading_worker(client, SLEEPER)
        cluster.kill_worker(pid)
        _, pid = _grading_worker(client, SLEEPER, but_not=frozenset({first}))
        cluster.kill_worker(pid)
        runs = _runs(thread, outcome)
    assert not runs[SLEEPER].ok and "died 2 times" in runs[SLEEPER].reason, runs[SLEEPER].reason
    assert "nothing recorded" in runs[SLEEPER].reason
    assert runs["concepts_patches_check"].ok, runs["concepts_patches_check"].reason
    key = ("concepts_patches_check", CONCEPTS)
    assert gradebook_rows(course)[key] == gradebook_rows(expected)[key]
    with open_gradebook(course) as gb:
        assert SLEEPER not in {s.student.id for s in gb.assignment_submissions(CONCEPTS)}
    assert not (course / "autograded" / SLEEPER).exists(), "nothing half-written"


@pytest.mark.slow
def test_a_worker_that_never_answers_is_timed_out(blank, tmp_path):
    from distributed import Client

    course = copy_of(blank, tmp_path)
    with LoopbackCluster(tmp_path / "cluster", workers=1) as cluster, Client(cluster.address) as client:
        client.wait_for_workers(1, timeout=180)
        [pid] = client.run(os.getpid).values()
        os.kill(pid, signal.SIGSTOP)
        try:
            start = time.monotonic()
            [run] = grade_class(client, course, FOOD, ["food_missing"], timeout=5, answer_grace=5,
                                echo=_quiet, progress=io.StringIO())
        finally:
            os.kill(pid, signal.SIGCONT)
    assert not run.ok and "no answer from its worker" in run.reason
    assert time.monotonic() - start < 60
    assert gradebook_rows(course)[("food_missing", FOOD)] is None


def _grade_command(course, *args, timeout=900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.run([sys.executable, "-m", "autograder.grade", *args, "--course", str(course)],
                          cwd=course, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_the_local_cluster_default_gives_serial_grades_and_a_rerun_skips_them(blank, serial, tmp_path):
    expected, _ = serial
    course = copy_of(blank, tmp_path)
    first = _grade_command(course, CONCEPTS, "--workers", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "2 submissions in" in first.stdout and "0 failed" in first.stdout
    assert gradebook_rows(course)[("reference", CONCEPTS)] == gradebook_rows(expected)[("reference", CONCEPTS)]
    key = ("concepts_patches_check", CONCEPTS)
    assert gradebook_rows(course)[key] == gradebook_rows(expected)[key]
    again = _grade_command(course, CONCEPTS, "--workers", "1", timeout=300)
    assert again.returncode == 0 and "Nothing left to grade" in again.stdout, again.stdout + again.stderr


@pytest.mark.slow
def test_the_scheduler_gone_or_unreachable_is_said_with_what_to_do(blank, tmp_path):
    course = copy_of(blank, tmp_path)
    with LoopbackCluster(tmp_path / "cluster", workers=0) as cluster:
        command = subprocess.Popen(
            [sys.executable, "-m", "autograder.grade", FOOD, "--scheduler", cluster.address,
             "--course", str(course)], cwd=course, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])})
        time.sleep(15)                       # connected, the submissions wait for a worker
        cluster.kill_scheduler()
        out, err = command.communicate(timeout=180)
    assert command.returncode == 4, out + err
    assert "scheduler" in err and "run the same command again" in err
    unreachable = _grade_command(course, FOOD, "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "3",
                           timeout=120)
    assert unreachable.returncode == 4 and "unreachable" in unreachable.stderr
