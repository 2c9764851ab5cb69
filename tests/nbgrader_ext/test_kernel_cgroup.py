"""A kernel's cgroup caps its whole process tree, and is emptied and removed at the end (real cgroups)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tlcourse.nbgrader_ext.kernel_cgroup import (CPU_SHARES_PER_KERNEL, JOIN_LAUNCHER, KernelCgroup,
                                                  cgroup_problem)

needs_cgroups = pytest.mark.skipif(cgroup_problem() is not None, reason=f"{cgroup_problem()}")

# Starts 20 sleeping children (and says how many it could start), then sleeps itself.
SPAWNER = ("import subprocess, time\nmade = 0\nfor _ in range(20):\n    try:\n"
           "        subprocess.Popen(['sleep', '600']); made += 1\n    except OSError:\n        break\n"
           "print(made, flush=True)\ntime.sleep(600)\n")


@needs_cgroups
def test_the_process_cap_holds_for_the_tree_and_everything_is_killed_and_removed():
    group = KernelCgroup(f"test-{time.monotonic_ns()}", memory=0, max_processes=6, cpus=0.5)
    group.create()
    try:
        assert (group.paths["pids"] / "pids.max").read_text().strip() == "6"
        assert (group.paths["cpu"] / "cpu.cfs_quota_us").read_text().strip() == "50000"
        proc = subprocess.Popen([sys.executable, "-c", JOIN_LAUNCHER, *group.procs_files(), "--",
                                 sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
        made = int(proc.stdout.readline())
        assert made < 6, "the children hit the group's process cap"
        assert proc.pid in group.pids() and len(group.pids()) == made + 1
    finally:
        survivors = group.remove()
    assert survivors == [] and proc.wait(timeout=10) == -9
    assert not any(path.exists() for path in group.paths.values())


def test_the_launcher_closes_inherited_descriptors(tmp_path):
    secret = tmp_path / "gradebook.db"
    secret.write_text("grades")
    with open(secret) as handle:
        probe = f"import os\ntry:\n    os.fstat({handle.fileno()}); print('open')\nexcept OSError:\n    print('closed')"
        out = subprocess.run([sys.executable, "-c", JOIN_LAUNCHER, "--", sys.executable, "-c", probe],
                             pass_fds=[handle.fileno()], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "closed"


def test_missing_controllers_are_reported_with_what_to_do(tmp_path):
    assert "not mounted" in cgroup_problem(tmp_path)
    for controller in ("memory", "pids", "cpu"):
        (tmp_path / controller).mkdir()
        (tmp_path / controller / "cgroup.procs").write_text("")
    assert cgroup_problem(tmp_path) is None


def _controllers(root):
    for controller in ("memory", "pids", "cpu"):
        (root / controller / "tlcourse").mkdir(parents=True)


def test_the_course_group_weighs_one_kernel_share_per_live_kernel(tmp_path):
    """All sandboxes share the course's cpu group: without this weight, at a load of 20 they
    shared one process group's CPU time and ran 10 times slower than kernels without the sandbox."""
    _controllers(tmp_path)
    course = tmp_path / "cpu" / "tlcourse"
    for name, procs in (("running-1", "101\n102\n"), ("running-2", "201\n"), ("ended", "")):
        (course / name).mkdir()
        (course / name / "cgroup.procs").write_text(procs)
    group = KernelCgroup("new", memory=0, max_processes=0, cpus=0, root=tmp_path)
    group.create()
    assert (course / "cpu.shares").read_text() == str(3 * CPU_SHARES_PER_KERNEL)  # two running + the new one
    (group.paths["cpu"] / "cgroup.procs").write_text("301\n")
    (course / "running-2" / "cgroup.procs").write_text("")
    group.weigh_course_group()
    assert (course / "cpu.shares").read_text() == str(2 * CPU_SHARES_PER_KERNEL)

