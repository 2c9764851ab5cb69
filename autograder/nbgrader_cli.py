"""Run real nbgrader commands in a course directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with its interpreter's bin folder first on PATH.

    nbgrader runs ``alembic`` and kernels by name, so they must come from the
    same environment as nbgrader itself.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def nbgrader(course_dir: Path, *args: str, check: bool = True, timeout: float | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with ``course_dir`` as the course root.

    On ``timeout`` the whole process group (nbgrader and its kernel) is killed and
    ``subprocess.TimeoutExpired`` is raised.
    """
    cmd = [sys.executable, "-m", "nbgrader", *args]
    with subprocess.Popen(cmd, cwd=course_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=environment(env), start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    result = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    if check and result.returncode != 0:
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {result.returncode}) in {course_dir}:\n"
            f"{stdout[-4000:]}{stderr[-4000:]}"
        )
    return result
