"""Grading kernels start with resource limits and without the gradebook's address."""

import subprocess
import sys

import pytest
from jupyter_client.kernelspec import KernelSpec

from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager, limited_command, parse_size

PROBE = ("import os, resource\n"
         "print(resource.getrlimit(resource.RLIMIT_DATA)[0], resource.getrlimit(resource.RLIMIT_CPU)[0],\n"
         "      resource.getrlimit(resource.RLIMIT_FSIZE)[0], 'TLCOURSE_GRADEBOOK_URL' in os.environ)\n"
         "try:\n"
         "    bytearray(3 * 2**30)\n"
         "    print('allocated')\n"
         "except MemoryError:\n"
         "    print('MemoryError')\n")


@pytest.mark.parametrize("text, size", [("4G", 4 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                         ("0", 0), ("1024", 1024)])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "-1G", "G"])
def test_bad_sizes_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_the_launcher_sets_the_limits_and_drops_secrets(monkeypatch):
    monkeypatch.setenv("TLCOURSE_GRADEBOOK_URL", "postgresql://grader:secret@db/course")
    cmd = limited_command([sys.executable, "-c", PROBE], memory=2**30, cpu_seconds=60,
                          file_size=2**20, drop_env=["TLCOURSE_GRADEBOOK_URL"])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.split()
    assert out == [str(2**30), "60", str(2**20), "False", "MemoryError"]


def test_the_kernel_command_is_wrapped():
    km = LimitedKernelManager(memory="2G", cpu_seconds=30)
    km._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                 language="python", display_name="Python 3")
    km.connection_file = "/tmp/kernel-test.json"
    cmd = km.format_kernel_cmd()
    assert cmd[:2] == [sys.executable, "-c"]
    assert cmd[3:6] == [str(2 * 2**30), "30", str(2**30)]
    assert "TLCOURSE_GRADEBOOK_URL" in cmd[6]
    assert cmd[7:10] == [sys.executable, "-m", "ipykernel_launcher"]



def test_the_limits_default_to_4g_and_900_s_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("TLCOURSE_KERNEL_MEMORY", raising=False)
    monkeypatch.delenv("TLCOURSE_KERNEL_CPU_SECONDS", raising=False)
    km = LimitedKernelManager()
    assert (km.memory, km.cpu_seconds, km.file_size) == ("4G", 900, "1G")
    monkeypatch.setenv("TLCOURSE_KERNEL_MEMORY", "6G")
    monkeypatch.setenv("TLCOURSE_KERNEL_CPU_SECONDS", "60")
    km = LimitedKernelManager()
    assert (km.memory, km.cpu_seconds) == ("6G", 60)
    assert LimitedKernelManager(memory="2G").memory == "2G", "the configuration wins over the environment"
