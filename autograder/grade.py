"""Grade a class with Dask: every submission of one assignment, on this machine or a cluster.

    python -m autograder.grade ASSIGNMENT [--scheduler tcp://HOST:PORT] [--workers N]
        [--memory-limit 4GiB] [--student ID ...] [--timeout 600] [--force] [--feedback]
        [--course DIR] [--no-sandbox]

Each submission is a pure task (autograder.task): a Dask worker grades it with real nbgrader
in a throwaway course of its own, with no shared filesystem and no access to the gradebook;
this command writes every result into the course's gradebook (SQLite or PostgreSQL, see
tlcourse.gradebook) and autograded/ (and feedback/ with --feedback) as it arrives, so the
gradebook ends up exactly as serial ``nbgrader autograde`` leaves it. Without --scheduler it
starts a LocalCluster sized to this machine (one single-threaded worker process per core).

Resumable: a submission the gradebook and autograded/ already hold is skipped (``--force``
grades it again). A worker that dies while grading (killed, out of memory) has its
submission retried once on another worker, then reported; each worker holds only the
submission it grades, so nothing else is lost with it. Exit status 0 when every
submission was graded, 2 when one failed, 1 when there was nothing to grade, 3 when the
kernel sandbox cannot run here, 4 when the Dask scheduler is gone (rerun to continue).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable, TextIO

from tqdm.auto import tqdm

from autograder.autograde import GradingRun, kernel_threads, run_line
from autograder.gradebook_records import open_gradebook, record_result
from autograder.report import summary
from autograder.sandbox_flag import REFUSED, add_sandbox_flag, sandbox_ready
from autograder.task import (GradingResult, GradingTask, course_files, grade_submission,
                             submission_files)

#: Exit status when the Dask scheduler cannot be reached or went away.
SCHEDULER_GONE = 4
#: How often a submission may be on a worker that dies before it is reported (Dask's own count).
ALLOWED_FAILURES = 1
#: Seconds this command waits for a result beyond the submission's own timeout.
ANSWER_GRACE_SECONDS = 120


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    """Students with a submitted/<student>/<assignment> folder."""
    root = course_dir / "submitted"
    return sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())


def already_graded(course_dir: Path, assignment: str) -> set[str]:
    """Students whose submission the gradebook records and autograded/ holds (a resumed run
    skips them, as nbgrader autograde without --force skips an existing autograded folder)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course_dir) as gb:
        try:
            recorded = {s.student.id for s in gb.assignment_submissions(assignment)}
        except MissingEntry:
            return set()
    return {s for s in recorded if (course_dir / "autograded" / s / assignment).is_dir()}


def duedate(course_dir: Path, assignment: str):
    """The assignment's due date in the gradebook (None when it has none or is not there yet)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course_dir) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def local_cluster(workers: int | None = None, memory_limit: str = "auto"):
    """A LocalCluster sized to this machine: one single-threaded worker process per core.

    A submission whose worker dies is retried once elsewhere (``ALLOWED_FAILURES``).
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, memory_limit=memory_limit, dashboard_address=None)


def as_run(result: GradingResult) -> GradingRun:
    return GradingRun(result.student, result.assignment, result.ok, result.seconds, result.reason,
                      result.extra_files)


class SchedulerGone(RuntimeError):
    """The Dask scheduler went away (or never answered); what was recorded stays."""


def grade_class(client, course_dir: Path, assignment: str, students: list[str], *,
                timeout: float = 600, feedback: bool = False, sandbox: bool = True,
                threads: int | None = None, warm: bool = False, echo: Callable[..., None] = print,
                progress: TextIO | None = None, poll_seconds: float = 2.0,
                answer_grace: float = ANSWER_GRACE_SECONDS) -> list[GradingRun]:
    """Grade ``students``' submissions of ``assignment`` on the Dask cluster of ``client``;
    every result is written into the course as it arrives. The runs in ``students`` order.

    At most one submission per worker thread is handed to the scheduler at a time, so a
    worker that dies held only the submission it was grading: that one is retried once
    elsewhere (the scheduler's ``allowed-failures``), the others lose nothing. A submission
    whose worker died again, or that a worker has held for ``timeout`` + ``answer_grace``
    seconds without answering, is reported as failed and nothing of it is recorded. When the
    scheduler goes away, ``SchedulerGone`` is raised; what was recorded stays.
    """
    course = course_files(course_dir, assignment, duedate(course_dir, assignment))
    waiting = []
    for student in students:
        files, extra = submission_files(course_dir / "submitted" / student / assignment)
        waiting.append(GradingTask(course, student, files, extra, timeout, feedback, sandbox, threads, warm))
    runs: dict[str, GradingRun] = {}
    with tqdm(total=len(students), desc=f"grade {assignment}", unit="submission",
              file=progress or sys.stderr) as bar:
        def report(run: GradingRun) -> None:
            runs[run.student] = run
            bar.update()
            with bar.external_write_mode():
                echo(run_line(len(runs), len(students), run))

        for task, outcome in _outcomes(client, waiting, timeout + answer_grace, poll_seconds):
            if isinstance(outcome, GradingResult):
                record_result(course_dir, outcome)
                report(as_run(outcome))
            else:
                report(GradingRun(task.student, assignment, False, outcome[1], outcome[0], task.extra_files))
    return [runs[s] for s in students]


def _free_slots(client) -> int:
    """How many submissions the cluster can grade at once (its worker threads; at least one,
    so that a cluster still waiting for its workers holds a submission)."""
    return max(1, sum(client.nthreads().values()))


def _outcomes(client, waiting: list[GradingTask], limit: float, poll_seconds: float):
    """(task, GradingResult or (failure reason, seconds)) as each submission ends.

    Submissions are handed to the scheduler as worker threads come free. A task's clock starts
    when the scheduler first lists it as running on a worker, and again on the worker of its retry."""
    from distributed import wait
    from distributed.scheduler import KilledWorker

    queue = list(reversed(waiting))
    remaining: dict = {}
    running_since: dict[str, float] = {}
    running_on: dict[str, str] = {}
    while queue or remaining:
        try:
            slots = _free_slots(client)
        except Exception as error:  # noqa: BLE001 - any failure to ask means the scheduler is gone
            raise SchedulerGone(f"{type(error).__name__}: {error}") from error
        while queue and len(remaining) < slots:
            task = queue.pop()
            key = f"grade-{task.course.assignment}-{task.student}-{time.time_ns()}"
            remaining[client.submit(grade_submission, task, pure=False, retries=1, key=key)] = task
        try:
            done, _ = wait(list(remaining), timeout=poll_seconds, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        except Exception as error:  # noqa: BLE001 - cancelled because the scheduler went away
            if client.status != "running" or "Cancelled" in type(error).__name__:
                said = [line.strip() for line in str(error).splitlines() if line.strip().startswith("Message:")]
                raise SchedulerGone(said[0] if said else type(error).__name__) from error
            raise
        now = time.monotonic()
        for future in done:
            task = remaining.pop(future)
            seconds = now - running_since.get(future.key, now)
            if future.status == "finished":
                yield task, future.result()
            elif future.status == "cancelled" or client.status != "running":
                raise SchedulerGone(f"the submission of {task.student} was cancelled: {_cancel_reason(future)}")
            else:
                error = future.exception()
                if isinstance(error, KilledWorker):
                    reason = (f"the worker grading it died {error.allowed_failures + 1} times (killed, "
                              "or out of memory): not graded, nothing recorded")
                else:
                    reason = f"{type(error).__name__}: {error}"[:300]
                yield task, (reason, seconds)
        if not remaining:
            continue
        try:
            processing = client.processing()
        except Exception as error:  # noqa: BLE001 - any failure to ask means the scheduler is gone
            raise SchedulerGone(f"{type(error).__name__}: {error}") from error
        for worker, keys in processing.items():
            for key in keys:
                if running_on.get(key) != worker:  # first seen, or retried on another worker
                    running_on[key], running_since[key] = worker, now
        for future in [f for f in remaining if now - running_since.get(f.key, now) > limit]:
            seconds = now - running_since[future.key]
            future.cancel()
            yield remaining.pop(future), (
                f"no answer from its worker after {limit:g} s: stopped waiting, nothing recorded", seconds)


def _cancel_reason(future) -> str:
    try:
        future.result(timeout=0)
    except Exception as error:  # noqa: BLE001 - only its message is wanted
        return f"{type(error).__name__}: {error}"
    return "cancelled"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://HOST:PORT); "
                                            "default: a LocalCluster on this machine")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="LocalCluster worker processes (default: one per core)")
    parser.add_argument("--memory-limit", default="auto",
                        help="LocalCluster memory per worker, e.g. 6GiB (default: this machine's memory "
                             "split between the workers)")
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per submission")
    parser.add_argument("--force", action="store_true", help="grade again what the gradebook already has")
    parser.add_argument("--feedback", action="store_true", help="also write feedback/ for each submission")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory")
    parser.add_argument("--connect-timeout", type=float, default=30,
                        help="seconds to wait for the --scheduler to answer")
    parser.add_argument("--warm", action="store_true",
                        help="fork nbgrader and every sandboxed kernel from each worker's warm parent "
                             "(root only; see autograder.warm_worker) instead of starting them afresh")
    add_sandbox_flag(parser)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    if not sandbox_ready(args.no_sandbox):
        return REFUSED
    course_dir = args.course.resolve()
    students = args.student or submitted_students(course_dir, args.assignment)
    if not students:
        print(f"No submissions of {args.assignment} under {course_dir / 'submitted'}.")
        return 1
    if not args.force:
        done = already_graded(course_dir, args.assignment)
        if done:
            print(f"Skipping {len(done & set(students))} submission(s) the gradebook already has "
                  "(--force grades them again).")
        students = [s for s in students if s not in done]
        if not students:
            print("Nothing left to grade.")
            return 0
    from distributed import Client

    start = time.perf_counter()
    cluster = None
    try:
        try:
            if args.scheduler:
                client = Client(args.scheduler, timeout=f"{args.connect_timeout:g}s")
                threads = None
            else:
                cluster = local_cluster(args.workers, args.memory_limit)
                client = Client(cluster)
                threads = kernel_threads(args.workers)
        except (OSError, TimeoutError) as error:
            raise SchedulerGone(f"{type(error).__name__}: {error}") from error
        with client:
            runs = grade_class(client, course_dir, args.assignment, students, timeout=args.timeout,
                               feedback=args.feedback, sandbox=not args.no_sandbox, threads=threads,
                               warm=args.warm and os.geteuid() == 0)
    except SchedulerGone as error:
        where = f"at {args.scheduler}" if args.scheduler else "of the LocalCluster"
        print(f"The Dask scheduler {where} is gone or unreachable ({error}).\n"
              f"Start it (or check the address) and run the same command again: what was graded "
              f"so far is in the gradebook and is skipped.", file=sys.stderr)
        return SCHEDULER_GONE
    finally:
        if cluster is not None:
            cluster.close()
    print(summary(runs, time.perf_counter() - start))
    return 0 if all(r.ok for r in runs) else 2


if __name__ == "__main__":
    sys.exit(main())
