"""nbgrader configuration of the course "Transfer Learning: Leveraging Knowledge".

The repository root is the nbgrader course directory: instructor versions in
source/<assignment>/, student versions built into notebooks/<assignment>/ by
`make build`.
"""

import os

from nbgrader.converters import Autograde, GenerateAssignment
from nbgrader.preprocessors import Execute
from nbgrader.validator import Validator

from tlcourse.nbgrader_ext import ColabSetup, StderrIsNotFailure

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

COURSE_ID = "transfer-learning"

# The four assignments in course order: (assignment id, title).
ASSIGNMENTS = [
    ("01_concepts", "Concepts: why transfer learning works"),
    ("02_foodvision_head", "FoodVision head challenge"),
    ("03_hotdog_finetune", "Hot-dog fine-tuning"),
    ("04_scratch_vs_pretrained", "Scratch vs pretrained"),
]

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.release_directory = "notebooks"
# Several graders at once need a server database: set TLCOURSE_GRADEBOOK_URL,
# e.g. postgresql://grader@localhost/tlcourse. The default is nbgrader's SQLite file.
if os.environ.get("TLCOURSE_GRADEBOOK_URL"):
    c.CourseDirectory.db_url = os.environ["TLCOURSE_GRADEBOOK_URL"]

# Importing torch alone can take 20 s on a slow laptop CPU; nbgrader's default
# per-cell limit (30 s) is too short.
c.Execute.timeout = 180

# A library warning on stderr must never zero a test cell: right after execution,
# stderr becomes ordinary output (exceptions still fail the cell).


def _defaults(converter, name):
    """nbgrader's own default preprocessor list, so ours extends it across versions."""
    return list(converter.class_traits()[name].default())


_autograde = _defaults(Autograde, "autograde_preprocessors")
_autograde.insert(_autograde.index(Execute) + 1, StderrIsNotFailure)
c.Autograde.autograde_preprocessors = _autograde
c.Validator.preprocessors = _defaults(Validator, "preprocessors") + [StderrIsNotFailure]

# Student notebooks start with a Colab setup cell written from pyproject.toml.
c.GenerateAssignment.preprocessors = [ColabSetup] + _defaults(GenerateAssignment, "preprocessors")
