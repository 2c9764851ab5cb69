"""Run real nbgrader commands in a course directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


def environment() -> dict[str, str]:
    """This environment with its interpreter's bin folder first on PATH.

    nbgrader runs ``alembic`` and kernels by name, so they must come from the
    same environment as nbgrader itself.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def nbgrader(course_dir: Path, *args: str, check: bool = True,
             timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with ``course_dir`` as the course root."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course_dir, capture_output=True, text=True, timeout=timeout,
                          env=environment())
    if check and proc.returncode != 0:
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}) in {course_dir}:\n"
            f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
        )
    return proc
