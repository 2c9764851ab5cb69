"""The course's two JupyterLab sessions: students' (``make lab``) and instructors' (``make formgrader``).

``student``: JupyterLab on ``notebooks/`` without nbgrader's instructor panels (Create
Assignment, Formgrader, Course List: their lab plugins and server extensions are off); the
student's Assignment List and Validate stay, the Assignment List reading the course's exchange
(``tlcourse.exchange``) under the course id. Both sessions run in the course directory, as
``make lab`` always did, so Validate judges with the course's own ``nbgrader_config.py``.

``instructor``: JupyterLab on the course directory, opening formgrader, with every nbgrader
panel on; formgrader reads the course's ``nbgrader_config.py`` (gradebook, exchange).

Each session gets a Jupyter config folder of its own, ``build/jupyter/<session>/``, put first on
``JUPYTER_CONFIG_PATH`` for that process only: the user's own Jupyter settings stay as they are.

    python -m autograder.lab student|instructor [jupyter lab options...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.course import ROOT
from autograder.nbgrader_cli import environment as with_this_environment
from autograder.student_config import student_config

#: nbgrader's JupyterLab plugins and server extensions that are for instructors only.
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                      "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list")
#: What students keep: the Assignment List (fetch, submit, feedback) and Validate.
STUDENT_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment",
                   "@jupyter/nbgrader:menu")
STUDENT_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",
                             "nbgrader.server_extensions.validate_assignment")
#: Where the sessions' config folders are written (git-ignored).
CONFIG_HOME = Path("build") / "jupyter"
SESSIONS = ("student", "instructor")


@dataclass(frozen=True)
class LabSession:
    """One JupyterLab session: what it serves (``root``; it runs in ``course_dir``), its own
    config folder, the page it opens."""

    name: str
    course_dir: Path
    root: Path
    default_url: str
    for_instructors: bool

    @property
    def config_dir(self) -> Path:
        return self.course_dir / CONFIG_HOME / self.name

    def write_config(self) -> Path:
        """Write the session's Jupyter config folder (server extensions, lab plugins, nbgrader)."""
        on = self.for_instructors
        extensions = {**{e: True for e in STUDENT_SERVER_EXTENSIONS},
                      **{e: on for e in INSTRUCTOR_SERVER_EXTENSIONS}}
        plugins = {**{p: False for p in STUDENT_PLUGINS}, **{p: not on for p in INSTRUCTOR_PLUGINS}}
        folder = self.config_dir
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        _write_json(folder / "jupyter_server_config.json",
                    {"ServerApp": {"jpserver_extensions": extensions}})
        _write_json(folder / "labconfig" / "page_config.json", {"disabledExtensions": plugins})
        nbgrader_config = folder / "nbgrader_config.py"
        if on:  # formgrader reads the course's own nbgrader_config.py
            nbgrader_config.unlink(missing_ok=True)
        else:  # the Assignment List: the course's exchange, and what it fetches lands in root
            nbgrader_config.write_text(student_config(self.course_dir)
                                       + f"c.Exchange.assignment_dir = {str(self.root)!r}\n")
        return folder

    def command(self, *extra: str) -> list[str]:
        """``jupyter lab`` on this session's folder, opening its page; ``extra`` options appended."""
        command = [str(Path(sys.executable).with_name("jupyter")), "lab",
                   f"--ServerApp.root_dir={self.root}", f"--LabApp.default_url={self.default_url}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
            command.append("--allow-root")
        return command + list(extra)

    def environment(self) -> dict[str, str]:
        """This process's environment with the session's config folder first on
        JUPYTER_CONFIG_PATH and this interpreter's bin folder first on PATH (formgrader runs
        nbgrader's ``alembic`` by name)."""
        paths = (str(self.config_dir), os.environ.get("JUPYTER_CONFIG_PATH", ""))
        return with_this_environment({"JUPYTER_CONFIG_PATH": os.pathsep.join(p for p in paths if p)})


def session(name: str, course_dir: Path = ROOT) -> LabSession:
    """The ``student`` or ``instructor`` session of the course in ``course_dir``."""
    course_dir = Path(course_dir).resolve()
    if name == "student":
        return LabSession(name, course_dir, course_dir / "notebooks", "/lab", for_instructors=False)
    if name == "instructor":
        return LabSession(name, course_dir, course_dir, "/formgrader", for_instructors=True)
    raise ValueError(f"unknown session {name!r}: choose one of {', '.join(SESSIONS)}")


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.lab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("session", choices=SESSIONS)
    args, extra = parser.parse_known_args(argv)
    lab = session(args.session)
    lab.write_config()
    command = lab.command(*extra)
    print(f"+ {' '.join(command)}   (Jupyter config: {lab.config_dir})", flush=True)
    os.chdir(lab.course_dir)
    os.execve(command[0], command, lab.environment())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
