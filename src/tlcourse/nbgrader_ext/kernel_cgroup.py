"""One cgroup (v1) per grading kernel: memory, processes and CPU capped for its whole process tree."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

#: Where cgroup v1 controllers are mounted, and the course's folder inside each.
CGROUP_ROOT = Path("/sys/fs/cgroup")
COURSE_GROUP = "tlcourse"
CONTROLLERS = ("memory", "pids", "cpu")
CFS_PERIOD_US = 100_000
#: The CPU weight (cgroup v1 ``cpu.shares``) one kernel brings to the course's cpu group: what
#: one ordinary process group has. The course group weighs this times its live kernels, so a
#: sandboxed kernel competes for the CPU like a kernel without the sandbox, instead of all the
#: sandboxes on the machine sharing one group's weight (measured at a load average of 17-21 with
#: other sandboxes running: 30 M additions took 52-55 s inside the shared group, 5.4-6.1 s in a
#: group of their own, 6.4-6.9 s outside any).
CPU_SHARES_PER_KERNEL = 1024
MAX_CPU_SHARES = 262_144

#: Runs first in the kernel's launch chain: joins the cgroups (argv before "--"), closes every
#: inherited file descriptor (jupyter_client starts kernels with close_fds=False: an open
#: gradebook would leak into the sandbox), then replaces itself with the rest of argv.
JOIN_LAUNCHER = """\
import os, sys
at = sys.argv.index("--")
for procs in sys.argv[1:at]:
    with open(procs, "w") as f:
        f.write(str(os.getpid()))
os.closerange(3, 65536)
os.execv(sys.argv[at + 1], sys.argv[at + 1:])
"""


def cgroup_problem(root: Path = CGROUP_ROOT) -> str | None:
    """Why per-kernel cgroups cannot be made here (with what to do), or None when they can."""
    for controller in CONTROLLERS:
        base = root / controller
        if not (base / "cgroup.procs").exists():
            return (f"the cgroup v1 controller {base} is not mounted (cgroup v2 is not supported yet): "
                    f"grade on a machine with cgroup v1 mounted, or pass --no-sandbox for trusted submissions")
        group = base / COURSE_GROUP
        if not os.access(group if group.exists() else base, os.W_OK):
            return (f"cannot create cgroups in {group}: run grading as root, or give the grading user "
                    f"the folder (mkdir {group} && chown USER {group}, for each of "
                    f"{', '.join(CONTROLLERS)})")
    return None


class KernelCgroup:
    """The cgroups of one kernel: made with limits, joined by the kernel's launcher, killed and removed.

    ``memory`` (bytes) caps the resident memory of every process in the sandbox together, tmpfs
    files included (the kernel is OOM-killed past it); ``max_processes`` caps processes and
    threads together (a fork bomb stops there); ``cpus`` caps CPU time per wall-clock second.
    A value of 0 leaves that limit out.
    """

    def __init__(self, name: str, memory: int, max_processes: int, cpus: float,
                 root: Path = CGROUP_ROOT):
        self.paths = {controller: root / controller / COURSE_GROUP / name for controller in CONTROLLERS}
        self.memory, self.max_processes, self.cpus = memory, max_processes, cpus

    def create(self) -> None:
        """Make the groups and write their limits."""
        for path in self.paths.values():
            path.mkdir(parents=True, exist_ok=True)
        if self.memory > 0:
            (self.paths["memory"] / "memory.limit_in_bytes").write_text(str(self.memory))
            swap = self.paths["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(self.memory))
        if self.max_processes > 0:
            (self.paths["pids"] / "pids.max").write_text(str(self.max_processes))
        if self.cpus > 0:
            (self.paths["cpu"] / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
            (self.paths["cpu"] / "cpu.cfs_quota_us").write_text(str(int(self.cpus * CFS_PERIOD_US)))
        self.weigh_course_group(joining=True)

    def weigh_course_group(self, joining: bool = False) -> None:
        """Give the course's cpu group ``CPU_SHARES_PER_KERNEL`` for each kernel group in it that
        has processes (and this one, when ``joining``: its kernel has not started yet). Best effort:
        a grading user without the right to the course group's ``cpu.shares`` keeps it as it is."""
        course = self.paths["cpu"].parent
        live = 0
        for group in course.iterdir():
            try:
                live += group.is_dir() and (group == self.paths["cpu"] and joining
                                            or bool((group / "cgroup.procs").read_text().strip()))
            except OSError:  # removed meanwhile
                continue
        shares = min(MAX_CPU_SHARES, CPU_SHARES_PER_KERNEL * max(1, live))
        try:
            (course / "cpu.shares").write_text(str(shares))
        except OSError:
            pass

    def procs_files(self) -> list[str]:
        """The files a process writes its pid into to join every group."""
        return [str(path / "cgroup.procs") for path in self.paths.values()]

    def pids(self) -> list[int]:
        """Processes in the group now."""
        try:
            return [int(line) for line in (self.paths["pids"] / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return []

    def kill_all(self, timeout: float = 5.0) -> list[int]:
        """SIGKILL every process in the group until none is left (forks in flight included);
        returns the processes that could not be killed within ``timeout``."""
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        return self.pids()

    def remove(self) -> list[int]:
        """Kill what is left and remove the groups; returns processes that survived (normally none)."""
        survivors = self.kill_all()
        for path in self.paths.values():
            for _ in range(50):  # the kernel frees the group a moment after its last process exits
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        if self.paths["cpu"].parent.is_dir():
            self.weigh_course_group()
        return survivors
