"""Build the student notebooks: ``nbgrader generate_assignment`` into notebooks/.

    python -m autograder.build            # rebuild notebooks/ from source/
    python -m autograder.build --check    # fail if notebooks/ is out of date
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from autograder.course import ROOT, assignments, copy_course
from autograder.nbgrader_cli import nbgrader
from tlcourse.gradebook import sqlite_url

RELEASE_DIR = "notebooks"


def build(root: Path = ROOT, release_dir: str = RELEASE_DIR) -> list[Path]:
    """Generate every assignment that has content; returns the student notebooks written.

    The build writes to a throw-away gradebook, never to the course's.
    """
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="tlcourse-build-") as tmp:
        db = sqlite_url(Path(tmp) / "gradebook.db")
        for assignment in assignments(root):
            if not assignment.has_content:
                continue
            nbgrader(root, "generate_assignment", assignment.id, "--force",
                     f"--CourseDirectory.release_directory={release_dir}",
                     f"--CourseDirectory.db_url={db}")
            written += sorted((root / release_dir / assignment.id).glob("*.ipynb"))
    return written


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """Student notebooks in notebooks/ that differ from a fresh build of source/."""
    with tempfile.TemporaryDirectory(prefix="tlcourse-check-") as tmp:
        course = copy_course(root, Path(tmp))
        build(course, release_dir="fresh")
        fresh, committed = course / "fresh", root / RELEASE_DIR
        fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        committed_files = {p.relative_to(committed) for p in committed.rglob("*")
                           if p.is_file() and ".ipynb_checkpoints" not in p.parts}
        problems = [f"missing from notebooks/: {p}" for p in sorted(fresh_files - committed_files)]
        problems += [f"not built from source/: notebooks/{p}" for p in sorted(committed_files - fresh_files)]
        problems += [f"out of date: notebooks/{p}" for p in sorted(fresh_files & committed_files)
                     if not filecmp.cmp(fresh / p, committed / p, shallow=False)]
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that notebooks/ is up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_notebooks()
        for line in problems:
            print(line)
        if problems:
            print("notebooks/ is out of date with source/: run `make build` and commit notebooks/.")
            return 1
        print("notebooks/ is up to date with source/.")
        return 0
    for path in build():
        print(f"built {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
