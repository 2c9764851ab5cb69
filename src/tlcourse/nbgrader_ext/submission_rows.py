"""New submissions: nbgrader writes their gradebook rows without SQLAlchemy 2's autoflush warnings."""

from __future__ import annotations

import functools


def create_submissions_without_autoflush() -> None:
    """nbgrader's ``Gradebook.add_submission`` run inside the session's ``no_autoflush``.

    nbgrader 0.9 builds a new submission's rows (notebooks, grades, comments) through
    relationships and adds their root to the session only at the end. Under SQLAlchemy
    2, whose relationships no longer add objects to the session on their own, every
    lazy load on the way autoflushes and warns "Object of type <SubmittedAssignment>
    not in session, add operation ... will not proceed" - three SAWarnings on the first
    grade of every student, though the final ``add`` saves every row. Without the
    intermediate flushes, SQLAlchemy's own advice in that warning, the same rows are
    written and nothing is printed. Applied once; calling it again changes nothing.
    """
    from nbgrader.api import Gradebook

    original = Gradebook.add_submission
    if getattr(original, "without_autoflush", False):
        return

    @functools.wraps(original)
    def add_submission(self, assignment, student, **kwargs):
        with self.db.no_autoflush:
            return original(self, assignment, student, **kwargs)

    add_submission.without_autoflush = True
    Gradebook.add_submission = add_submission
