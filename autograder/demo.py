"""`make demo`: build the release, simulate a class, grade it with real nbgrader, print the scores.

    python -m autograder.demo [--out build/demo] [--no-sandbox]

Steps: a fresh course directory; `nbgrader generate_assignment`; submissions of
the simulated class (autograder/demo_class.py); `nbgrader autograde`,
`nbgrader generate_feedback`, `nbgrader export`; a score table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from autograder import demo_class
from autograder.classroom import grade_course, prepare_course
from autograder.course import ROOT, assignments
from autograder.report import failures, score_table
from autograder.sandbox_flag import REFUSED, add_sandbox_flag, sandbox_ready

DEFAULT_OUT = ROOT / "build" / "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="course directory to create (emptied first)")
    add_sandbox_flag(parser)
    args = parser.parse_args(argv)
    if not sandbox_ready(args.no_sandbox):
        return REFUSED
    out = args.out.resolve()
    students = demo_class.CLASS
    start = time.perf_counter()
    print(f"Course directory: {out}")
    print("- nbgrader generate_assignment, then the simulated class's submissions")
    course = prepare_course(out, students)
    grades, runs = grade_course(course, [s.id for s in students],
                                manual={s.id: s.manual for s in students if s.manual})
    print()
    table = score_table(grades, [s.id for s in students], [(a.id, a.has_content) for a in assignments(course)])
    print(table.to_string())
    failed = failures(runs)
    if failed:
        print(f"\n{len(failed)} submission(s) could not be graded:")
        print("\n".join(failed))
    print(f"\nGrades: {course / 'grades.csv'}   Feedback: {course / 'feedback'}   "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
