"""Warm grading in one worker process: its warm parent (``autograder.warm_zygote``), started once,
and nbgrader commands run through it.

``warm_nbgrader(course_dir, *args, ...)`` has the contract of ``autograder.nbgrader_cli.nbgrader``
(a ``CompletedProcess``; ``subprocess.TimeoutExpired`` after ``timeout`` seconds, with nbgrader
and everything it started killed), but the command is a fork of the warm parent, which has
already imported nbgrader, torch, torchvision and ipykernel, and its grading kernels are forks
of the same parent, each in a fresh sandbox of its own (``tlcourse.nbgrader_ext.warm_kernel``).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from autograder.nbgrader_cli import NbgraderError, environment
from tlcourse.nbgrader_ext.sandboxed_kernel import PASSED_ENVIRONMENT
from tlcourse.nbgrader_ext.warm_kernel import WARM_SOCKET_VARIABLE

#: Seconds the warm parent may take to import what it keeps warm (torch alone: 5-20 s).
START_TIMEOUT = 300
#: The folder ``python -m autograder.warm_zygote`` runs from (the course's grading tools).
TOOLS_ROOT = Path(__file__).resolve().parent.parent


class WarmParent:
    """A running warm parent: its process and its socket (in a folder only root can enter)."""

    def __init__(self, threads: int | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="tlcourse-warm-"))   # mode 0700
        self.socket = str(self.folder / "zygote.sock")
        # No secret in its environment: kernels are forks of it (what it was started with is
        # readable in /proc/self/environ).
        env = {k: v for k, v in environment().items() if k in PASSED_ENVIRONMENT}
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.warm_zygote", self.socket, str(os.getpid())],
            cwd=TOOLS_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=None, text=True)
        ready = threading.Timer(START_TIMEOUT, self.process.kill)
        ready.start()
        try:
            line = self.process.stdout.readline().strip()
        finally:
            ready.cancel()
        if line != "ready":
            self.stop()
            raise RuntimeError(f"the warm grading parent did not start (exit {self.process.poll()}); "
                               "its error is above. Grade without --warm instead")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_parents: dict[int | None, WarmParent] = {}
_lock = threading.Lock()


def warm_parent(threads: int | None = None) -> WarmParent:
    """This process's warm parent (for ``threads``), started on first use."""
    with _lock:
        parent = _parents.get(threads)
        if parent is None or not parent.alive():
            parent = _parents[threads] = WarmParent(threads)
            atexit.register(parent.stop)
        return parent


def warm_nbgrader(course_dir: Path, *args: str, check: bool = True, timeout: float | None = None,
                  env: dict[str, str] | None = None, drop: tuple[str, ...] = (),
                  threads: int | None = None) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in ``course_dir``, forked from this worker's warm parent."""
    parent = warm_parent(threads)
    request = {"kind": "run", "argv": list(args), "cwd": str(course_dir),
               "env": {**environment(env, drop), WARM_SOCKET_VARIABLE: parent.socket}}
    cmd = ["nbgrader", *args]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            socket.socket(socket.AF_UNIX) as conn:
        conn.connect(parent.socket)
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [out.fileno(), err.fileno()])
        conn.settimeout(timeout)
        replies = conn.makefile("rb")
        status = None
        try:
            for line in replies:
                status = json.loads(line).get("status", status)
        except (TimeoutError, socket.timeout):
            replies.close()
            conn.close()   # the warm parent kills the command and all it started
            raise subprocess.TimeoutExpired(cmd, timeout, _read(out), _read(err)) from None
        stdout, stderr = _read(out), _read(err)
    if status is None:
        raise NbgraderError(f"the warm grading parent ended during `nbgrader {' '.join(args)}`:\n"
                            f"{stdout[-4000:]}{stderr[-4000:]}")
    result = subprocess.CompletedProcess(cmd, status, stdout, stderr)
    if check and status != 0:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed (exit {status}) in {course_dir}:\n"
                            f"{stdout[-4000:]}{stderr[-4000:]}")
    return result


def _read(handle) -> str:
    handle.seek(0)
    return handle.read()
