"""A grading kernel in its sandbox cannot reach the network, the course, the grader or other processes,
and nothing it starts outlives it (real kernels, real bubblewrap, real cgroups)."""

from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpec

from tests.nbgrader_ext.sandbox_kernels import KernelSession, sandboxed_kernel
from tlcourse.nbgrader_ext.kernel_cgroup import CGROUP_ROOT, CONTROLLERS, COURSE_GROUP
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager

pytestmark = pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}")

SECRET = "tlcourse-secret-7f3a"


def readable(path: str) -> str:
    """Kernel code: prints whether ``path`` can be read (as JSON)."""
    return (f"import json\ntry:\n    open({path!r}, 'rb').read(64); r = True\n"
            f"except OSError:\n    r = False\nprint(json.dumps(r))")


def writable(path: str) -> str:
    return (f"import json\ntry:\n    open({path!r}, 'w').write('x'); r = True\n"
            f"except OSError:\n    r = False\nprint(json.dumps(r))")


@pytest.fixture(scope="module")
def course():
    """A course folder outside /tmp (so that only the sandbox's own hiding can hide it): hidden
    tests in source/, a gradebook, another student, a file next to the notebook."""
    root = Path(tempfile.mkdtemp(prefix="tlcourse-sandbox-course-", dir="/var/tmp"))
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "gradebook.db").write_text(SECRET)
    for rel in ("source/a1/a1.ipynb", "submitted/bob/a1/a1.ipynb", "autograded/alice/a1/notes.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(SECRET)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def home_secret():
    path = Path.home() / f".{SECRET}"
    path.write_text(SECRET)
    yield path
    path.unlink()


@pytest.fixture(scope="module")
def grader_server():
    """A TCP server on the grader's loopback; records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    connected, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connected.append(server.accept())
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="module")
def kernel(course, home_secret, grader_server):
    """The sandboxed kernel, started while the grader's environment and a process of the grader
    (started with it, so its /proc/<pid>/environ holds it) carry a secret."""
    os.environ["PGPASSWORD"] = SECRET
    grader_process = subprocess.Popen(["sleep", "600"])
    try:
        with sandboxed_kernel(str(course / "autograded" / "alice" / "a1")) as k:
            yield k
    finally:
        grader_process.kill()
        grader_process.wait()
        del os.environ["PGPASSWORD"]


def test_the_grader_loopback_is_unreachable(kernel, grader_server):
    port, connected = grader_server
    reached = kernel.value(
        f"import socket, json\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3); r = True\n"
        f"except OSError:\n    r = False\nprint(json.dumps(r))")
    assert reached is False and connected == []


def test_it_sees_only_its_own_processes(kernel):
    commands = kernel.value(
        "import os, json\ncmds = []\nfor p in os.listdir('/proc'):\n    if p.isdigit():\n"
        "        try: cmds.append(open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='replace'))\n"
        "        except OSError: cmds.append('?')\nprint(json.dumps(cmds))")
    assert len(commands) <= 4, commands
    assert not any("pytest" in c for c in commands), commands


@pytest.mark.parametrize("rel", ["autograded/alice/a1/notes.txt", "source/a1/a1.ipynb", "gradebook.db",
                                 "submitted/bob/a1/a1.ipynb", "nbgrader_config.py"])
def test_the_course_is_out_of_sight(kernel, course, rel):
    assert (course / rel).exists()
    assert kernel.value(readable(str(course / rel))) is False


def _course_checkout_of_the_package() -> Path | None:
    """The course folder the course package is installed from (an editable install), if any."""
    import tlcourse
    return next((p for p in Path(tlcourse.__file__).resolve().parents if (p / "nbgrader_config.py").exists()),
                None)


def test_the_course_checkout_the_package_is_installed_from_and_other_courses_next_to_it_are_out_of_sight(
        course, monkeypatch):
    """An editable install in the course's own checkout: its source/ holds the hidden tests; so do
    other checkouts or terms of the course next to it, and courses next to the graded one. The
    grader works elsewhere (its working folder is hidden anyway), as nbgrader in another course does."""
    checkout = _course_checkout_of_the_package()
    if checkout is None:
        pytest.skip("the course package is not installed from a course checkout here")
    hidden_tests = sorted((checkout / "source").glob("*/*.ipynb"))
    assert hidden_tests, f"no source notebooks in {checkout}"
    other_term = Path(tempfile.mkdtemp(prefix="tlcourse-other-term-", dir=course.parent))
    try:
        (other_term / "nbgrader_config.py").write_text("c = get_config()\n")
        (other_term / "source" / "a1").mkdir(parents=True)
        (other_term / "source" / "a1" / "a1.ipynb").write_text(SECRET)
        monkeypatch.chdir(course)
        with sandboxed_kernel(str(course / "autograded" / "alice" / "a1")) as k:
            assert k.value(readable(str(hidden_tests[0]))) is False
            assert k.value(readable(str(checkout / "nbgrader_config.py"))) is False
            assert k.value(readable(str(other_term / "source" / "a1" / "a1.ipynb"))) is False
            assert k.value("import json, tlcourse.checks.concepts as c\nprint(json.dumps(c.__file__))"
                           ).startswith(str(checkout))
    finally:
        shutil.rmtree(other_term, ignore_errors=True)


def test_its_working_folder_is_private_and_empty(kernel):
    cwd, listing = kernel.value("import os, json\nprint(json.dumps([os.getcwd(), os.listdir('.')]))")
    assert listing == [] and "alice" not in cwd


#: What bubblewrap's --dev makes (a minimal /dev with a pseudo-terminal instance of its own).
MINIMAL_DEV = ["core", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout",
               "tty", "urandom", "zero"]


def test_its_dev_is_minimal_and_shell_commands_get_a_pty(kernel):
    # IPython runs `!cmd` and `%pip` on a pseudo-terminal: without one they fail in the kernel
    listing = kernel.value("import os, json\nprint(json.dumps(sorted(os.listdir('/dev'))))")
    assert listing == MINIMAL_DEV
    assert kernel.run("!echo shell-ok").strip() == "shell-ok"


def test_the_graders_home_and_root_only_files_are_out_of_sight(kernel, home_secret):
    assert kernel.value(readable(str(home_secret))) is False
    assert kernel.value(readable("/etc/shadow")) is False
    assert kernel.value("import os, json\nprint(json.dumps(os.getuid()))") == 65534


def test_no_secret_in_its_environment_or_any_visible_process(kernel):
    found = kernel.value(
        f"import os, json\nhits = [k for k, v in os.environ.items() if {SECRET!r} in v]\n"
        "for p in os.listdir('/proc'):\n    if p.isdigit() or p == 'self':\n"
        f"        try: hits += [p] if {SECRET!r}.encode() in open(f'/proc/{{p}}/environ', 'rb').read() else []\n"
        "        except OSError: pass\nprint(json.dumps(hits))")
    assert found == []
    assert kernel.value("import os, json\nprint(json.dumps('PGPASSWORD' in os.environ))") is False


def test_packages_and_the_course_package_are_read_only(kernel):
    import tlcourse

    assert kernel.value(readable(str(Path(tlcourse.__file__)))) is True
    for folder in (site.getsitepackages()[0], str(Path(tlcourse.__file__).parent)):
        target = Path(folder, f"zz-{SECRET}.pth")
        try:
            wrote = kernel.value(writable(str(target)))
        finally:
            existed = target.exists()
            target.unlink(missing_ok=True)  # a failing sandbox must not leave it in the shared venv
        assert wrote is False and not existed


def test_private_tmp_home_and_shm_have_size_caps(kernel):
    written = kernel.value(
        "import os, json\nsizes = {}\nfor d in ('/tmp', os.path.expanduser('~'), '/dev/shm'):\n"
        "    st = os.statvfs(d); sizes[d] = st.f_blocks * st.f_frsize\nprint(json.dumps(sizes))")
    assert written["/tmp"] == 2**30 and written["/dev/shm"] == 2**28, written
    assert written[str(Path.home())] == 2**30, written


def test_shm_files_stay_inside_and_are_gone_after():
    name = f"tlcourse-shm-{os.getpid()}"
    with sandboxed_kernel("/") as k:
        k.run(f"open('/dev/shm/{name}', 'w').write('x' * 1000)")
        assert k.value(readable(f"/dev/shm/{name}")) is True
        assert not Path("/dev/shm", name).exists()
        folder, group = k.km._sandbox_dir, k.km._cgroup.paths["pids"]
    assert not Path("/dev/shm", name).exists()
    assert not folder.exists() and not group.exists()


def test_a_double_forked_daemon_is_gone_after_shutdown():
    marker = f"tlcourse-daemon-{os.getpid()}"
    with sandboxed_kernel("/") as k:
        k.run("import subprocess, sys\n"
              f"subprocess.Popen(['/bin/sh', '-c', '(setsid {sys.executable} -c \"import time; time.sleep(600)\" "
              f"{marker} &) &'])\nimport time; time.sleep(1)")
        assert _processes_with(marker), "the daemon should be running while the kernel lives"
    deadline = time.monotonic() + 5
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == []


def test_a_fork_bomb_stops_at_the_process_cap():
    with sandboxed_kernel("/", max_processes=60) as k:
        made = k.value(
            "import os, json, time\nmade, children = 0, []\n"
            "try:\n    for _ in range(500):\n        pid = os.fork()\n"
            "        if pid == 0:\n            time.sleep(60); os._exit(0)\n"
            "        children.append(pid); made += 1\nexcept OSError:\n    pass\n"
            "for pid in children:\n    os.kill(pid, 9); os.waitpid(pid, 0)\nprint(json.dumps(made))")
        assert 0 < made < 60
        assert k.value("import json\nprint(json.dumps(1 + 1))") == 2, "the kernel still answers"


def test_children_together_cannot_exceed_the_memory_cap():
    # Each child stays under the per-process limit (RLIMIT_DATA); together they pass the cgroup's.
    with sandboxed_kernel("/", memory="400M") as k:
        codes = k.value(
            "import subprocess, sys, json\n"
            "child = 'b = b\"x\" * (150 * 2**20); import time; time.sleep(5)'\n"
            "procs = [subprocess.Popen([sys.executable, '-c', child]) for _ in range(4)]\n"
            "print(json.dumps([p.wait() for p in procs]))", timeout=120)
    assert any(code == -9 for code in codes), codes


def test_the_kernel_is_the_fixed_command_whatever_the_kernelspec_says():
    km = SandboxedKernelManager()
    km._kernel_spec = KernelSpec(argv=["/bin/false", "{connection_file}"], language="python",
                                 display_name="replaced by a student")
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(km.start_kernel(cwd="/"))
        kc = km.client()
        kc.start_channels()
        loop.run_until_complete(kc.wait_for_ready(timeout=60))
        kc.stop_channels()
        assert km.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
        assert km.kernel_spec.interrupt_mode == "message"
    finally:
        loop.run_until_complete(km.shutdown_kernel(now=True))
        loop.close()


def test_no_cgroup_or_folder_is_left_behind():
    # Only this kernel's own cgroups and folder: other kernels on the machine come and go meanwhile.
    with sandboxed_kernel("/") as k:
        name = k.km._sandbox_dir.name
        folder = k.km._sandbox_dir
        groups = [CGROUP_ROOT / controller / COURSE_GROUP / name for controller in CONTROLLERS]
        assert groups[0].is_dir() and folder.is_dir()
    assert not any(group.exists() for group in groups), "a cgroup of the kernel outlived it"
    assert not folder.exists(), "the kernel's sandbox folder outlived it"


def test_an_interrupt_stops_a_loop_and_the_kernel_goes_on():
    # nbgrader interrupts a cell past its timeout; SIGINT cannot reach into the sandbox, messages can.
    with sandboxed_kernel("/") as k:
        msg_id = k.kc.execute("while True: pass")
        time.sleep(2)
        k.loop.run_until_complete(k.km.interrupt_kernel())
        while (reply := k.loop.run_until_complete(k.kc._async_get_shell_msg(timeout=30))
               )["parent_header"].get("msg_id") != msg_id:
            pass
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert k.run("print('still here')") == "still here\n"


def test_after_the_kernel_dies_cleanup_kills_what_it_started_and_removes_the_sandbox():
    # nbclient only calls cleanup_resources() when the kernel is already dead.
    import asyncio

    marker = f"tlcourse-orphan-{os.getpid()}"
    loop = asyncio.new_event_loop()
    km = SandboxedKernelManager()
    loop.run_until_complete(km.start_kernel(cwd="/"))
    k = KernelSession(km, loop)
    k.run("import subprocess, sys\n"
          f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'],"
          " start_new_session=True)\nimport time; time.sleep(1)")
    folder, group = km._sandbox_dir, km._cgroup.paths["pids"]
    k.kc.execute("import os; os._exit(1)")
    deadline = time.monotonic() + 30
    while loop.run_until_complete(km.is_alive()) and time.monotonic() < deadline:
        time.sleep(0.1)
    k.kc.stop_channels()
    loop.run_until_complete(km.cleanup_resources())
    loop.close()
    assert not folder.exists() and not group.exists()
    assert _processes_with(marker) == []


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_a_kernel_being_stopped_is_looked_at_often(monkeypatch):
    """jupyter_client waits for a killed kernel process by looking every 0.1 s; a sandboxed kernel's
    manager looks every KILLED_POLL_S (a killed process ends at once: nothing to wait for)."""
    import asyncio

    from tlcourse.nbgrader_ext import sandboxed_kernel

    alive = iter([True, True, False])
    naps: list[float] = []

    async def is_alive(self):
        return next(alive)

    async def nap(seconds):
        naps.append(seconds)

    monkeypatch.setattr(SandboxedKernelManager, "_async_is_alive", is_alive)
    monkeypatch.setattr(asyncio, "sleep", nap)
    asyncio.run(SandboxedKernelManager()._async_wait())
    assert naps == [sandboxed_kernel.KILLED_POLL_S] * 2 and sandboxed_kernel.KILLED_POLL_S < 0.1
