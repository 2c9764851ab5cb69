"""A real Dask cluster on 127.0.0.1 for the tests: `dask scheduler` and `dask worker` processes
of this environment, each in its own empty working directory (no shared course directory)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from autograder.course import ROOT

DASK = str(Path(sys.executable).parent / "dask")
#: As autograder.grade sets for its LocalCluster: a submission is retried once after its worker died.
ALLOWED_FAILURES = "1"


def _env() -> dict[str, str]:
    paths = [str(ROOT), str(ROOT / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": ALLOWED_FAILURES,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}


class LoopbackCluster:
    """``dask scheduler`` and ``workers`` ``dask worker`` processes (one thread each)."""

    def __init__(self, root: Path, workers: int = 2):
        self.root, self.processes = root, []
        scheduler_dir = root / "scheduler"
        scheduler_dir.mkdir(parents=True)
        scheduler_file = scheduler_dir / "scheduler.json"
        self.scheduler = self._start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(scheduler_file)], scheduler_dir)
        deadline = time.monotonic() + 120
        while not scheduler_file.exists():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                self.close()
                raise RuntimeError(f"dask scheduler did not start: see {scheduler_dir / 'log'}")
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = [self.add_worker(f"w{i}") for i in range(workers)]

    def add_worker(self, name: str) -> subprocess.Popen:
        folder = self.root / name
        folder.mkdir()
        return self._start([DASK, "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                            "--host", "127.0.0.1", "--no-dashboard", "--name", name,
                            "--local-directory", str(folder)], folder)

    def _start(self, cmd: list[str], cwd: Path) -> subprocess.Popen:
        log = open(cwd / "log", "w")
        proc = subprocess.Popen(cmd, cwd=cwd, env=_env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append(proc)
        return proc

    def kill_worker(self, pid: int) -> None:
        """SIGKILL the worker process ``pid`` and its nanny (its process group): the worker
        is gone for good, nothing of it closes cleanly."""
        os.killpg(os.getpgid(pid), signal.SIGKILL)

    def stop(self, timeout: float = 60) -> None:
        """Stop the workers as an operator does (SIGTERM: each closes cleanly), then the rest."""
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.close()

    def kill_scheduler(self) -> None:
        os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def close(self) -> None:
        for proc in self.processes:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()

    def __enter__(self) -> "LoopbackCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
