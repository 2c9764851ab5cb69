"""The warm parent of one grading worker: imports nbgrader, torch, torchvision and ipykernel once,
then forks a fresh process for each nbgrader run and each grading kernel.

    python -m autograder.warm_zygote SOCKET [PARENT_PID]

It dies with PARENT_PID (the worker that started it), and every child it forked dies with it.

It listens on the unix socket SOCKET (its folder must be private to root: whoever can connect
can have nbgrader run). Each connection sends one JSON line, with file descriptors attached:

- ``{"kind": "run", "argv": [...], "cwd": ..., "env": {...}}`` + (stdout, stderr): a child in
  a session of its own runs ``nbgrader ARGV`` in ``cwd`` with exactly ``env``, as a child
  subreaper; at its end everything it left is killed (``autograder.supervise``);
- ``{"kind": "kernel", "connection_file": ..., "layout": ..., "cgroup": [...], "root": ...,
  "limits": [...]}`` + (stderr,): a child enters a fresh sandbox of its own
  (``tlcourse.nbgrader_ext.sandbox_enter``) and only then starts ipykernel there
  (``tlcourse.nbgrader_ext.warm_kernel`` sends these).

The reply is JSON lines: ``{"pid": N}`` at the start, ``{"status": S}`` at the end (S as a shell
reports it). When the connection closes first, the child is killed (a run: its session; a
kernel: its cgroup). The parent runs no student code and no nbgrader command itself; start it
with no secret in its environment (a kernel can read the environment it was started with).
"""

from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import socket
import sys

from autograder.supervise import PR_SET_PDEATHSIG, become_subreaper, descendants, kill_everything_below

#: What the parent imports once: the kernels' and nbgrader's heavy imports, the libraries and
#: course modules the notebooks and their checks import (none that hooks into a running IPython at
#: import - ipywidgets, matplotlib's inline backend, the course's quiz and inspector - so that a
#: forked kernel still makes those hooks itself); nothing of a course's assignments.
WARM_IMPORTS = ("torch", "torchvision", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                # what ipykernel and IPython import while a kernel initializes (debugpy, pdb, sqlite3)
                "ipykernel.debugger", "IPython.core.debugger", "IPython.core.history",
                "nbgrader.apps", "nbgrader.converters", "nbgrader.preprocessors",
                "matplotlib.pyplot", "pandas", "PIL.Image",
                "tlcourse", "tlcourse.env", "tlcourse.data", "tlcourse.backbones", "tlcourse.engine",
                "tlcourse.plots", "tlcourse.features", "tlcourse.mistakes", "tlcourse.results",
                "tlcourse.evidence", "tlcourse.checks.concepts", "tlcourse.checks.heads",
                "tlcourse.checks.confusion", "tlcourse.checks.finetune", "tlcourse.checks.transfer",
                "tlcourse.nbgrader_ext")
#: matplotlib's backend as ipykernel sets it in every kernel (``MPLBACKEND``, unless set already):
#: matplotlib reads it once, at import, so the warm parent sets it the same way before importing.
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"


def warm_up() -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", KERNEL_MPLBACKEND)
    # as ipykernel's own kernelspec does: no warning from debugpy about frozen modules at import
    # (a forked kernel's environment is its sandbox's alone: sandbox_enter)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in WARM_IMPORTS:
        importlib.import_module(name)
    pin_alembic_head()


def pin_alembic_head() -> None:
    """nbgrader asks ``alembic heads`` for the gradebook schema's version in a new process each
    time it creates a gradebook (a cold Python: 1-5 s, paid by the first submission of every
    assignment on every worker). Its migration scripts are nbgrader's own files, so the answer is
    the same every time: the warm parent reads it once, in-process, and its forks reuse it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader import api, dbutil

    config = Config()
    config.set_main_option("script_location", dbutil.ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    if not head:
        raise RuntimeError(f"nbgrader's migration scripts in {dbutil.ALEMBIC_DIR} name no head revision")
    api.get_alembic_version = lambda: head


def _exit_status(status: int) -> int:
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def run_nbgrader(request: dict, fds: list[int]) -> int:
    """In the forked child: nbgrader ARGV in cwd with env, then kill whatever it left."""
    os.setsid()
    become_subreaper()
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["nbgrader", *request["argv"]]
    sys.path[0] = request["cwd"]
    status = 0
    try:
        from nbgrader.apps.nbgraderapp import main

        main()
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException as error:  # noqa: BLE001 - reported as nbgrader's own crash would be
        import traceback

        traceback.print_exc()
        status = 1
        del error
    sys.stdout.flush()
    sys.stderr.flush()
    kill_everything_below(os.getpid())
    return status


def start_kernel(request: dict, fds: list[int]) -> int:
    """In the forked child: a fresh sandbox, then ipykernel on the connection file."""
    from tlcourse.nbgrader_ext.sandbox_command import WORK_DIR, SandboxLayout
    from tlcourse.nbgrader_ext.sandbox_enter import enter

    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(fds[0], 2)
    enter(SandboxLayout(**request["layout"]), request["cgroup"], request["root"],
          tuple(request["limits"]))
    # now pid 2 of its own sandbox, nobody, nothing inherited but stdin/stdout/stderr
    sys.argv = ["-m ipykernel_launcher", "-f", request["connection_file"]]
    sys.path[0] = WORK_DIR   # as `python -m ipykernel_launcher` in the working folder
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=["-f", request["connection_file"]])
    return 0


def kill_child(pid: int, request: dict) -> None:
    """The caller went away: end what the child runs."""
    # the child and all below it (a run may not have made its session yet), then its session
    for target in [*descendants(pid), pid]:
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if request.get("kind") == "run":
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for procs in request.get("cgroup", []):
        try:
            for line in open(procs).read().split():
                os.kill(int(line), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def serve(path: str, parent: int) -> None:
    """Answer requests until ``parent`` is gone (checked 20 times a second: the parent-death
    signal would follow the thread that started this process, and a worker's threads come and go)."""
    become_subreaper()
    warm_up()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    print("ready", flush=True)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    children: dict[int, tuple[socket.socket | None, dict]] = {}   # pid -> (connection, request)
    while os.getppid() == parent:
        for key, _ in selector.select(timeout=0.05):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
                while message and not message.endswith(b"\n"):   # the rest of a long request
                    more = conn.recv(1 << 20)
                    if not more:
                        break
                    message += more
                request = json.loads(message)
                pid = os.fork()
                if pid == 0:
                    status = 1
                    try:
                        die_with_parent()
                        for other in list(selector.get_map().values()):
                            if isinstance(other.data, tuple):   # another child's pidfd: not this one's
                                os.close(other.fd)
                        selector.close()
                        listener.close()
                        for other, _ in children.values():
                            if other is not None:
                                other.close()
                        conn.close()
                        status = (run_nbgrader if request["kind"] == "run" else start_kernel)(request, fds)
                    finally:
                        os._exit(status)
                for fd in fds:
                    os.close(fd)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                children[pid] = (conn, request)
                selector.register(conn, selectors.EVENT_READ, pid)
                # readable when the child ends: its status is sent at once, not at the next poll
                selector.register(os.pidfd_open(pid), selectors.EVENT_READ, ("ended", pid))
            elif isinstance(key.data, tuple):   # a child ended: reaped below
                selector.unregister(key.fileobj)
                os.close(key.fileobj)
            else:   # the caller closed its end (or wrote, which it never does): it is gone
                pid = key.data
                conn, request = children[pid]
                kill_child(pid, request)
                selector.unregister(conn)
                conn.close()
                children[pid] = (None, request)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in children:
                conn, _ = children.pop(pid)
                if conn is None:
                    continue
                selector.unregister(conn)
                try:
                    conn.sendall(json.dumps({"status": _exit_status(status)}).encode() + b"\n")
                except OSError:
                    pass
                conn.close()


def die_with_parent() -> None:
    """SIGKILL when the parent (this single-threaded warm parent) dies."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m autograder.warm_zygote SOCKET [PARENT_PID]", file=sys.stderr)
        return 2
    serve(argv[0], int(argv[1]) if len(argv) == 2 else os.getppid())
    os._exit(0)   # its parent is gone: no interpreter shutdown (torch's can take seconds); forks follow


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
