"""Whether grading kernels run in the sandbox, and whether this machine can run it (and if not, what to do)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from tlcourse.nbgrader_ext.kernel_cgroup import cgroup_problem
from tlcourse.nbgrader_ext.sandbox_command import namespace_flags, running_as_root

#: Set to 1 to grade without the sandbox (trusted submissions only); ``--no-sandbox`` on the
#: autograder's commands sets it for nbgrader.
NO_SANDBOX_VARIABLE = "TLCOURSE_NO_SANDBOX"
NO_SANDBOX_WARNING = ("WARNING: grading WITHOUT the sandbox ({}): student code runs with the "
                      "grader's rights and can read hidden tests, other students' work and the "
                      "gradebook. Use this only for trusted submissions.")


def sandbox_switched_off() -> bool:
    """True when ``TLCOURSE_NO_SANDBOX`` asks for grading without the sandbox."""
    return os.environ.get(NO_SANDBOX_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def no_sandbox_warning(how: str = f"{NO_SANDBOX_VARIABLE}=1") -> str:
    return NO_SANDBOX_WARNING.format(how)


@functools.lru_cache(maxsize=None)
def sandbox_problem() -> str | None:
    """What stops the sandbox on this machine, with how to fix it; None when it works.

    Checks bubblewrap, that it can make its namespaces (a real, tiny sandbox is started),
    setpriv when running as root, and writable cgroups.
    """
    escape = (f" To grade trusted submissions anyway, pass --no-sandbox (or set "
              f"{NO_SANDBOX_VARIABLE}=1).")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return ("bubblewrap (bwrap) is not installed; grading runs every kernel in its sandbox. "
                "Install it: `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap`; "
                "macOS has no bubblewrap: grade on Linux." + escape)
    as_root = running_as_root()
    if as_root and shutil.which("setpriv") is None:
        return "setpriv is missing: `apt-get install util-linux`." + escape
    probe = subprocess.run([bwrap, *namespace_flags(as_root), "--ro-bind", "/", "/", "--proc", "/proc",
                            "--dev", "/dev", "--", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return (f"bubblewrap cannot create its namespaces here ({probe.stderr.strip()}). Enable "
                "user namespaces: `sysctl -w kernel.unprivileged_userns_clone=1` and "
                "`sysctl -w user.max_user_namespaces=15000` (as root; in a container, allow them "
                "or run grading as root)." + escape)
    problem = cgroup_problem()
    return problem + "." + escape if problem else None
