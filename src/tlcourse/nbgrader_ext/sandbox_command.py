"""The bubblewrap command line that puts one grading kernel in its sandbox."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

#: The unprivileged user and group the kernel runs as (``nobody``).
SANDBOX_UID = SANDBOX_GID = 65534
#: The kernel's private, empty working folder (a tmpfs inside the sandbox's /tmp).
WORK_DIR = "/tmp/work"


def running_as_root() -> bool:
    return os.geteuid() == 0


def namespace_flags(as_root: bool) -> list[str]:
    """Every namespace but the user one when root (the kernel then drops to ``nobody`` with
    setpriv, see ``bwrap_command``); all of them, with ``nobody`` mapped, otherwise."""
    if as_root:
        return ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-add", "CAP_SETUID,CAP_SETGID"]
    return ["--unshare-all", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID)]


def drop_to_nobody() -> list[str]:
    """When root: the command prefix that becomes ``nobody`` for good inside the sandbox (real
    uid too, no capabilities, no new privileges)."""
    return [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={SANDBOX_UID}",
            f"--regid={SANDBOX_GID}", "--clear-groups", "--no-new-privs", "--inh-caps=-all",
            "--bounding-set=-all", "--"]


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@dataclass
class SandboxLayout:
    """What the kernel sees.

    ``hidden``: folders replaced by an empty tmpfs (the course, the grader's HOME);
    ``readable``: folders under a hidden one shown again read-only (the interpreter, the
    installed packages, the course package); ``sockets``: the one folder shared with the grader
    (it holds the connection file and ipc sockets), at the same path; ``home``: the kernel's HOME (a tmpfs).
    ``cached``: files or folders of the grader's kernel cache bound read-only into HOME (path under
    HOME -> the grader's copy); the folders above them are made writable, like the rest of HOME.
    Sizes in bytes cap each tmpfs (HOME, /tmp, /dev/shm, the working folder).
    """

    sockets: str
    home: str
    hidden: list[str] = field(default_factory=list)
    readable: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cached: dict[str, str] = field(default_factory=dict)
    home_size: int = 2**30
    tmp_size: int = 2**30
    shm_size: int = 2**28
    work_size: int = 2**30

    def mounts(self) -> list[str]:
        hidden = sorted({str(Path(h)) for h in [*self.hidden, self.home] if Path(h) != Path("/")},
                        key=len)
        args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--perms", "1777", "--size", str(self.tmp_size), "--tmpfs", "/tmp",
                "--perms", "1777", "--size", str(self.shm_size), "--tmpfs", "/dev/shm"]
        for folder in hidden:
            size = self.home_size if folder == str(Path(self.home)) else self.work_size
            args += ["--perms", "1777", "--size", str(size), "--tmpfs", folder]
        for folder in sorted({str(Path(r)) for r in self.readable}, key=len):
            shows_hidden = any(_under(Path(h), Path(folder)) for h in hidden)  # never the course again
            if (Path(folder).exists() and not shows_hidden
                    and any(_under(Path(folder), Path(h)) for h in [*hidden, "/tmp"])):
                args += ["--ro-bind", folder, folder]
        args += self._cache_mounts()
        args += ["--bind", self.sockets, self.sockets,
                 "--perms", "1777", "--size", str(self.work_size), "--tmpfs", WORK_DIR]
        return args

    def _cache_mounts(self) -> list[str]:
        home, args, made = Path(self.home), [], set()
        for inside, source in sorted(self.cached.items()):
            target = Path(os.path.normpath(home / inside))
            if not _under(target, home) or target == home:
                raise ValueError(f"a cached entry must lie under HOME ({home}), not at {target}")
            for folder in reversed(target.parents):
                if _under(folder, home) and folder != home and folder not in made:
                    made.add(folder)
                    args += ["--perms", "1777", "--dir", str(folder)]
            args += ["--ro-bind", source, str(target)]
        return args

    def environment(self) -> list[str]:
        args = ["--clearenv"]
        for name, value in sorted({**self.env, "HOME": self.home}.items()):
            args += ["--setenv", name, value]
        return args


def bwrap_command(layout: SandboxLayout, cmd: list[str], as_root: bool | None = None) -> list[str]:
    """``cmd`` run in a bubblewrap sandbox laid out as ``layout``: no network, its own pid
    namespace (it and everything it starts die with the sandbox), a read-only view of the
    machine, private HOME, /tmp, /dev/shm and working folder, as ``nobody``."""
    as_root = running_as_root() if as_root is None else as_root
    bwrap = shutil.which("bwrap") or "bwrap"
    return [bwrap, *namespace_flags(as_root), "--die-with-parent", "--new-session",
            *layout.mounts(), "--chdir", WORK_DIR, *layout.environment(), "--",
            *(drop_to_nobody() if as_root else []), *cmd]
