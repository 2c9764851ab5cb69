"""Grading kernels forked from a warm parent (torch already imported), each in a sandbox of its own."""

from __future__ import annotations

import dataclasses
import json
import os
import sys

from traitlets import Unicode, default

from tlcourse.nbgrader_ext.kernel_limits import parse_size
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager

#: The unix socket of the worker's warm parent (``autograder.warm_zygote``); unset: cold kernels.
WARM_SOCKET_VARIABLE = "TLCOURSE_WARM_KERNELS"

#: The "kernel process" jupyter_client starts and watches: asks the warm parent for a kernel,
#: hands it this process's stderr, and exits with the kernel's status. It dies with its parent
#: (nbgrader); the warm parent then kills the kernel's whole sandbox (its cgroup).
WARM_CLIENT = """\
import ctypes, json, os, socket, sys
ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
socket.send_fds(s, [sys.argv[2].encode() + b"\\n"], [2])
replies = s.makefile("rb")
status = 1
for line in replies:
    status = json.loads(line).get("status", status)
sys.exit(status)
"""


def warm_socket() -> str:
    """The warm parent's socket named by the environment, or ''."""
    return os.environ.get(WARM_SOCKET_VARIABLE, "")


class WarmKernelManager(SandboxedKernelManager):
    """A ``SandboxedKernelManager`` whose kernels are forked from a warm parent.

    The parent (``autograder.warm_zygote``, run as root, outside any sandbox) has imported
    torch, torchvision and ipykernel and run no student code. For each kernel it forks a
    child that enters a fresh sandbox of its own (``sandbox_enter``: the same layout, cgroup,
    rlimits and environment a cold kernel gets from bubblewrap, user ``nobody`` without
    capabilities) before it starts ipykernel on this manager's connection file. Without a
    socket (``zygote`` empty) or with the sandbox off, kernels start cold as before.
    """

    zygote = Unicode(help=f"the warm parent's unix socket (default: ${WARM_SOCKET_VARIABLE})").tag(config=True)

    @default("zygote")
    def _zygote_from_environment(self) -> str:
        return warm_socket()

    def forked(self) -> bool:
        """Are this manager's kernels forked from the warm parent (sandbox on, socket named)?"""
        return bool(self.sandbox and self.zygote)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        if not self.forked():
            return super().format_kernel_cmd(extra_arguments)
        request = {"kind": "kernel", "connection_file": self.connection_file,
                   "layout": dataclasses.asdict(self._layout),
                   "cgroup": self._cgroup.procs_files(),
                   "root": str(self._sandbox_dir / "root"),
                   "limits": [parse_size(self.memory), self.cpu_seconds, parse_size(self.file_size)]}
        return [sys.executable, "-I", "-S", "-c", WARM_CLIENT, self.zygote, json.dumps(request)]
