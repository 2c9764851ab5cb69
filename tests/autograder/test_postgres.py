"""A PostgreSQL gradebook gives exactly the grades of nbgrader's SQLite file.

The test starts a real PostgreSQL server (Debian's postgresql, no docker) on a free
loopback port in a temporary cluster, grades the demo class's FoodVision
submissions into it with two graders at once (``TLCOURSE_GRADEBOOK_URL``, read by
nbgrader_config.py), reads the grades back through nbgrader's API and compares
them with the same class graded into SQLite. The server is stopped in a finally.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.autograde import autograde_class
from autograder.course import course_id, fresh_course_dir
from autograder.demo_class import CLASS
from autograder.nbgrader_cli import nbgrader
from autograder.report import read_grades
from autograder.submissions import write_submission
from tests.corpus.build import drop_ungraded_tail
from tlcourse.gradebook import with_installed_driver

pytestmark = pytest.mark.slow

FOOD = "02_foodvision_head"
PG_BIN = Path(os.environ.get("TLCOURSE_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_db_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server():
    """A fresh cluster on 127.0.0.1:<free port>; yields the URL of an empty database.

    The cluster lives in its own folder under the system's temp directory (pytest's
    tmp_path is private to root, and the server runs as the postgres user when the
    test runs as root); the folder is removed afterwards.
    """
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL is not installed ({PG_BIN}/initdb missing): `apt-get install postgresql` "
                    "(.ci/run does it), or point TLCOURSE_PG_BIN at its bin folder")
    root = Path(tempfile.mkdtemp(prefix="tlcourse-pg-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, data, sockets):
            shutil.chown(path, "postgres")
    user = "postgres" if os.geteuid() == 0 else getpass.getuser()
    port = free_port()
    started = False
    try:
        run(as_db_owner([str(PG_BIN / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "--no-sync"]))
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(as_db_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
                         "-l", str(root / "server.log"), "-w", "start"]))
        started = True
        run(as_db_owner([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "gradebook"]))
        yield f"postgresql://{user}@127.0.0.1:{port}/gradebook"  # as an instructor writes it
    finally:
        if started:
            run(as_db_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]))
        shutil.rmtree(root, ignore_errors=True)


def run(cmd: list[str]) -> None:
    """Run a PostgreSQL command; its own output explains a failure."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")


def grade_demo_class(out: Path) -> dict:
    """The demo class's FoodVision submissions, generated and graded by two workers; exported grades."""
    course = fresh_course_dir(out)
    nbgrader(course, "generate_assignment", FOOD, "--force")
    for student in CLASS:
        for path in write_submission(course, student, FOOD):
            drop_ungraded_tail(path)                # training cells never change a grade
    runs = autograde_class(course, [(s.id, FOOD) for s in CLASS], jobs=2, timeout=600,
                              echo=lambda *a, **k: None)
    assert all(run.ok for run in runs if run.student != "missing"), [r.reason for r in runs]
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return read_grades(course / "grades.csv")


def test_postgres_gradebook_matches_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("TLCOURSE_GRADEBOOK_URL", raising=False)
    sqlite_grades = grade_demo_class(tmp_path / "sqlite")
    assert (tmp_path / "sqlite" / "gradebook.db").exists()

    with postgres_server() as url:
        monkeypatch.setenv("TLCOURSE_GRADEBOOK_URL", url)
        start = time.perf_counter()
        pg_grades = grade_demo_class(tmp_path / "postgres")
        print(f"demo class graded into PostgreSQL in {time.perf_counter() - start:.0f} s")
        assert not (tmp_path / "postgres" / "gradebook.db").exists(), "nbgrader fell back to SQLite"

        from nbgrader.api import Gradebook

        with Gradebook(with_installed_driver(url), course_id()) as gb:    # read back from the server itself
            from_server = {(s.student.id, FOOD): (s.score, s.max_score)
                           for s in gb.find_assignment(FOOD).submissions}

    assert pg_grades == sqlite_grades
    assert {k: v for k, v in from_server.items()} == {k: v for k, v in sqlite_grades.items() if k[1] == FOOD}
    assert sqlite_grades[("reference", FOOD)] == (10, 10)
