"""Warm nbgrader runs: the same outcome as a cold nbgrader command, the time limit kept, nothing
left behind, and the warm parent gone with its worker (real warm parent, real nbgrader)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.course import fresh_course_dir
from autograder.nbgrader_cli import nbgrader
from autograder.supervise import descendants
from autograder.warm_worker import warm_nbgrader, warm_parent
from tlcourse.gradebook import SQLITE_FILE
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or sandbox_problem() is not None,
                                reason="warm grading forks sandboxes as root")


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True
        time.sleep(0.05)
    return False


def test_a_warm_run_makes_what_the_cold_command_makes(tmp_path):
    warm, cold = fresh_course_dir(tmp_path / "warm"), fresh_course_dir(tmp_path / "cold")
    made = warm_nbgrader(warm, "generate_assignment", "01_concepts", "--force", timeout=300)
    nbgrader(cold, "generate_assignment", "01_concepts", "--force", timeout=300)
    assert made.returncode == 0
    def release(course):   # the student versions (nbgrader_config.py: release_directory)
        return {p.relative_to(course).as_posix(): p.read_bytes()
                for p in (course / "notebooks").rglob("*") if p.is_file()}

    assert release(warm) and release(warm) == release(cold)
    # the warm parent pins the schema version nbgrader asks `alembic heads` for: the same row
    def schema(course):
        import sqlite3

        with sqlite3.connect(course / SQLITE_FILE) as db:
            return db.execute("SELECT version_num FROM alembic_version").fetchall()

    assert len(schema(warm)) == 1 and schema(warm) == schema(cold)
    bad = warm_nbgrader(warm, "autograde", "no_such_assignment", check=False, timeout=300)
    assert bad.returncode != 0 and bad.returncode == nbgrader(
        cold, "autograde", "no_such_assignment", check=False, timeout=300).returncode


def test_a_run_past_its_time_is_stopped_with_all_it_started(tmp_path):
    # The course's nbgrader_config.py (which every nbgrader command loads) starts a child and then
    # waits: the run outlasts its time however fast the warm command is (a warm generate_assignment
    # takes about 0.5 s on a quiet machine: a real command is no stand-in for a long one).
    course = fresh_course_dir(tmp_path / "course")
    child_pid = tmp_path / "child.pid"
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nimport subprocess as _subprocess, time as _time\n"
                     "_child = _subprocess.Popen(['sleep', '600'])\n"
                     f"open({str(child_pid)!r}, 'w').write(str(_child.pid))\n"
                     "_time.sleep(600)\n")
    parent = warm_parent()
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        warm_nbgrader(course, "generate_assignment", "01_concepts", "--force", timeout=5)
    assert time.monotonic() - started < 30
    assert child_pid.exists(), "the run had started its child when its time was up"
    child = Path(f"/proc/{child_pid.read_text()}")
    deadline = time.monotonic() + 10
    while (descendants(parent.process.pid) or child.exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert descendants(parent.process.pid) == [], "the run and all it started were killed"
    assert not child.exists(), "the run's child was killed with it"


def test_a_run_holds_no_descriptor_of_another_run(tmp_path):
    # The warm parent watches each child through a pidfd (a handle that can signal the process):
    # a run forked while another child lives must not inherit the other's.
    busy, probe = fresh_course_dir(tmp_path / "busy"), fresh_course_dir(tmp_path / "probe")
    started, fds = tmp_path / "started", tmp_path / "fds"
    with open(busy / "nbgrader_config.py", "a") as config:
        config.write(f"\nopen({str(started)!r}, 'w').close()\nimport time as _time\n_time.sleep(600)\n")
    with open(probe / "nbgrader_config.py", "a") as config:
        config.write("\nimport os as _os\n"
                     f"open({str(fds)!r}, 'w').write('\\n'.join(_os.readlink(f'/proc/self/fd/{{fd}}') "
                     "for fd in _os.listdir('/proc/self/fd') if _os.path.exists(f'/proc/self/fd/{fd}')))\n")
    warm_parent()
    runner = threading.Thread(target=lambda: pytest.raises(
        subprocess.TimeoutExpired, warm_nbgrader, busy, "generate_assignment", "01_concepts", timeout=30))
    runner.start()
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the first run did not start"
    warm_nbgrader(probe, "generate_assignment", "01_concepts", "--force", timeout=300)
    runner.join()
    held = fds.read_text().splitlines()
    assert held and not [link for link in held if "pidfd" in link], held


def test_the_warm_parent_dies_with_its_worker():
    worker = subprocess.Popen(
        [sys.executable, "-c", "from autograder.warm_worker import warm_parent\n"
         "print(warm_parent().process.pid, flush=True)\nimport time; time.sleep(600)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    zygote = int(worker.stdout.readline())
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert _gone(zygote), "the warm parent outlived the worker that started it"


#: Different outcomes: full marks, nothing answered, an endless loop (cut at the
#: corpus's per-cell limit), a kernel that kills itself; and the demo class's partial student.
WARM_CASES = ["food_reference", "food_blank", "food_infinite_loop", "food_os_exit"]


@pytest.mark.slow
def test_warm_grading_gives_the_gradebook_serial_nbgrader_gives(tmp_path):
    import shutil

    from autograder.autograde import autograde_class
    from autograder.demo_class import CLASS
    from autograder.gradebook_records import record_result
    from autograder.report import recorded_submissions, submission_points
    from autograder.submissions import write_submission
    from autograder.task import GradingTask, course_files, grade_submission, submission_files
    from tests.corpus.build import build_corpus
    from tests.corpus.cases import CASES

    food = "02_foodvision_head"
    cases = [c for c in CASES if c.id in WARM_CASES]
    serial = build_corpus(tmp_path / "serial", cases)
    partial = next(s for s in CLASS if s.id == "partial")
    write_submission(serial, partial, food)
    warm = shutil.copytree(serial, tmp_path / "warm")
    students = [*WARM_CASES, "partial"]
    for run in autograde_class(serial, [(s, food) for s in students], jobs=2, timeout=600,
                               echo=lambda *a, **k: None):
        assert run.ok, (run.student, run.reason)
    files = course_files(warm, food)
    for student in students:
        shipped, extra = submission_files(warm / "submitted" / student / food)
        result = grade_submission(GradingTask(files, student, shipped, extra, 600, warm=True))
        assert result.ok, (student, result.reason)
        record_result(warm, result)
    pairs = [(s, food) for s in students]

    def points(course):
        return {s: submission_points(record) for (s, _), record in recorded_submissions(course, pairs).items()}

    # serial nbgrader itself must be right first: on a machine loaded past the corpus's 60-s cell
    # limit a cold kernel's first cells time out (seen at a load average of 30)
    assert points(serial)["food_reference"] == 10, "serial nbgrader ran past the cell limit: a loaded machine"
    assert recorded_submissions(warm, pairs) == recorded_submissions(serial, pairs)
    assert points(warm)["food_reference"] == 10 and points(warm)["food_blank"] == 0
    assert points(warm)["food_os_exit"] == 3
