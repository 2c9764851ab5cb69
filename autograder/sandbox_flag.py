"""The ``--no-sandbox`` flag of the grading commands, and their refusal to grade without a sandbox."""

from __future__ import annotations

import argparse
import os
import sys

from tlcourse.nbgrader_ext.sandbox_support import (NO_SANDBOX_VARIABLE, no_sandbox_warning,
                                                   sandbox_problem, sandbox_switched_off)

#: Exit status of a grading command that refuses to start.
REFUSED = 3


def add_sandbox_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-sandbox", action="store_true",
                        help=f"grade without the kernel sandbox (trusted submissions only; "
                             f"same as {NO_SANDBOX_VARIABLE}=1)")


def sandbox_ready(no_sandbox: bool) -> bool:
    """Apply ``--no-sandbox`` (for every nbgrader this process starts) with a warning; otherwise
    check that the sandbox can run here. False (after saying why and what to do) when it cannot."""
    if no_sandbox:
        os.environ[NO_SANDBOX_VARIABLE] = "1"
    if sandbox_switched_off():
        print(no_sandbox_warning("--no-sandbox" if no_sandbox else f"{NO_SANDBOX_VARIABLE}=1"),
              file=sys.stderr)
        return True
    problem = sandbox_problem()
    if problem:
        print(f"Refusing to grade: {problem}", file=sys.stderr)
        return False
    return True
