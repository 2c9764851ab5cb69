"""nbgrader configuration of the course "Transfer Learning: Leveraging Knowledge".

The repository root is the nbgrader course directory: instructor versions in
source/<assignment>/, student versions built into notebooks/<assignment>/ by
`make build`.
"""

from pathlib import Path

from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
from nbgrader.preprocessors import ClearSolutions, Execute, OverwriteCells, SaveAutoGrades
from nbgrader.validator import Validator

from tlcourse.exchange import exchange_root
from tlcourse.gradebook import gradebook_url
from tlcourse.nbgrader_ext import (ColabSetup, DecideInGrader, FlagTampering, GradingExecute, HideHiddenTests,
                                  KeepOnlyNotebooks, MarkForManualReview, NameExerciseStubs,
                                  ReimportChecks,
                                  RestoreAllTestCells, StderrIsNotFailure,
                                  create_submissions_without_autoflush)

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

COURSE_ID = "transfer-learning"

# The four assignments in course order: (assignment id, title).
ASSIGNMENTS = [
    ("01_concepts", "Concepts: why transfer learning works"),
    ("02_foodvision_head", "FoodVision head challenge"),
    ("03_hotdog_finetune", "Hot-dog fine-tuning"),
    ("04_scratch_vs_pretrained", "Scratch vs pretrained"),
]

COURSE_DIR = Path(__file__).resolve().parent

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.release_directory = "notebooks"
# Assignments and feedback travel through <course>/exchange, or the folder named by
# TLCOURSE_EXCHANGE (several users on one machine: a shared folder outside the course, see
# README); never nbgrader's /usr/local/share/nbgrader/exchange (tlcourse.exchange decides).
# Students get the same folder and the course id from `python -m autograder.student_config`.
c.Exchange.root = str(exchange_root(COURSE_DIR))
# nbgrader's SQLite file in this folder, whose graders wait for each other's writes; for
# several graders on a server set TLCOURSE_GRADEBOOK_URL, e.g.
# postgresql://grader@localhost/tlcourse (tlcourse.gradebook decides).
c.CourseDirectory.db_url = gradebook_url(COURSE_DIR)
# nbgrader 0.9 under SQLAlchemy 2 warns three times (SAWarning) when it records a new
# student's submission; the rows are the same without the warnings.
create_submissions_without_autoflush()

# Importing torch alone can take 20 s on a slow laptop CPU; nbgrader's default
# per-cell limit (30 s) is too short.
c.Execute.timeout = 180

# A library warning on stderr must never zero a test cell: right after execution,
# stderr becomes ordinary output (exceptions still fail the cell).


def _defaults(converter, name):
    """nbgrader's own default preprocessor list, so ours extends it across versions."""
    return list(converter.class_traits()[name].default())


def _with_grading_execute(preprocessors, decide_in_grader=False):
    """Execute replaced by GradingExecute (limited kernels); StderrIsNotFailure and
    FlagTampering (graded cells that ran after code rebinding what tests use score 0,
    with the reason) right after it. With ``decide_in_grader`` (autograde), between them,
    DecideInGrader: test cells whose hidden part exports evidence (tlcourse.evidence) are
    decided in nbgrader's process, out of the student's reach (tlcourse.checks.verdicts)."""
    at = preprocessors.index(Execute)
    after = [GradingExecute, StderrIsNotFailure] + ([DecideInGrader] if decide_in_grader else []) + [FlagTampering]
    return preprocessors[:at] + after + preprocessors[at + 1:]


# Hidden tests import the checks, and the course modules the checks import, anew: a student
# who rebound a check or one of its helpers in the kernel cannot pass them that way.
# Before that, the folder the kernel runs in (first on its sys.path) is emptied of every file
# but the notebooks: a `tlcourse/` folder shadowing the checks, a sitecustomize.py, a .pth
# file or an IPython profile shipped with the submission is never importable
# (autograder.intake lists them in the grading report).
_autograde = [KeepOnlyNotebooks, ReimportChecks] + _with_grading_execute(
    _defaults(Autograde, "autograde_preprocessors"), decide_in_grader=True)
# Graded cells that ran after code the tampering scan cannot judge (exec, ctypes, ...) keep
# their points and get nbgrader's needs_manual_grade, right after nbgrader saved the grades:
# formgrader lists them for the instructor.
_autograde.insert(_autograde.index(SaveAutoGrades) + 1, MarkForManualReview)
c.Autograde.autograde_preprocessors = _autograde
c.Validator.preprocessors = _with_grading_execute(_defaults(Validator, "preprocessors"))

# Every grading kernel runs in a bubblewrap sandbox (tlcourse.nbgrader_ext.SandboxedKernelManager):
# no network, its own processes only, user nobody, the course and the grader's HOME out of sight,
# private HOME, /tmp and /dev/shm, a cgroup capping memory, processes and CPU of the whole sandbox,
# and nothing left running after. Grading refuses to start where the sandbox cannot run (the message
# says how to fix it); for trusted submissions only, TLCOURSE_NO_SANDBOX=1 (or
# c.SandboxedKernelManager.sandbox = False) grades without it, with a warning at every kernel.
# Inside, kernels keep per-process limits (tlcourse.nbgrader_ext.LimitedKernelManager):
# a runaway allocation raises MemoryError in that kernel, an interrupt-proof loop is
# killed after its CPU budget, and the gradebook's address never reaches the kernel.
# The limits' defaults and the environment variables that change them are in
# tlcourse/nbgrader_ext/kernel_limits.py (or set c.LimitedKernelManager.memory = ... here).
# Recorded output stops after 1 MB per cell and 5 MB per notebook, whatever carries it
# (prints, displays, display updates, results, widgets), with a note in the cell; an error
# is always kept, its name, message and traceback cut to 20 kB each. nbgrader's own
# LimitOutput then keeps at most 1000 lines.
c.GradingExecute.max_output_bytes = 1_000_000
c.GradingExecute.max_notebook_output_bytes = 5_000_000
c.GradingExecute.max_error_bytes = 20_000
# A deleted test cell is put back from the gradebook and run, instead of silently
# losing its points - also when the cells around it are gone (metadata stripped, another
# notebook submitted under this name), where nbgrader's own version stops with a KeyError.
c.OverwriteCells.add_missing_cells = True
_sanitize = _defaults(Autograde, "sanitize_preprocessors")
_sanitize[_sanitize.index(OverwriteCells)] = RestoreAllTestCells
c.Autograde.sanitize_preprocessors = _sanitize

# Student notebooks start with a Colab setup cell written from pyproject.toml. Right after
# nbgrader's ClearSolutions, each stub's NotImplementedError gets a message naming its exercise
# ("Exercise 3 (build the new head): write your answer in place of this line, ..."), so Run All
# stops at the first exercise saying why; the tests treat the unanswered cell as before.
_generate = [ColabSetup] + _defaults(GenerateAssignment, "preprocessors")
_generate.insert(_generate.index(ClearSolutions) + 1, NameExerciseStubs)
c.GenerateAssignment.preprocessors = _generate

# Feedback shows what the hidden tests said (the checks' messages), never their code:
# otherwise every student could read them in the feedback and pass them next term.
_feedback = _defaults(GenerateFeedback, "preprocessors")
c.GenerateFeedback.preprocessors = _feedback[:1] + [HideHiddenTests] + _feedback[1:]
