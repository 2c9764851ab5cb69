"""Manual review: graded cells the tampering scan could not judge are marked for formgrader."""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor

#: Where FlagTampering leaves, in nbconvert's resources, what to mark:
#: {"grades": {grade_id: reason}, "comments": {answer grade_id: reason}}.
REVIEW_RESOURCE = "tlcourse_manual_review"


class MarkForManualReview(Preprocessor):
    """After nbgrader's SaveAutoGrades: the graded cells FlagTampering listed need a manual grade.

    nbgrader marks a cell for the instructor by setting ``needs_manual_grade`` on its
    grade in the gradebook (SaveAutoGrades does so for written answers); formgrader
    then lists the submission as needing manual grading and flags the cell. Here the
    listed test cells are marked the same way, keeping their automatic score, and the
    answer cell that holds the doubtful code gets the reason as its comment. When the
    instructor enters a score in formgrader, the mark is cleared as usual.
    """

    def preprocess(self, nb, resources):
        review = resources.get(REVIEW_RESOURCE)
        if not review:
            return nb, resources
        ids = resources["nbgrader"]
        where = (ids["notebook"], ids["assignment"], ids["student"])
        with Gradebook(ids["db_url"]) as gb:
            for grade_id in review["grades"]:
                gb.find_grade(grade_id, *where).needs_manual_grade = True
            for grade_id, reason in review["comments"].items():
                try:
                    gb.find_comment(grade_id, *where).auto_comment = reason
                except MissingEntry:               # not an answer cell of this notebook
                    continue
            gb.db.commit()
        return nb, resources
