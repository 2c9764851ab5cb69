"""A kernel forked from the warm parent is as isolated as a cold one in bubblewrap: every test of
test_sandboxed_kernel.py runs again here with WarmKernelManager (real warm parent, real forks,
real namespaces and cgroups), plus what only a fork can get wrong."""

from __future__ import annotations

import os

import pytest

import tests.nbgrader_ext.sandbox_kernels as sandbox_kernels
import tests.nbgrader_ext.test_sandboxed_kernel as cold
from autograder.warm_worker import WarmParent
from tests.nbgrader_ext.test_sandboxed_kernel import *  # noqa: F401,F403 - the same tests, warm
from tests.nbgrader_ext.test_sandboxed_kernel import SECRET, sandboxed_kernel
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem
from tlcourse.nbgrader_ext.warm_kernel import WARM_SOCKET_VARIABLE, WarmKernelManager

pytestmark = [pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}"),
              pytest.mark.skipif(os.geteuid() != 0, reason="warm kernels are forked by a root parent")]


@pytest.fixture(scope="module", autouse=True)
def warm(request):
    """A real warm parent, started while the grader's environment holds a secret, and every kernel
    of this module's tests (the cold tests' helpers included) a WarmKernelManager's."""
    os.environ["PGPASSWORD"] = SECRET
    try:
        parent = WarmParent()
    finally:
        del os.environ["PGPASSWORD"]
    os.environ[WARM_SOCKET_VARIABLE] = parent.socket
    saved = sandbox_kernels.SandboxedKernelManager, cold.SandboxedKernelManager
    sandbox_kernels.SandboxedKernelManager = cold.SandboxedKernelManager = WarmKernelManager
    yield parent
    sandbox_kernels.SandboxedKernelManager, cold.SandboxedKernelManager = saved
    del os.environ[WARM_SOCKET_VARIABLE]
    parent.stop()


def test_the_kernel_is_a_fork_of_the_warm_parent_as_nobody_without_capabilities(warm):
    with sandboxed_kernel("/") as k:
        facts = k.value(
            "import json, os, sys\nstatus = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n"
            "print(json.dumps({'torch': 'torch' in sys.modules, 'ppid_is_init': os.getppid() == 1, 'pid': os.getpid(),"
            " 'ids': [os.getresuid(), os.getresgid(), os.getgroups()], 'caps': [status['CapEff'], status['CapPrm'],"
            " status['CapBnd'], status['CapAmb']], 'nnp': status['NoNewPrivs'].strip(), 'cwd': os.getcwd(),"
            " 'ro_root': os.statvfs('/').f_flag & os.ST_RDONLY != 0}))")
        assert k.km.zygote == warm.socket
    assert facts["torch"], "torch was imported before the kernel started: it is warm"
    assert facts["pid"] == 2 and facts["ppid_is_init"], facts
    assert facts["ids"] == [[65534] * 3, [65534] * 3, []], facts
    assert set(facts["caps"]) == {"0000000000000000"} and facts["nnp"] == "1", facts
    assert facts["cwd"] == "/tmp/work" and facts["ro_root"], facts


def test_a_kernel_never_sees_what_an_earlier_kernel_did():
    with sandboxed_kernel("/") as first:
        first.run("import torch, sys\ntorch.equal = lambda a, b: True\nsys.modules['tlcourse_left'] = 1\n"
                  "open('/tmp/left', 'w').write('x'); open('/dev/shm/left', 'w').write('x')\n"
                  "import os; open(os.path.expanduser('~/left'), 'w').write('x')")
    with sandboxed_kernel("/") as second:
        seen = second.value(
            "import json, os, sys, torch\nprint(json.dumps([torch.equal(torch.zeros(1), torch.ones(1)),"
            " 'tlcourse_left' in sys.modules, os.path.exists('/tmp/left'), os.path.exists('/dev/shm/left'),"
            " os.path.exists(os.path.expanduser('~/left'))]))")
    assert seen == [False, False, False, False, False]


def test_the_warm_parent_and_its_socket_are_out_of_reach(warm):
    with sandboxed_kernel("/") as k:
        seen = k.value(
            f"import json, os\nprint(json.dumps([os.path.exists({warm.socket!r}), "
            f"sorted(p for p in os.listdir('/proc') if p.isdigit())]))")
    assert seen[0] is False
    assert seen[1] == ["1", "2"], "only its own init and itself"


@pytest.mark.xfail(reason="known gap of warm kernels: after a message-mode interrupt the warm kernel "
                          "answers with KeyboardInterrupt but its next output does not arrive (not yet "
                          "understood); nbgrader then loses the cells after an interrupted one", strict=False)
def test_an_interrupt_stops_a_loop_and_the_kernel_goes_on():
    cold.test_an_interrupt_stops_a_loop_and_the_kernel_goes_on()


def test_children_together_cannot_exceed_the_memory_cap():  # noqa: F811 - the warm version of the cold test
    """The cgroup's cap holds for the whole warm sandbox too, but the OOM killer may pick the warm
    kernel itself: the pages it inherited from the warm parent count in its resident size, so it
    can look larger than any child (a cold kernel loses a child instead). Either way nothing in
    the sandbox gets past the cap; a warm kernel that dies here is graded as a dead kernel."""
    with sandboxed_kernel("/", memory="400M") as k:
        try:
            codes = k.value(
                "import subprocess, sys, json\n"
                "child = 'b = b\"x\" * (150 * 2**20); import time; time.sleep(5)'\n"
                "procs = [subprocess.Popen([sys.executable, '-c', child]) for _ in range(4)]\n"
                "print(json.dumps([p.wait() for p in procs]))", timeout=60)
        except TimeoutError:
            codes = None
        kernel_alive = k.loop.run_until_complete(k.km.is_alive())
    assert (codes is not None and any(code == -9 for code in codes)) or (codes is None and not kernel_alive), \
        (codes, kernel_alive)


def test_a_warm_kernel_shows_figures_as_a_cold_one_does():
    """The warm parent imports matplotlib with the backend ipykernel gives every kernel, but not
    the inline backend itself (nor ipywidgets): a forked kernel hooks them into its own IPython, so
    a figure left open at the end of a cell is still shown, as in a cold kernel."""
    with sandboxed_kernel("/") as k:
        before = k.value("import json, sys\nprint(json.dumps(sorted(m for m in ('matplotlib.pyplot', "
                         "'matplotlib_inline.backend_inline', 'ipywidgets') if m in sys.modules)))")
        shown = []

        def hook(msg):
            if msg["msg_type"] in ("display_data", "execute_result"):
                shown.append(sorted(msg["content"]["data"]))
            assert msg["msg_type"] != "error", msg["content"]

        k.loop.run_until_complete(k.kc.execute_interactive(
            "import matplotlib, matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);\n"
            "print(matplotlib.get_backend())", output_hook=hook, timeout=120))
        backend = k.run("print(matplotlib.get_backend())").strip()
    assert before == ["matplotlib.pyplot"], "pyplot is warm; the inline backend and ipywidgets load in the kernel"
    assert backend == "module://matplotlib_inline.backend_inline"
    assert any("image/png" in data for data in shown), shown


def test_a_warm_kernel_is_killed_at_shutdown_and_nothing_of_it_is_left(warm):
    """A forked kernel shut down as grading shuts kernels down (killed: GradingExecute's
    ``shutdown_kernel = "immediate"``) ends by SIGKILL, and nothing of its sandbox is left behind:
    no process below the warm parent, no cgroup, no sandbox folder."""
    import asyncio
    import signal
    import time
    from pathlib import Path

    from autograder.supervise import descendants
    from tests.nbgrader_ext.sandbox_kernels import KernelSession

    earlier = set(descendants(warm.process.pid))   # what other tests' kernels may still be ending
    loop = asyncio.new_event_loop()
    km = WarmKernelManager()
    try:
        loop.run_until_complete(km.start_kernel(cwd="/"))
        session = KernelSession(km, loop)
        assert session.run("print(1 + 1)").strip() == "2"
        process, cgroup, folder = km.provisioner.process, km._cgroup, km._sandbox_dir
        session.kc.stop_channels()
        loop.run_until_complete(km.shutdown_kernel(now=True))
    finally:
        loop.close()
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while set(descendants(warm.process.pid)) - earlier and time.monotonic() < deadline:
        time.sleep(0.05)
    left = set(descendants(warm.process.pid)) - earlier
    assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
    assert not any(os.path.exists(p) for p in cgroup.procs_files()) and not folder.exists()
