"""Grade the submissions of one assignment with several workers: the same grades as serial nbgrader.

    python -m autograder.parallel ASSIGNMENT [--jobs 2] [--student ID ...] [--timeout 600] [--no-sandbox]

Each submission is graded by its own real ``nbgrader autograde --student`` process
(autograder.autograde); a summary of times and failures follows. Exit status 0 when
every submission was graded, 2 when one failed, 1 when there was nothing to grade,
3 when the kernel sandbox cannot run here (the message says how to fix it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from autograder.autograde import autograde_class
from autograder.report import summary
from autograder.sandbox_flag import REFUSED, add_sandbox_flag, sandbox_ready


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    """Students with a submitted/<student>/<assignment> folder."""
    root = course_dir / "submitted"
    return sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per submission")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory")
    add_sandbox_flag(parser)
    args = parser.parse_args(argv)
    if not sandbox_ready(args.no_sandbox):
        return REFUSED
    students = args.student or submitted_students(args.course, args.assignment)
    if not students:
        print(f"No submissions of {args.assignment} under {args.course / 'submitted'}.")
        return 1
    start = time.perf_counter()
    runs = autograde_class(args.course, [(s, args.assignment) for s in students], args.jobs, args.timeout)
    print(summary(runs, time.perf_counter() - start))
    return 0 if all(r.ok for r in runs) else 2


if __name__ == "__main__":
    sys.exit(main())
