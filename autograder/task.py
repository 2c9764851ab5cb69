"""Grading as a pure task: one submission's files in, what real nbgrader made of them out.

``grade_submission(task)`` runs on any machine with the course's environment (nbgrader, the
``tlcourse`` package, bubblewrap): it needs no shared filesystem and never sees the real
gradebook. It builds a throwaway course directory of its own from the bytes in the task (the
course's ``nbgrader_config.py``, the assignment's source and release notebooks), with its own
SQLite gradebook made by ``nbgrader generate_assignment``, writes the one submission under
``submitted/``, runs real ``nbgrader autograde --student`` there (the course's preprocessors
and extensions, every kernel in its sandbox, under ``autograder/supervise.py``) and returns a
``GradingResult``: the autograded notebooks, the gradebook rows nbgrader wrote for the
submission (per cell: automatic score, manual-grade mark, comment), optionally the feedback
HTML, the time and the failure reason. The coordinator writes that record into the real
gradebook (``autograder.gradebook_records.record_result``).

The throwaway course of an assignment is built once per worker process and copied for each
submission (its gradebook holds only the assignment's cells, no student); ``remove_templates``
deletes them when the process exits (a Dask worker closed with the cluster, or stopped with
SIGTERM or Ctrl-C, exits normally; a worker killed with SIGKILL leaves them behind). With
``warm`` (and the sandbox on) the nbgrader commands are forks of the worker's warm parent
instead of new processes, and so are their kernels (``autograder.warm_worker``); the outcome
is the same.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.autograde import judge
from autograder.course import CONFIG_FILE
from autograder.nbgrader_cli import NbgraderError, nbgrader
from tlcourse.gradebook import GRADEBOOK_URL_VARIABLE, SQLITE_FILE, sqlite_url
from tlcourse.nbgrader_ext.sandbox_support import NO_SANDBOX_VARIABLE

#: The folder of the course's student versions (nbgrader_config.py: release_directory).
RELEASE_DIR = "notebooks"
#: Files of a submission folder that grading reads: its top-level notebooks and nbgrader's timestamp.
TIMESTAMP_FILE = "timestamp.txt"

#: A file as shipped: its bytes and its permission bits.
File = tuple[bytes, int]


@dataclass(frozen=True)
class CourseFiles:
    """What every submission of one assignment is graded against, as bytes."""

    assignment: str
    config: bytes                       # the course's nbgrader_config.py
    source: dict[str, bytes]            # source/<assignment>/<path> -> bytes
    release: dict[str, bytes]           # notebooks/<assignment>/<path> -> bytes
    duedate: datetime | None = None     # the real gradebook's due date (late penalties)

    @property
    def key(self) -> str:
        """A digest of everything the throwaway course is built from."""
        digest = hashlib.sha256(self.assignment.encode() + b"\0" + self.config)
        for part in (self.source, self.release):
            for name in sorted(part):
                digest.update(b"\0" + name.encode() + b"\0" + part[name])
        digest.update(str(self.duedate).encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class GradingTask:
    """One submission to grade: the course files, the student, the files they submitted."""

    course: CourseFiles
    student: str
    submission: dict[str, bytes]        # submitted/<student>/<assignment>/<name> -> bytes
    extra_files: tuple[str, ...] = ()   # files of the submission not shipped (named in the report)
    timeout: float | None = 600         # seconds for the whole submission
    feedback: bool = False              # also run generate_feedback and return its HTML
    sandbox: bool = True                # False only for trusted submissions (--no-sandbox)
    threads: int | None = None          # OMP/MKL threads of the kernel; None: the machine's default
    warm: bool = False                  # nbgrader and kernels forked from a warm parent (warm_worker)


@dataclass
class GradingResult:
    """What real nbgrader made of one submission, ready to be written into the real gradebook.

    ``submission`` holds the gradebook rows nbgrader wrote (None when it wrote none):
    ``{"timestamp": datetime | None, "notebooks": {notebook: {"late_submission_penalty": x,
    "grades": {grade_id: (auto_score, needs_manual_grade)}, "comments": {grade_id: auto_comment}}}}``.
    ``empty``: nothing of the assignment was submitted (every cell is recorded as 0 points).
    """

    student: str
    assignment: str
    ok: bool
    seconds: float
    reason: str = ""
    extra_files: tuple[str, ...] = ()
    submission: dict | None = None
    empty: bool = False
    autograded: dict[str, File] = field(default_factory=dict)   # autograded/<s>/<a>/<path>
    feedback: dict[str, File] = field(default_factory=dict)     # feedback/<s>/<a>/<path>
    worker: str = ""                                             # which machine graded it


def submission_files(folder: Path) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The files of a submission folder grading reads (top-level regular ``.ipynb`` files and
    nbgrader's ``timestamp.txt``) as bytes, and the names of everything else (not shipped:
    the course's KeepOnlyNotebooks removes such files before any kernel starts)."""
    shipped: dict[str, bytes] = {}
    left: list[str] = []
    if not folder.is_dir():
        return shipped, ()
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink() or not path.is_file():
            if path.is_symlink():
                left.append(name)
            continue
        top_level = path.parent == folder
        if top_level and (path.suffix == ".ipynb" or path.name == TIMESTAMP_FILE):
            shipped[name] = path.read_bytes()
        else:
            left.append(name)
    return shipped, tuple(left)


def course_files(course_dir: Path, assignment: str, duedate: datetime | None = None) -> CourseFiles:
    """The bytes a worker needs to grade ``assignment`` of the course in ``course_dir``."""
    def tree(root: Path) -> dict[str, bytes]:
        if not root.is_dir():
            return {}
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and not p.is_symlink() and ".ipynb_checkpoints" not in p.parts}

    source = tree(course_dir / "source" / assignment)
    if not any(name.endswith(".ipynb") for name in source):
        raise FileNotFoundError(f"{course_dir / 'source' / assignment} holds no notebook: "
                                f"is {assignment!r} an assignment of this course?")
    return CourseFiles(assignment, (course_dir / CONFIG_FILE).read_bytes(), source,
                       tree(course_dir / RELEASE_DIR / assignment), duedate)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ValueError(f"refusing to write {name!r} outside {root}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read_tree(root: Path) -> dict[str, File]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _grading_env(task: GradingTask) -> tuple[dict[str, str], tuple[str, ...]]:
    """The nbgrader command's environment: the throwaway gradebook (never a server the worker's
    environment names), the sandbox switch, the kernel's threads."""
    extra = {}
    drop = [GRADEBOOK_URL_VARIABLE]
    if task.sandbox:
        drop.append(NO_SANDBOX_VARIABLE)
    else:
        extra[NO_SANDBOX_VARIABLE] = "1"
    if task.threads:
        extra.update(OMP_NUM_THREADS=str(task.threads), MKL_NUM_THREADS=str(task.threads))
    return extra, tuple(drop)


_templates: dict[str, Path] = {}
_templates_lock = threading.Lock()


def _runner(task: GradingTask):
    """How this task runs nbgrader: forked from the worker's warm parent (sandboxed tasks with
    ``warm``), else as a supervised command of its own."""
    if task.warm and task.sandbox:
        from functools import partial

        from autograder.warm_worker import warm_nbgrader

        return partial(warm_nbgrader, threads=task.threads)
    return nbgrader


def _template(course: CourseFiles, env: dict[str, str], drop: tuple[str, ...], run=nbgrader) -> Path:
    """The throwaway course of ``course`` in this worker process: built on first use."""
    with _templates_lock:
        found = _templates.get(course.key)
        if found and (found / SQLITE_FILE).is_file():
            return found
        root = Path(tempfile.mkdtemp(prefix=f"tlcourse-template-{course.assignment}-"))
        (root / CONFIG_FILE).write_bytes(course.config)
        _write_tree(root / "source" / course.assignment, course.source)
        _write_tree(root / RELEASE_DIR / course.assignment, course.release)
        run(root, "generate_assignment", course.assignment, "--force", timeout=300, env=env, drop=drop)
        if course.duedate is not None:
            _set_duedate(root, course.assignment, course.duedate)
        _templates[course.key] = root
        return root


def templates() -> list[Path]:
    """The throwaway course folders this process has built and not removed."""
    with _templates_lock:
        return list(_templates.values())


@atexit.register
def remove_templates() -> None:
    """Delete every throwaway course folder this process built (the next submission builds
    its course again)."""
    with _templates_lock:
        while _templates:
            shutil.rmtree(_templates.popitem()[1], ignore_errors=True)


def _gradebook(course_dir: Path):
    import warnings

    from nbgrader.api import Gradebook

    warnings.filterwarnings("ignore", module="sqlalchemy")
    return Gradebook(sqlite_url(course_dir / SQLITE_FILE))


def _set_duedate(course_dir: Path, assignment: str, duedate: datetime) -> None:
    with _gradebook(course_dir) as gb:
        gb.update_or_create_assignment(assignment, duedate=duedate)


def _submission_rows(course_dir: Path, assignment: str, student: str) -> dict | None:
    """The gradebook rows nbgrader wrote for the submission, or None when it wrote none."""
    from nbgrader.api import MissingEntry

    with _gradebook(course_dir) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {"timestamp": submission.timestamp, "notebooks": {
            nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                      "grades": {g.name: (g.auto_score, bool(g.needs_manual_grade)) for g in nb.grades},
                      "comments": {c.name: c.auto_comment for c in nb.comments}}
            for nb in submission.notebooks}}


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def grade_submission(task: GradingTask) -> GradingResult:
    """Grade one submission with real nbgrader in a throwaway course; never raises for a bad
    submission (its failure is in the result's ``reason``)."""
    start = time.perf_counter()
    assignment, student = task.course.assignment, task.student
    env, drop = _grading_env(task)
    run = _runner(task)

    def result(ok: bool, reason: str = "", **kw) -> GradingResult:
        return GradingResult(student, assignment, ok, time.perf_counter() - start, reason,
                             task.extra_files, worker=_worker_name(), **kw)

    try:
        template = _template(task.course, env, drop, run)
    except (NbgraderError, RuntimeError, subprocess.TimeoutExpired) as error:
        return result(False, f"the worker could not build the course: {str(error)[-300:]}")
    work = Path(tempfile.mkdtemp(prefix=f"tlcourse-grade-{assignment}-"))
    try:
        course = work / "course"
        shutil.copytree(template, course)
        submitted = course / "submitted" / student / assignment
        submitted.mkdir(parents=True)
        _write_tree(submitted, task.submission)
        try:
            proc = run(course, "autograde", assignment, f"--student={student}", "--force",
                            check=False, timeout=task.timeout, env=env, drop=drop)
        except subprocess.TimeoutExpired:
            return result(False, f"grading took longer than {task.timeout:g} s and was stopped",
                          submission=_submission_rows(course, assignment, student))
        ok, reason, empty = judge(proc.returncode, proc.stdout + proc.stderr, assignment)
        feedback: dict[str, File] = {}
        if task.feedback and ok:
            made = run(course, "generate_feedback", assignment, f"--student={student}", "--force",
                            check=False, timeout=task.timeout, env=env, drop=drop)
            if made.returncode == 0:
                feedback = _read_tree(course / "feedback" / student / assignment)
        return result(ok, reason, submission=_submission_rows(course, assignment, student), empty=empty,
                      autograded=_read_tree(course / "autograded" / student / assignment),
                      feedback=feedback)
    finally:
        shutil.rmtree(work, ignore_errors=True)

