"""Autograde with real nbgrader: one submission, or a class with several workers at once.

Each submission is graded by its own ``nbgrader autograde --student`` process;
J of them run at once. Workers share the gradebook (tlcourse.gradebook: SQLite
with a lock wait, or PostgreSQL). A submission that fails, crashes or runs out of
time is reported with its reason and the others are graded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from tqdm.auto import tqdm

from autograder.course import Assignment
from autograder.gradebook_records import record_empty_submission
from autograder.intake import extra_files
from autograder.nbgrader_cli import nbgrader


@dataclass
class GradingRun:
    """The outcome of autograding one student's submission of one assignment."""

    student: str
    assignment: str
    ok: bool
    seconds: float
    reason: str = ""
    extra_files: tuple[str, ...] = ()  # submitted files grading left out (autograder.intake)


def failure_reason(output: str) -> str:
    """The most telling line of nbgrader's log for a failed submission."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for key in ("NotJSONError", "JSONDecodeError", "Notebook does not appear to be JSON",
                "ValidationError", "CellTimeoutError", "DeadKernelError", "Error"):
        for line in lines:
            if key in line:
                return line[:300]
    return lines[-1][:300] if lines else "nbgrader failed without output"


def autograde_one(course_dir: Path, assignment: str, student: str, *extra_args: str,
                  timeout: float | None = None, env: dict[str, str] | None = None) -> GradingRun:
    """``nbgrader autograde ASSIGNMENT --student STUDENT``; a failure is reported, not raised.

    ``timeout`` bounds the whole submission (nbgrader and its kernel are killed after it).
    Files of the submission other than the assignment's notebooks, which nbgrader does not
    copy into autograded/, are named in the run's ``extra_files``.
    """
    start = time.perf_counter()
    notebooks = [p.name for p in Assignment(assignment, "", Path(course_dir)).notebooks]
    extra = tuple(extra_files(Path(course_dir) / "submitted" / student / assignment, notebooks))
    try:
        proc = nbgrader(course_dir, "autograde", assignment, f"--student={student}", "--force",
                        *extra_args, check=False, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return GradingRun(student, assignment, False, time.perf_counter() - start,
                          f"grading took longer than {timeout:g} s and was stopped", extra)
    seconds = time.perf_counter() - start
    ok, reason, empty = judge(proc.returncode, proc.stdout + proc.stderr, assignment)
    if empty:
        # Nothing of this assignment was submitted: nbgrader stops without recording the
        # student at all. Record the empty submission so every notebook scores 0.
        record_empty_submission(course_dir, assignment, student)
    return GradingRun(student, assignment, ok, seconds, reason, extra)


def judge(returncode: int, output: str, assignment: str) -> tuple[bool, str, bool]:
    """What an ``nbgrader autograde --student`` run says: (graded?, reason if not, nothing
    of the assignment submitted?). An empty submission is recorded as 0 points by the caller."""
    if "No notebooks were matched" in output or "No notebooks found" in output:
        return False, f"no notebook of {assignment} in the submission: recorded as 0 points", True
    failed = returncode != 0 or "There was an error processing assignment" in output
    return not failed, failure_reason(output) if failed else "", False


def extra_files_note(run: GradingRun, shown: int = 5) -> str:
    """What the report says about files submitted besides the notebooks (not graded, not run)."""
    names = ", ".join(run.extra_files[:shown])
    more = f" and {len(run.extra_files) - shown} more" if len(run.extra_files) > shown else ""
    return f"{len(run.extra_files)} extra file(s) left out of grading: {names}{more}"


def kernel_threads(jobs: int) -> int:
    """Threads for each of ``jobs`` kernels that run at once: the machine's cores shared out, at least one."""
    return max(1, (os.cpu_count() or 1) // jobs)


def worker_env(jobs: int) -> dict[str, str]:
    """Split the machine's cores between the workers' kernels."""
    threads = kernel_threads(jobs)
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def run_line(done: int, total: int, run: GradingRun) -> str:
    """One submission's progress line: how far, who, which assignment, how long, how it went."""
    status = "ok" if run.ok else f"FAILED: {run.reason}"
    if run.extra_files:
        status += f"  ({extra_files_note(run)})"
    count = f"[{done:>{len(str(total))}}/{total}]"
    return f"  {count} {run.student:<14} {run.assignment:<26} {run.seconds:6.1f} s  {status}"


def autograde_class(course_dir: Path, pairs: list[tuple[str, str]], jobs: int = 1,
                    timeout: float | None = None, echo: Callable[..., None] = print,
                    progress: TextIO | None = None) -> list[GradingRun]:
    """Autograde (student, assignment) pairs, ``jobs`` at a time; the runs in input order.

    A progress bar (``tqdm``, on ``progress``, default stderr) counts the submissions;
    each finished submission also gets a line through ``echo`` with its time and status.
    With one job the kernels keep the machine's default threads.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    env = worker_env(jobs) if jobs > 1 else None
    results: dict[tuple[str, str], GradingRun] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(pairs), desc="autograde", unit="submission", file=progress or sys.stderr) as bar:
        futures = {pool.submit(autograde_one, course_dir, a, s, timeout=timeout, env=env): (s, a)
                   for s, a in pairs}
        for future in as_completed(futures):
            run = future.result()
            results[futures[future]] = run
            bar.update()
            with bar.external_write_mode():
                echo(run_line(len(results), len(pairs), run))
    return [results[pair] for pair in pairs]
