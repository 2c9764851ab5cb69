"""What the course adds to nbgrader's pipelines, one job per module.

- ``colab_setup``: the Colab setup cell of each student notebook (generate_assignment).
- ``stderr``: a warning on stderr never zeroes a test cell (autograde, validate).
- ``keep_only_notebooks``: the kernel's folder holds the notebooks, no file shipped with them.
- ``kernel_limits``: grading kernels under memory, CPU-time and file-size limits, without secrets.
- ``grading_execute``: execution with those kernels, capped output, dead kernels reported.
- ``tampering``: graded cells that ran after code rebinding what the tests use score 0.
- ``restore_cells``: deleted test cells are put back, whatever else is missing.
- ``reimport_checks``: hidden tests import the checks (and what they import) anew.
- ``hide_hidden_tests``: feedback shows the hidden tests' messages, not their code.

``nbgrader_config.py`` at the repository root puts them in place.
"""

from tlcourse.nbgrader_ext.colab_setup import SETUP_TAG, ColabSetup, repository_url, setup_cell_source
from tlcourse.nbgrader_ext.grading_execute import GradingExecute, error_output
from tlcourse.nbgrader_ext.hide_hidden_tests import HideHiddenTests
from tlcourse.nbgrader_ext.keep_only_notebooks import KeepOnlyNotebooks
from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager, limited_command, parse_size
from tlcourse.nbgrader_ext.reimport_checks import ReimportChecks, checks_and_dependencies
from tlcourse.nbgrader_ext.restore_cells import RestoreAllTestCells
from tlcourse.nbgrader_ext.stderr import StderrIsNotFailure
from tlcourse.nbgrader_ext.tampering import FlagTampering, tampering_findings

__all__ = ["SETUP_TAG", "ColabSetup", "FlagTampering", "GradingExecute", "HideHiddenTests",
           "KeepOnlyNotebooks", "LimitedKernelManager", "ReimportChecks", "RestoreAllTestCells",
           "StderrIsNotFailure",
           "checks_and_dependencies", "error_output", "limited_command", "parse_size",
           "repository_url", "setup_cell_source", "tampering_findings"]
