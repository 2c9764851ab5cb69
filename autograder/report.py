"""Grading results as people read them: nbgrader's exported grades, per-cell points, the score table, the run summary."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from autograder.autograde import GradingRun, extra_files_note
from autograder.gradebook_records import open_gradebook


def read_grades(csv_path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """nbgrader export's CSV as {(student, assignment): (score, max_score)}."""
    with open(csv_path, newline="") as handle:
        return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


def export_lines(csv_path: Path) -> list[str]:
    """nbgrader export's CSV lines, sorted (nbgrader lists rows in the order they were recorded)."""
    return sorted(csv_path.read_text().splitlines())


def cell_points(course_dir: Path, assignment: str, student: str) -> dict[str, float]:
    """Points of every graded cell of ``student``'s ``assignment`` in the gradebook (grade id -> points);
    empty when nbgrader holds no submission for them."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course_dir) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {grade.name: float(grade.score or 0) for notebook in submission.notebooks
                for grade in notebook.grades}


def recorded_submissions(course_dir: Path, pairs) -> dict[tuple[str, str], dict | None]:
    """What nbgrader recorded for each (student, assignment) of ``pairs`` (None: no submission):
    per notebook its late penalty, each graded cell's (automatic score, manual score, needs a
    manual grade) and each answer cell's automatic comment."""
    from nbgrader.api import MissingEntry

    rows: dict[tuple[str, str], dict | None] = {}
    with open_gradebook(course_dir) as gb:
        for student, assignment in pairs:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                rows[(student, assignment)] = None
                continue
            rows[(student, assignment)] = {
                nb.name: {"late": nb.late_submission_penalty,
                          "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                                     for g in nb.grades},
                          "comments": {c.name: c.auto_comment for c in nb.comments}}
                for nb in submission.notebooks}
    return rows


def submission_points(record: dict | None) -> float:
    """The points of one submission as ``recorded_submissions`` gives it: each graded cell's manual
    score where the instructor set one, else its automatic one (nbgrader's own rule); 0 for None."""
    return sum((manual if manual is not None else auto) or 0 for notebook in (record or {}).values()
               for auto, manual, _ in notebook["grades"].values())


def score_table(grades: dict, students: list[str], assignments: list[tuple[str, bool]]) -> pd.DataFrame:
    """Per student (rows) and assignment (columns): ``score/max``; '-' where an assignment has no
    content, ``0/nan`` where a student has no grade."""
    def cell(student: str, assignment: str, has_content: bool) -> str:
        if not has_content:
            return "-"
        score, max_score = grades.get((student, assignment), (0.0, float("nan")))
        return f"{score:g}/{max_score:g}"

    return pd.DataFrame([[cell(s, a, has) for a, has in assignments] for s in students], index=students,
                        columns=pd.Index([a for a, _ in assignments], name="student"))


def failures(runs: list[GradingRun]) -> list[str]:
    """One line per submission that could not be graded: who, which assignment, why."""
    return [f"  {r.student} / {r.assignment}: {r.reason}" for r in runs if not r.ok]


def with_extra_files(runs: list[GradingRun]) -> list[str]:
    """One line per submission that shipped files besides its notebooks: who, which assignment, what."""
    return [f"  {r.student} / {r.assignment}: {extra_files_note(r, shown=20)}" for r in runs if r.extra_files]


def summary(runs: list[GradingRun], wall: float) -> str:
    """How many submissions, how long, how many failed and why; which shipped extra files."""
    failed = failures(runs)
    extra = with_extra_files(runs)
    head = (f"{len(runs)} submissions in {wall:.1f} s "
            f"({sum(r.seconds for r in runs) / max(len(runs), 1):.1f} s each on average), "
            f"{len(failed)} failed")
    lines = [head, *failed]
    if extra:
        lines += [f"{len(extra)} submission(s) with files besides the notebooks (not copied, not run):", *extra]
    return "\n".join(lines)
