"""Put THIS process (a fork of a warm parent, running as root) into a fresh kernel sandbox.

The sandbox is the one bubblewrap makes for a cold kernel (``sandbox_command``), built here with
system calls instead, so that a process forked from a parent that has already imported torch
can become a grading kernel without importing anything again:

1. join the kernel's cgroups (memory, processes, CPU of the whole sandbox);
2. ``unshare`` new mount, pid, network, ipc, uts and cgroup namespaces;
3. fork: the child is pid 1 of the new pid namespace (the caller waits for it and exits with its
   status); it lays out the mounts ``SandboxLayout.mounts()`` names (the same list bwrap gets:
   read-only view of the machine, nosuid, a minimal /dev, a fresh /proc, size-capped tmpfs on
   /tmp, /dev/shm, HOME, the hidden folders and the working folder, the readable folders shown
   again read-only, the sockets folder bound), pivots into it and detaches the old root;
4. fork again: pid 1 stays a reaper, pid 2 becomes the kernel; both drop every capability (the
   bounding set too), set no_new_privs and become ``nobody`` (real, effective and saved ids,
   no groups) before anything else runs;
5. the kernel's environment is the layout's alone, its rlimits as ``kernel_limits`` sets them,
   every inherited file descriptor closed but stdin/stdout/stderr.

Linux only; raises ``OSError`` with the failing step when a call is refused.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

from tlcourse.nbgrader_ext.sandbox_command import SANDBOX_GID, SANDBOX_UID, WORK_DIR, SandboxLayout

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
SYS_PIVOT_ROOT, SYS_MOUNT_SETATTR = 155, 442          # x86_64
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 0x1, 0x2
#: Device nodes of the minimal /dev (as bwrap's --dev).
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"sandbox: {what} failed: {os.strerror(errno)}")


def _b(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def _read_only_tree(target: str) -> None:
    """Every mount at or under ``target`` read-only and nosuid (mount_setattr, Linux 5.12+)."""
    attr = MountAttr(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    _check(_libc.syscall(SYS_MOUNT_SETATTR, -100, _b(target), AT_RECURSIVE, ctypes.byref(attr),
                         ctypes.sizeof(attr)), f"read-only {target}")


def _tmpfs(target: str, size: str, perms: str) -> None:
    os.makedirs(target, exist_ok=True)
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={perms},size={size}")


def _bind(source: str, target: str, read_only: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    elif not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    # read-only binds take their submounts along (as bwrap's); the one writable bind, the
    # sockets folder, does not (the new root is mounted inside it)
    mount(source, target, None, MS_BIND | (MS_REC if read_only else 0))
    if read_only:
        _read_only_tree(target)
    else:
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_NOSUID)


def _dev(target: str) -> None:
    _tmpfs(target, "1m", "0755")
    for name in DEVICES:
        _bind(f"/dev/{name}", f"{target}/{name}", read_only=False)
    for name, where in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                        ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                        ("core", "/proc/kcore"), ("ptmx", "pts/ptmx")):
        os.symlink(where, f"{target}/{name}")
    os.makedirs(f"{target}/shm", exist_ok=True)
    # a pseudo-terminal instance of its own (IPython's ! and %pip run commands on a pty)
    os.makedirs(f"{target}/pts", exist_ok=True)
    mount("devpts", f"{target}/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")


def lay_out(root: str, mounts: list[str]) -> None:
    """Carry out bwrap's mount arguments (``SandboxLayout.mounts()``) under the new ``root``."""
    args, perms, size = list(mounts), "0755", "1g"
    while args:
        op = args.pop(0)
        if op == "--perms":
            perms = args.pop(0)
            continue
        if op == "--size":
            size = args.pop(0)
            continue
        if op in ("--ro-bind", "--bind"):
            source, target = args.pop(0), args.pop(0)
            _bind(source, root + target if target != "/" else root, op == "--ro-bind")
        elif op == "--dev":
            _dev(root + args.pop(0))
        elif op == "--proc":
            target = root + args.pop(0)
            mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif op == "--tmpfs":
            _tmpfs(root + args.pop(0), size, perms)
        elif op == "--dir":  # a folder made in what is already mounted (bwrap: mode from --perms)
            target = root + args.pop(0)
            os.makedirs(target, exist_ok=True)
            os.chmod(target, int(perms, 8))
        else:
            raise ValueError(f"sandbox: unknown mount argument {op!r}")
        perms, size = "0755", "1g"


def pivot(root: str) -> None:
    """Make ``root`` the filesystem root and detach the old one."""
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir("/")


def drop_privileges() -> None:
    """No capabilities (bounding and ambient sets too), no new privileges, ``nobody`` for good."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    last = int(open("/proc/sys/kernel/cap_last_cap").read()) if os.path.exists(
        "/proc/sys/kernel/cap_last_cap") else 40
    for cap in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    os.setgroups([])
    os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
    os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    if os.getresuid() != (SANDBOX_UID,) * 3 or os.getresgid() != (SANDBOX_GID,) * 3:
        raise OSError("sandbox: could not become nobody")
    # the change of user made the process undumpable (its /proc files root's); exec would undo
    # that for a cold kernel, so do the same here
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")


def inherited_data() -> int:
    """Bytes of data segment this fork already has from its warm parent (VmData)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def set_limits(memory: int, cpu_seconds: int, file_size: int) -> None:
    """The kernel's rlimits, as ``kernel_limits.LIMITS_LAUNCHER`` sets them for a cold kernel;
    the data limit counts from what the warm parent left (its imports), so the kernel's own
    allocations get the budget a cold kernel's have (the cgroup caps the sandbox's real memory)."""
    if int(memory) > 0:
        memory = int(memory) + inherited_data()
    for limit, value in ((resource.RLIMIT_DATA, memory), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, file_size)):
        if int(value) > 0:
            resource.setrlimit(limit, (int(value), int(value)))


def _wait_for(pid: int) -> int:
    """Reap every child (pid 1's duty) until ``pid`` exits; its exit status as a shell gives it."""
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            return 1
        if done == pid:
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def enter(layout: SandboxLayout, cgroup_procs: list[str], new_root: str,
          limits: tuple[int, int, int]) -> None:
    """Return in the kernel process (pid 2 of a fresh sandbox, as ``nobody``); the processes
    above it never return (they wait and ``os._exit`` with the kernel's status)."""
    for procs in cgroup_procs:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                         | CLONE_NEWCGROUP), "unshare")
    init = os.fork()
    if init:
        os._exit(_wait_for(init))
    try:
        _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        os.makedirs(new_root, exist_ok=True)
        lay_out(new_root, layout.mounts())
        pivot(new_root)
        kernel = os.fork()
    except BaseException as error:  # noqa: BLE001 - report and end this sandbox, never return
        print(f"sandbox: could not be set up: {error}", file=sys.stderr, flush=True)
        os._exit(71)
    if kernel:
        drop_privileges()
        os.closerange(0, 65536)
        os._exit(_wait_for(kernel))
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    set_limits(*limits)
    drop_privileges()
    os.closerange(3, 65536)
    os.environ.clear()
    os.environ.update({**layout.env, "HOME": layout.home})
    os.chdir(WORK_DIR)
