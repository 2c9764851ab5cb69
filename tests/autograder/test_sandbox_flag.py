"""The grading commands refuse to start without a sandbox, saying how to fix it; --no-sandbox warns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.course import ROOT


def _grade(course: Path, *flags: str, path: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path}
    env.pop("TLCOURSE_NO_SANDBOX", None)
    return subprocess.run([sys.executable, "-m", "autograder.grade", "01_concepts", "--course", str(course),
                           *flags], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_without_bubblewrap_grading_refuses_to_start_and_says_how_to_fix_it(tmp_path):
    result = _grade(tmp_path, path=str(Path(sys.executable).parent))
    assert result.returncode == 3
    assert "Refusing to grade" in result.stderr and "apt-get install bubblewrap" in result.stderr


def test_no_sandbox_grades_anyway_with_a_warning(tmp_path):
    result = _grade(tmp_path, "--no-sandbox", path=str(Path(sys.executable).parent))
    assert result.returncode == 1, result.stderr  # nothing submitted: it got past the sandbox check
    assert "WARNING: grading WITHOUT the sandbox (--no-sandbox)" in result.stderr
