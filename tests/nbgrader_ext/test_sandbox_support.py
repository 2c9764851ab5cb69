"""Without bubblewrap grading refuses to start and says how to fix it; TLCOURSE_NO_SANDBOX=1 grades
without the sandbox, with a warning at every kernel start."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest

from tests.nbgrader_ext.sandbox_kernels import KernelSession
from tlcourse.nbgrader_ext import sandbox_support
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager


@pytest.fixture
def no_bwrap(monkeypatch, tmp_path):
    """PATH with the interpreter but without bubblewrap."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    sandbox_support.sandbox_problem.cache_clear()
    yield
    sandbox_support.sandbox_problem.cache_clear()


def test_without_bubblewrap_the_problem_says_how_to_install_it(no_bwrap):
    problem = sandbox_support.sandbox_problem()
    assert "apt-get install bubblewrap" in problem and "--no-sandbox" in problem


def test_a_kernel_refuses_to_start_without_bubblewrap(no_bwrap):
    km = SandboxedKernelManager()
    with pytest.raises(RuntimeError, match="Refusing to grade: bubblewrap"):
        asyncio.run(km.start_kernel(cwd="/"))
    assert not km.has_kernel


@pytest.mark.parametrize("value, off", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_the_switch(monkeypatch, value, off):
    monkeypatch.setenv(sandbox_support.NO_SANDBOX_VARIABLE, value)
    assert sandbox_support.sandbox_switched_off() is off
    assert SandboxedKernelManager().sandbox is not off
    assert SandboxedKernelManager(sandbox=False).sandbox is False, "the configuration wins"


def test_without_the_sandbox_a_kernel_runs_as_the_grader_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv(sandbox_support.NO_SANDBOX_VARIABLE, "1")
    loop = asyncio.new_event_loop()
    km = SandboxedKernelManager()
    km.log = logging.getLogger("test-no-sandbox")
    with caplog.at_level(logging.WARNING, logger="test-no-sandbox"):
        loop.run_until_complete(km.start_kernel(cwd=os.getcwd()))
    try:
        session = KernelSession(km, loop)
        assert session.value("import os, json\nprint(json.dumps(os.getuid()))") == os.getuid()
        session.kc.stop_channels()
    finally:
        loop.run_until_complete(km.shutdown_kernel(now=True))
        loop.close()
    assert "WITHOUT the sandbox" in caplog.text
