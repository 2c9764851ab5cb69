"""Do `make lab` and `make formgrader` open the right JupyterLab?

Each session of ``autograder.lab`` is started for real (no browser) on a course that released
01_concepts into its exchange, asked through its page config and REST endpoints what it
offers, and shut down. Students: no Create Assignment, Formgrader or Course List (neither the
lab plugins nor the server routes), their Assignment List reading the course's exchange.
Instructors: formgrader on the course directory, its gradebook and the released assignment.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.course import ROOT, course_id, fresh_course_dir
from autograder.lab import (INSTRUCTOR_PLUGINS, STUDENT_PLUGINS, LabSession, session)
from autograder.nbgrader_cli import nbgrader
from tests.browser.lab import free_port

pytestmark = pytest.mark.slow

CONCEPTS = "01_concepts"
PAGE_CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


class Server:
    """A started session: GET requests with its token."""

    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def get(self, path: str) -> tuple[int, str, str]:
        """(status, final URL, body) of GET ``path``; redirects followed (the token goes along
        in the header), errors returned."""
        request = urllib.request.Request(f"{self.base}{path}",
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, reply.url, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def json(self, path: str):
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[-2000:])
        return json.loads(body)

    def disabled_plugins(self) -> set[str]:
        """The lab plugins the page config turns off."""
        status, _, body = self.get("/lab")
        assert status == 200, body[-2000:]
        return set(json.loads(PAGE_CONFIG.search(body).group(1))["disabledExtensions"])


@contextmanager
def running(lab: LabSession, state: Path):
    """``lab`` as `make` starts it (its config folder, command and environment), on a free port,
    with Jupyter's user folders in ``state``; shut down after."""
    lab.write_config()
    port, token = free_port(), secrets.token_hex(16)
    env = lab.environment()
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                     "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_DATA_DIR"):
        env[variable] = str(state / variable.lower())
    command = lab.command("--no-browser", "--ip=127.0.0.1", f"--port={port}",
                          "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}")
    log_path = state / f"{lab.name}.log"
    state.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=lab.course_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(port, token)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "no answer in 180 s:\n" + log_path.read_text()[-3000:]
            try:
                if server.get("/api/status")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with the built student notebooks, 01_concepts released into its exchange."""
    course = fresh_course_dir(tmp_path_factory.mktemp("lab") / "course")
    shutil.copytree(ROOT / "notebooks", course / "notebooks")
    nbgrader(course, "release_assignment", CONCEPTS, env={"TLCOURSE_EXCHANGE": ""})
    return course


@pytest.fixture(autouse=True)
def course_exchange(monkeypatch):
    monkeypatch.delenv("TLCOURSE_EXCHANGE", raising=False)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)


def test_the_students_lab_has_no_instructor_panels_and_lists_the_released_assignment(course, tmp_path):
    with running(session("student", course), tmp_path) as lab:
        disabled = lab.disabled_plugins()
        assert set(INSTRUCTOR_PLUGINS) <= disabled
        assert not disabled & set(STUDENT_PLUGINS)
        assert lab.get("/formgrader")[0] == 404   # formgrader's pages and API
        assert lab.get("/formgrader/api/assignments")[0] == 404
        assert lab.get("/formgraders")[0] == 404  # the course list
        served = {item["name"] for item in lab.json("/api/contents")["content"]}
        assert CONCEPTS in served and "source" not in served     # notebooks/, not the course
        # The Assignment List: the course, and its release, already in notebooks/ (fetched).
        assert lab.json("/courses")["value"] == [course_id(course)]
        listed = lab.json(f"/assignments?course_id={course_id(course)}")
        assert listed["success"], listed
        [assignment] = [a for a in listed["value"] if a["assignment_id"] == CONCEPTS]
        assert (assignment["status"], assignment["path"]) == ("fetched", CONCEPTS)


def test_the_instructors_lab_opens_formgrader_on_the_course_with_its_gradebook(course, tmp_path):
    with running(session("instructor", course), tmp_path) as lab:
        assert not lab.disabled_plugins() & {*INSTRUCTOR_PLUGINS, *STUDENT_PLUGINS}
        status, url, page = lab.get("/")
        assert status == 200 and "/formgrader" in url and "nbgrader formgrade" in page
        assignments = {a["name"]: a for a in lab.json("/formgrader/api/assignments")}
        assert set(assignments) >= {CONCEPTS}
        assert assignments[CONCEPTS]["status"] == "released", assignments[CONCEPTS]
        assert (course / "gradebook.db").is_file()
        status, _, page = lab.get("/formgrader/gradebook")            # hand grading
        assert status == 200 and "Manual Grading" in page
        assert lab.json("/formgraders")["success"]
