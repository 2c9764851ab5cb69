"""Grading kernels under resource limits: memory, CPU time, file size, no secrets."""

from __future__ import annotations

import os
import sys

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode, default

from tlcourse.gradebook import GRADEBOOK_URL_VARIABLE

#: The limits of a grading kernel: environment variable that overrides each, and its default.
MEMORY_VARIABLE, DEFAULT_MEMORY = "TLCOURSE_KERNEL_MEMORY", "4G"
CPU_SECONDS_VARIABLE, DEFAULT_CPU_SECONDS = "TLCOURSE_KERNEL_CPU_SECONDS", 900
DEFAULT_FILE_SIZE = "1G"

#: Runs in a tiny Python process before the kernel: sets the limits, drops secrets, then
#: replaces itself with the real kernel command (argv[4:]). Kept free of imports beyond
#: the standard library so a kernel starts as fast as before.
LIMITS_LAUNCHER = """\
import os, resource, sys
memory, cpu, fsize, drop = sys.argv[1:5]
for limit, value in ((resource.RLIMIT_DATA, memory), (resource.RLIMIT_CPU, cpu),
                     (resource.RLIMIT_FSIZE, fsize)):
    if int(value) > 0:
        resource.setrlimit(limit, (int(value), int(value)))
for name in filter(None, drop.split(",")):
    os.environ.pop(name, None)
os.execv(sys.argv[5], sys.argv[5:])
"""

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``"4G"`` -> 4294967296; ``"0"`` means no limit. Accepts K, M, G, T (powers of 1024)."""
    value = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    unit = value[-1:] if value[-1:] in _UNITS and value[-1:] else ""
    number = value[: len(value) - len(unit)]
    try:
        size = float(number) * _UNITS[unit]
    except ValueError:
        raise ValueError(f"not a size: {text!r}; write e.g. 4G, 512M or 0 for no limit") from None
    if size < 0:
        raise ValueError(f"a size cannot be negative: {text!r}")
    return int(size)


def limited_command(cmd: list[str], memory: int, cpu_seconds: int, file_size: int,
                    drop_env: list[str]) -> list[str]:
    """``cmd`` wrapped so that it starts with the given rlimits and without ``drop_env``."""
    return [sys.executable, "-c", LIMITS_LAUNCHER, str(memory), str(cpu_seconds),
            str(file_size), ",".join(drop_env), *cmd]


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under resource limits.

    ``memory``: RLIMIT_DATA of the kernel process (heap and anonymous mappings): an
    allocation beyond it raises MemoryError inside that kernel instead of pushing the
    machine into swap or the OOM killer. ``cpu_seconds``: total CPU time of the
    kernel; past it the kernel is killed (an interrupt-proof loop cannot run
    forever). ``file_size``: largest file the kernel may write. Environment variables
    in ``drop_env`` (the gradebook's address and credentials) never reach student code.
    """

    memory = Unicode(help=f"memory limit per kernel, e.g. 4G; 0 = none (default: ${MEMORY_VARIABLE} "
                          f"or {DEFAULT_MEMORY})").tag(config=True)
    cpu_seconds = Integer(help=f"CPU seconds per kernel; 0 = none (default: ${CPU_SECONDS_VARIABLE} "
                               f"or {DEFAULT_CPU_SECONDS})").tag(config=True)
    file_size = Unicode(DEFAULT_FILE_SIZE, help="largest file a kernel may write; 0 = none").tag(config=True)
    drop_env = List(Unicode(), [GRADEBOOK_URL_VARIABLE, "PGPASSWORD", "PGPASSFILE",
                                "PGSERVICEFILE", "DATABASE_URL"],
                    help="environment variables removed before a kernel starts").tag(config=True)

    @default("memory")
    def _memory_from_environment(self) -> str:
        return os.environ.get(MEMORY_VARIABLE, DEFAULT_MEMORY)

    @default("cpu_seconds")
    def _cpu_seconds_from_environment(self) -> int:
        return int(os.environ.get(CPU_SECONDS_VARIABLE, DEFAULT_CPU_SECONDS))

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return limited_command(cmd, parse_size(self.memory), self.cpu_seconds,
                               parse_size(self.file_size), list(self.drop_env))
