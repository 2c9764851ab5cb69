"""A real JupyterLab on loopback and a headless Chromium page driving it (for browser tests).

The server runs from the project's environment with its own temporary config, settings,
runtime and workspace folders, so it neither reads nor changes the user's Jupyter setup.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

#: Debian's chromium; Playwright's own browser download does not work on the course machines.
CHROMIUM = os.environ.get("TLCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Lab settings for a quiet, predictable test run: every cell in the DOM, no news pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` on 127.0.0.1 with a random port and token, serving ``root``."""

    def __init__(self, root: Path, state: Path) -> None:
        self.root = root
        self.state = state
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """The address that opens ``notebook`` (relative to the root) in JupyterLab."""
        return f"{self.base_url}/lab/tree/{notebook}?reset&token={self.token}"

    def _environment(self) -> dict[str, str]:
        folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "runtime",
                   "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
                   "IPYTHONDIR": "ipython"}
        env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        for variable, name in folders.items():
            (self.state / name).mkdir(parents=True, exist_ok=True)
            env[variable] = str(self.state / name)
        for name, values in LAB_SETTINGS.items():
            path = self.state / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), "utf-8")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self, timeout: float = 90.0) -> "JupyterLab":
        """Start the server and wait until its API answers."""
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
                   "--ServerApp.terminals_enabled=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
            command.append("--allow-root")
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        env=self._environment(), cwd=self.root,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/status?token={self.token}",
                                            timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Ask the server to shut down (kernels too); kill its process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            request = urllib.request.Request(f"{self.base_url}/api/shutdown?token={self.token}",
                                             method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            self.process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# JavaScript run in the page through JupyterLab's exposed application object.
JS_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return !!(panel && panel.content && panel.context && panel.context.isReady
            && kernel && kernel.status === 'idle');
}"""

JS_RUN_CELL = """async (index) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  await app.commands.execute('notebook:run-cell');
  const cell = panel.content.widgets[index];
  const outputs = cell.model.outputs ? cell.model.outputs.toJSON() : [];
  return {count: cell.model.executionCount,
          errors: outputs.filter(o => o.output_type === 'error')
                         .map(o => o.ename + ': ' + o.evalue)};
}"""

JS_SET_SOURCE = """([index, source]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.widgets[index].model.sharedModel.setSource(source);
}"""

JS_CELL_COUNT = "() => window.jupyterapp.shell.currentWidget.content.widgets.length"


class NotebookPage:
    """A notebook opened in JupyterLab in a Playwright page."""

    def __init__(self, page: Any, lab: JupyterLab, shots: Path) -> None:
        self.page = page
        self.lab = lab
        self.shots = shots
        self.panel_id = ""

    def open(self, notebook: str, cells: int, timeout_ms: int = 90_000) -> None:
        """Open ``notebook`` and wait until it shows all ``cells`` and its kernel is idle."""
        self.page.goto(self.lab.url(notebook), timeout=timeout_ms)
        self.page.wait_for_function(JS_READY, timeout=timeout_ms)
        self.page.wait_for_function(f"() => ({JS_CELL_COUNT})() === {cells}", timeout=timeout_ms)
        self.panel_id = self.page.evaluate("() => window.jupyterapp.shell.currentWidget.id")

    def cell(self, index: int):
        """The DOM of cell ``index`` of this notebook (other open notebooks are ignored)."""
        return self.page.locator(f"[id='{self.panel_id}'] .jp-Notebook .jp-Cell").nth(index)

    def run(self, index: int, timeout_ms: int = 120_000) -> dict:
        """Run one cell the way Ctrl+Enter does, then wait for the kernel to be idle again."""
        result = self.page.evaluate(JS_RUN_CELL, index)
        self.page.wait_for_function(JS_READY, timeout=timeout_ms)
        return result

    def set_source(self, index: int, source: str) -> None:
        """Replace a cell's code, as a student typing an answer would."""
        self.page.evaluate(JS_SET_SOURCE, [index, source])

    def shot(self, name: str, locator: Any = None) -> Path:
        """Save a screenshot (of the page, or of one element) as a test artifact."""
        path = self.shots / f"{name}.png"
        if locator is None:
            self.page.screenshot(path=str(path), full_page=False)
        else:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path))
        return path
