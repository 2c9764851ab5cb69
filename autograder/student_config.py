"""The nbgrader configuration a student needs to reach the course: its id and its exchange.

``python -m autograder.student_config`` prints it; ``--write PATH`` writes it (students put it in
``~/.jupyter/nbgrader_config.py``). With it, ``nbgrader list``, ``fetch_assignment``, ``submit``
and ``fetch_feedback`` need no flags. The exchange folder is the course's decision
(``tlcourse.exchange``: ``<course>/exchange`` or ``$TLCOURSE_EXCHANGE``), read where this runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.course import ROOT, course_id
from tlcourse.exchange import exchange_root


def student_config(course_dir: Path = ROOT) -> str:
    """The text of a students' nbgrader_config.py for the course in ``course_dir``."""
    return (
        f'"""nbgrader for students of the course {course_id(course_dir)!r}: where assignments\n'
        f'and feedback are exchanged (written by `python -m autograder.student_config`)."""\n\n'
        f"c = get_config()  # noqa: F821 - provided by nbgrader's config loader\n"
        f"c.CourseDirectory.course_id = {course_id(course_dir)!r}\n"
        f"c.Exchange.root = {str(exchange_root(course_dir))!r}\n"
    )


def write_student_config(path: Path, course_dir: Path = ROOT) -> Path:
    """Write the students' config to ``path``; an existing different file is left alone."""
    text = student_config(course_dir)
    path = Path(path).expanduser()
    if path.exists() and path.read_text() != text:
        raise FileExistsError(
            f"{path} exists and says something else; add these lines to it instead:\n{text}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.student_config", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", metavar="PATH", type=Path,
                        help="write it to PATH (e.g. ~/.jupyter/nbgrader_config.py) instead of printing it")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(student_config())
        return 0
    try:
        print(f"wrote {write_student_config(args.write)}")
    except FileExistsError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
