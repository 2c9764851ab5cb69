"""What the course adds to nbgrader's pipelines, one job per module.

- ``colab_setup``: the Colab setup cell of each student notebook (generate_assignment).
- ``exercise_stub``: an unanswered exercise raises a message naming it (generate_assignment).
- ``stderr``: a warning on stderr never zeroes a test cell (autograde, validate).
- ``keep_only_notebooks``: the kernel's folder holds the notebooks, no file shipped with them.
- ``kernel_limits``: grading kernels under memory, CPU-time and file-size limits, without secrets.
- ``sandbox_command``: the bubblewrap command line of one kernel's sandbox.
- ``kernel_cgroup``: a cgroup per kernel: memory, processes and CPU of its whole tree, killed after.
- ``kernel_cache``: the grader's read-only cache for sandboxed kernels (stand-in data, font list).
- ``sandbox_support``: whether the sandbox is on (``TLCOURSE_NO_SANDBOX``) and can run here.
- ``sandboxed_kernel``: grading kernels in that sandbox, from a fixed command (autograde, validate).
- ``sandbox_enter``: the same sandbox entered by a process forked from a warm parent (system calls).
- ``warm_kernel``: grading kernels forked from a warm parent, each in a sandbox of its own.
- ``grading_execute``: execution with those kernels, capped output, dead kernels reported.
- ``grader_verdicts``: test cells that export evidence are decided in the grader, not in the kernel.
- ``tampering``: graded cells that ran after code rebinding what the tests use score 0;
  after code the scan cannot judge, they are listed for review.
- ``manual_review``: those cells get nbgrader's needs_manual_grade, so formgrader shows them.
- ``restore_cells``: hidden tests put back quietly; deleted test cells put back, whatever else is missing.
- ``reimport_checks``: hidden tests import the checks (and what they import) anew.
- ``hide_hidden_tests``: feedback shows the hidden tests' messages, not their code.
- ``submission_rows``: new submissions recorded without SQLAlchemy 2's autoflush warnings.

``nbgrader_config.py`` at the repository root puts them in place.
"""

from tlcourse.nbgrader_ext.colab_setup import SETUP_TAG, ColabSetup, repository_url, setup_cell_source
from tlcourse.nbgrader_ext.exercise_stub import NameExerciseStubs
from tlcourse.nbgrader_ext.grader_verdicts import DecideInGrader
from tlcourse.nbgrader_ext.grading_execute import GradingExecute, error_output
from tlcourse.nbgrader_ext.hide_hidden_tests import HideHiddenTests
from tlcourse.nbgrader_ext.keep_only_notebooks import KeepOnlyNotebooks
from tlcourse.nbgrader_ext.manual_review import MarkForManualReview
from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager, limited_command, parse_size
from tlcourse.nbgrader_ext.reimport_checks import ReimportChecks, checks_and_dependencies
from tlcourse.nbgrader_ext.restore_cells import RestoreAllTestCells
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager
from tlcourse.nbgrader_ext.stderr import StderrIsNotFailure
from tlcourse.nbgrader_ext.submission_rows import create_submissions_without_autoflush
from tlcourse.nbgrader_ext.tampering import FlagTampering, tampering_findings
from tlcourse.nbgrader_ext.warm_kernel import WarmKernelManager

__all__ = ["SETUP_TAG", "ColabSetup", "DecideInGrader", "FlagTampering", "GradingExecute", "HideHiddenTests",
           "KeepOnlyNotebooks", "LimitedKernelManager", "MarkForManualReview", "NameExerciseStubs", "ReimportChecks",
           "RestoreAllTestCells", "SandboxedKernelManager", "StderrIsNotFailure", "WarmKernelManager", "checks_and_dependencies",
           "create_submissions_without_autoflush", "error_output", "limited_command", "parse_size",
           "repository_url", "setup_cell_source", "tampering_findings"]
