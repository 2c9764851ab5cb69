"""Run real nbgrader commands in a course directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.supervise import TIMED_OUT

SUPERVISOR = Path(__file__).with_name("supervise.py")
SUPERVISOR_GRACE_SECONDS = 30


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


def environment(extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """This environment with its interpreter's bin folder first on PATH, ``extra`` added and
    the variables named in ``drop`` removed.

    nbgrader runs ``alembic`` and kernels by name, so they must come from the
    same environment as nbgrader itself.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    for name in drop:
        env.pop(name, None)
    return env


def nbgrader(course_dir: Path, *args: str, check: bool = True, timeout: float | None = None,
             env: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with ``course_dir`` as the course root.

    It runs under ``autograder/supervise.py``: when it ends, or after ``timeout`` seconds,
    nbgrader, its kernel and every process they started (double-forked daemons too) are
    killed; on timeout ``subprocess.TimeoutExpired`` is raised. Its output goes to files,
    so a leftover process holding the kernel's stdout cannot keep this call waiting.
    """
    cmd = [sys.executable, "-m", "nbgrader", *args]
    supervised = [sys.executable, "-I", str(SUPERVISOR), f"{timeout or 0:g}", "--", *cmd]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(supervised, cwd=course_dir, stdout=out, stderr=err, text=True,
                                env=environment(env, drop), start_new_session=True)
        try:
            # The supervisor stops the command on time; this bound is for a stuck supervisor.
            returncode = proc.wait(timeout=timeout + SUPERVISOR_GRACE_SECONDS if timeout else None)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        stdout, stderr = _read(out), _read(err)
    if timeout and returncode == TIMED_OUT:
        raise subprocess.TimeoutExpired(cmd, timeout, stdout, stderr)
    result = subprocess.CompletedProcess(cmd, returncode, stdout, stderr)
    if check and result.returncode != 0:
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {result.returncode}) in {course_dir}:\n"
            f"{stdout[-4000:]}{stderr[-4000:]}"
        )
    return result


def _read(handle) -> str:
    handle.seek(0)
    return handle.read()
