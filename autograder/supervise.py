"""Run one grading command so that it ends on time and nothing it started outlives it.

    python -I autograder/supervise.py TIMEOUT -- COMMAND ...

Run as a script with the standard library only (the grading tools start it by path).
The supervisor makes itself a Linux child subreaper, so every process the command starts
that loses its parent (a double-forked daemon, a kernel left behind by a killed nbgrader)
becomes its child instead of init's, whatever session or process group it moved to. It
runs COMMAND in a process group of its own and waits for it, at most TIMEOUT seconds
(0 = no limit); then it kills the group and every process left under it, reaps them, and
exits with the command's status, or ``TIMED_OUT`` when the time ran out. The command's
stdout and stderr are the supervisor's own; give it files, not pipes, so that a reader
never waits on a descriptor some leftover process still holds.

When the process that started the supervisor dies (a grading worker killed mid-submission),
the supervisor gets SIGTERM from the kernel (Linux's parent-death signal) and ends the command
and everything under it the same way, so no orphaned grading keeps running.

The subreaper is the only guarantee here: a process that kills the supervisor first, or
that gets another user's rights, escapes it (the kernel sandbox is the layer for those).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

TIMED_OUT = 124  # exit status when the command ran out of time (as coreutils' timeout)
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
KILL_ROUNDS_SECONDS = 10.0


def become_subreaper() -> None:
    """Orphaned descendants of this process are reparented to it, not to init (Linux only:
    elsewhere only the command's process group is killed, and a warning says so)."""
    if not sys.platform.startswith("linux"):
        print("supervise: not Linux, so processes that leave the command's process group "
              "may outlive it", file=sys.stderr, flush=True)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed: the supervisor "
                      "needs Linux 3.4 or later")


class ParentGone(Exception):
    """The process that started the supervisor died (or asked it to stop with SIGTERM)."""


def die_with_parent() -> None:
    """SIGTERM when the starting process dies (Linux only), turned into ``ParentGone``."""
    def stop(signum, frame):
        raise ParentGone()

    signal.signal(signal.SIGTERM, stop)
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # it died before the signal was armed
            raise ParentGone()


def parents() -> dict[int, int]:
    """Every process's parent, read from /proc: {pid: ppid}."""
    found = {}
    for name in (os.listdir("/proc") if os.path.isdir("/proc") else []):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue  # gone meanwhile
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses
            found[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
    return found


def descendants(root: int) -> list[int]:
    """The processes under ``root`` (children first, then theirs)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def reap() -> None:
    """Collect every child that has exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything_below(me: int) -> None:
    """SIGKILL every process under ``me`` until none is left (processes that fork meanwhile
    are found in the next round), reaping them."""
    deadline = time.monotonic() + KILL_ROUNDS_SECONDS
    while time.monotonic() < deadline:
        left = descendants(me)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGSTOP)  # stop them all first: none forks while we kill
            except ProcessLookupError:
                pass
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap()
        time.sleep(0.05)
    raise RuntimeError(f"processes left after {KILL_ROUNDS_SECONDS:g} s of killing: {descendants(me)}")


def supervise(command: list[str], timeout: float) -> int:
    """Run ``command``; at its end or after ``timeout`` s kill all it left; its exit status."""
    become_subreaper()
    proc = None
    try:
        die_with_parent()
        proc = subprocess.Popen(command, start_new_session=True)
        status = proc.wait(timeout=timeout or None)
    except subprocess.TimeoutExpired:
        print(f"supervise: the command ran past {timeout:g} s and was stopped with every process "
              "it started", file=sys.stderr, flush=True)
        status = TIMED_OUT
    except ParentGone:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("supervise: stopped (its caller is gone); the command and every process it started "
              "were killed", file=sys.stderr, flush=True)
        status = -signal.SIGTERM
    if proc is None:
        kill_everything_below(os.getpid())
        return 128 + signal.SIGTERM
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    kill_everything_below(os.getpid())
    return status if status >= 0 else 128 - status  # killed by a signal: as a shell reports it


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: supervise.py TIMEOUT -- COMMAND ...", file=sys.stderr)
        return 2
    return supervise(argv[2:], float(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
