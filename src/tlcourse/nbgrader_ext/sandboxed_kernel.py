"""Grading kernels in a bubblewrap sandbox with cgroup limits, started from a fixed command."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from traitlets import Bool, Float, Integer, List, Unicode, default

from tlcourse.nbgrader_ext.kernel_cache import KernelCache, default_root
from tlcourse.nbgrader_ext.kernel_cgroup import JOIN_LAUNCHER, KernelCgroup
from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager, limited_command, parse_size
from tlcourse.nbgrader_ext.sandbox_command import (SANDBOX_GID, SANDBOX_UID, SandboxLayout,
                                                   bwrap_command, running_as_root)
from tlcourse.nbgrader_ext.sandbox_support import (no_sandbox_warning, sandbox_problem,
                                                   sandbox_switched_off)

#: Seconds between two looks at whether a kernel process being stopped has ended.
KILLED_POLL_S = 0.01
#: Environment variables a sandboxed kernel receives (when the grader has them); nothing else.
PASSED_ENVIRONMENT = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "PYTHONHASHSEED",
                      "NBGRADER_EXECUTION", "TLCOURSE_MODE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                      "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                      "TORCH_NUM_THREADS", "MPLBACKEND"]


class SandboxedKernelManager(LimitedKernelManager):
    """A kernel manager whose kernels run in a bubblewrap sandbox.

    Each kernel: no network (only its own loopback), its own pid namespace (everything it starts
    dies with it), user ``nobody``, a read-only view of the machine with the course folder and the
    grader's HOME replaced by empty ones (the interpreter and packages shown again read-only),
    private HOME, /tmp, /dev/shm and working folder (tmpfs with size caps) with the grader's
    ``kernel_cache`` bound read-only into HOME (``KernelCache``), only the variables in
    ``pass_env``, its own cgroup capping memory, processes and CPU of the whole sandbox (killed
    and removed at shutdown), and the rlimits of ``LimitedKernelManager`` inside. The kernel is
    always ``this interpreter -m ipykernel_launcher``, whatever kernelspec is installed.

    ``sandbox = False`` (or ``TLCOURSE_NO_SANDBOX=1``) gives plain limited kernels and a
    warning at every start. When the machine cannot run the sandbox, starting a kernel fails
    with a message that says how to fix it.
    """

    sandbox = Bool(help="run kernels in the sandbox (default: yes, unless $TLCOURSE_NO_SANDBOX=1)"
                   ).tag(config=True)
    max_processes = Integer(512, help="processes and threads per sandbox; 0 = none").tag(config=True)
    cpus = Float(2.0, help="CPUs' worth of time per second a sandbox may use; 0 = none").tag(config=True)
    home_size = Unicode("1G", help="size cap of the kernel's HOME (tmpfs)").tag(config=True)
    tmp_size = Unicode("1G", help="size cap of the kernel's /tmp (tmpfs)").tag(config=True)
    shm_size = Unicode("256M", help="size cap of the kernel's /dev/shm (tmpfs)").tag(config=True)
    work_size = Unicode("1G", help="size cap of the kernel's working folder (tmpfs)").tag(config=True)
    pass_env = List(Unicode(), PASSED_ENVIRONMENT,
                    help="environment variables passed into the sandbox").tag(config=True)
    hide = List(Unicode(), help="more folders the kernel must not see").tag(config=True)
    kernel_cache = Unicode(help="the grader's read-only cache for the kernels (stand-in data, "
                           "matplotlib's font list; built and verified before every kernel start); "
                           "empty = none (default: $TLCOURSE_KERNEL_CACHE or "
                           "~/.cache/tlcourse-kernel-cache)").tag(config=True)

    @default("kernel_cache")
    def _kernel_cache_default(self) -> str:
        return str(default_root())

    @default("sandbox")
    def _sandbox_from_environment(self) -> bool:
        return not sandbox_switched_off()

    # -- starting ---------------------------------------------------------------------------
    async def _async_pre_start_kernel(self, **kw):
        if not self.sandbox:
            self.log.warning(no_sandbox_warning())
            return await super()._async_pre_start_kernel(**kw)
        problem = sandbox_problem()
        if problem:
            raise RuntimeError(f"Refusing to grade: {problem}")
        self._prepare_sandbox(kw.get("cwd"), kw.get("env") or dict(os.environ))
        return await super()._async_pre_start_kernel(**kw)

    def _prepare_sandbox(self, notebook_dir: str | None, env: dict[str, str]) -> None:
        self._sandbox_dir = Path(tempfile.mkdtemp(prefix="tlcourse-kernel-"))
        sockets = self._sandbox_dir / "sockets"
        sockets.mkdir()
        if running_as_root():
            os.chown(sockets, SANDBOX_UID, SANDBOX_GID)
        os.chmod(self._sandbox_dir, 0o711)
        self.transport, self.ip = "ipc", str(sockets / "kernel")
        self.connection_file = str(sockets / "kernel.json")
        # The fixed kernel: no kernelspec (anyone may write one) decides what runs.
        self._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                             "{connection_file}"], language="python",
                                       display_name="Python 3 (grading sandbox)",
                                       interrupt_mode="message")
        readable = _python_paths(env)
        cached = {}
        if self.kernel_cache:
            cache = KernelCache(Path(self.kernel_cache).expanduser())
            cached = {inside: str(cache.home / inside) for inside in cache.ensure()}
        self._layout = SandboxLayout(
            sockets=str(self._sandbox_dir), home=str(Path.home()), hidden=self._hidden(notebook_dir, readable),
            readable=readable, env={k: env[k] for k in self.pass_env if k in env}, cached=cached,
            home_size=parse_size(self.home_size), tmp_size=parse_size(self.tmp_size),
            shm_size=parse_size(self.shm_size), work_size=parse_size(self.work_size))
        self._cgroup = KernelCgroup(self._sandbox_dir.name, parse_size(self.memory),
                                    self.max_processes, self.cpus)
        self._cgroup.create()

    def _hidden(self, notebook_dir: str | None, readable: list[str]) -> list[str]:
        """The course folder (found from the notebook's folder and the grader's), the notebook's
        folder itself, any course folder the interpreter or the course package sits in (an
        editable install in the course's own checkout: its ``source/`` holds the hidden tests;
        the package folders themselves are shown again read-only), the course folders next to
        each of those (other checkouts or terms of the course), and the ``hide`` list."""
        courses = []
        for path in ([notebook_dir] if notebook_dir else []) + readable:
            courses += _course_folders_above(path)
        siblings = [str(p) for course in set(courses) for p in Path(course).parent.iterdir()
                    if p.is_dir() and _is_course_folder(p)]
        hidden = [*self.hide, os.getcwd(), *courses, *siblings]
        if notebook_dir:
            hidden.append(str(Path(notebook_dir).resolve()))
        return sorted(set(hidden))

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        if getattr(self, "_layout", None) and running_as_root():
            os.chown(self.connection_file, SANDBOX_UID, SANDBOX_GID)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        if not self.sandbox:
            return super().format_kernel_cmd(extra_arguments)
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]
        limited = limited_command(kernel, parse_size(self.memory), self.cpu_seconds,
                                  parse_size(self.file_size), list(self.drop_env))
        return [sys.executable, "-c", JOIN_LAUNCHER, *self._cgroup.procs_files(), "--",
                *bwrap_command(self._layout, limited)]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        if self.sandbox:
            # bwrap itself starts outside the course, with nothing of the grader's environment;
            # the kernel's own stdout (a connection banner) is not the grader's business.
            kw = {**kw, "cwd": str(self._sandbox_dir), "env": {"PATH": os.environ.get("PATH", "")},
                  "stdout": subprocess.DEVNULL}
        await super()._async_launch_kernel(kernel_cmd, **kw)

    # -- stopping ---------------------------------------------------------------------------
    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client looks every 0.1 s whether a killed kernel process has ended (a tenth of
        # a second lost per kernel, as it dies at once): look every KILLED_POLL_S instead.
        await super()._async_wait(pollinterval=min(pollinterval, KILLED_POLL_S))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self.remove_sandbox()

    # AsyncKernelManager binds the public name to the base class's coroutine; nbclient calls it
    # alone when the kernel is already dead (os._exit, the CPU limit).
    cleanup_resources = _async_cleanup_resources

    def remove_sandbox(self) -> None:
        """Kill every process of the sandbox, remove its cgroups and its folder."""
        cgroup = getattr(self, "_cgroup", None)
        if cgroup is not None:
            survivors = cgroup.remove()
            if survivors:
                self.log.error("Processes %s of a grading sandbox could not be killed", survivors)
            self._cgroup = None
        folder = getattr(self, "_sandbox_dir", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            self._sandbox_dir = None


def _is_course_folder(path: Path) -> bool:
    """Does ``path`` hold an nbgrader course (``nbgrader_config.py`` or ``gradebook.db``)?"""
    try:
        return (path / "nbgrader_config.py").exists() or (path / "gradebook.db").exists()
    except OSError:
        return False


def _course_folders_above(path: str) -> list[str]:
    """The folders above ``path`` that hold an nbgrader course."""
    return [str(p) for p in Path(path).resolve().parents if _is_course_folder(p)]


def _python_paths(env: dict[str, str]) -> list[str]:
    """The folders the kernel's Python needs to read: prefixes, site-packages, sys.path and
    PYTHONPATH entries, and the folder the course package is imported from."""
    import tlcourse

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             *site.getsitepackages(), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep)),
             *(p for p in sys.path if p and os.path.isdir(p)),
             str(Path(tlcourse.__file__).resolve().parent.parent)]
    return [str(Path(p).resolve()) for p in paths]
