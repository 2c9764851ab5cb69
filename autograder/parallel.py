"""Grade many submissions with several worker processes: the same grades as serial nbgrader.

    python -m autograder.parallel ASSIGNMENT [--jobs 2] [--student ID ...] [--timeout 600]

Each submission is graded by its own real ``nbgrader autograde --student`` process;
J of them run at once. Workers share the gradebook: with SQLite each waits for the
write lock instead of failing ("database is locked"); PostgreSQL
(``TLCOURSE_GRADEBOOK_URL``) handles concurrent graders natively. A submission
that fails, crashes or runs out of time is reported with its reason and the
others are graded.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder.grading import GradingRun, autograde_one

SQLITE_LOCK_WAIT = 120  # seconds a worker waits for SQLite's write lock


def db_args(course_dir: Path) -> list[str]:
    """nbgrader arguments that make concurrent workers safe with the default SQLite gradebook."""
    if os.environ.get("TLCOURSE_GRADEBOOK_URL"):
        return []  # a server database (see nbgrader_config.py)
    db = (course_dir / "gradebook.db").resolve()
    return [f"--CourseDirectory.db_url=sqlite:///{db}?timeout={SQLITE_LOCK_WAIT}"]


def worker_env(jobs: int) -> dict[str, str]:
    """Split the machine's cores between the workers' kernels."""
    threads = max(1, (os.cpu_count() or 1) // jobs)
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / max(total, 1))
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"


def autograde_parallel(course_dir: Path, pairs: list[tuple[str, str]], jobs: int = 2,
                       timeout: float | None = 600, echo=print) -> list[GradingRun]:
    """Autograde (student, assignment) pairs with ``jobs`` workers; runs in input order."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    args, env = db_args(course_dir), worker_env(jobs)
    results: dict[tuple[str, str], GradingRun] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(autograde_one, course_dir, a, s, *args, timeout=timeout, env=env): (s, a)
                   for s, a in pairs}
        for future in as_completed(futures):
            run = future.result()
            results[futures[future]] = run
            status = "ok" if run.ok else f"FAILED: {run.reason}"
            echo(f"  {bar(len(results), len(pairs))} {run.student:<14} {run.assignment:<26} "
                 f"{run.seconds:6.1f} s  {status}", flush=True)
    return [results[pair] for pair in pairs]


def summary(runs: list[GradingRun], wall: float) -> str:
    failed = [r for r in runs if not r.ok]
    lines = [f"{len(runs)} submissions in {wall:.1f} s "
             f"({sum(r.seconds for r in runs) / max(len(runs), 1):.1f} s each on average), "
             f"{len(failed)} failed"]
    lines += [f"  {r.student} / {r.assignment}: {r.reason}" for r in failed]
    return "\n".join(lines)


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    root = course_dir / "submitted"
    return sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per submission")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory")
    args = parser.parse_args(argv)
    students = args.student or submitted_students(args.course, args.assignment)
    if not students:
        print(f"No submissions of {args.assignment} under {args.course / 'submitted'}.")
        return 1
    start = time.perf_counter()
    runs = autograde_parallel(args.course, [(s, args.assignment) for s in students], args.jobs, args.timeout)
    print(summary(runs, time.perf_counter() - start))
    return 0 if all(r.ok for r in runs) else 2


if __name__ == "__main__":
    sys.exit(main())
