"""Where the nbgrader exchange lives: the one rule that picks the exchange folder of the course.

nbgrader moves assignments and feedback between instructor and students through an exchange
folder (release_assignment, fetch_assignment, submit, collect, release_feedback,
fetch_feedback, list). nbgrader's default, ``/usr/local/share/nbgrader/exchange``, does not
exist on a fresh machine and, as root, is created system-wide. The course uses
``<course>/exchange`` instead, or the folder named by ``TLCOURSE_EXCHANGE`` (for several users
on one machine: a shared folder outside the course, see README). nbgrader_config.py, the
students' configuration and the lab sessions ask ``exchange_root``; nothing else spells it.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The environment variable that names another exchange folder.
EXCHANGE_VARIABLE = "TLCOURSE_EXCHANGE"
#: The exchange folder's name inside the course directory.
EXCHANGE_FOLDER = "exchange"


def exchange_root(course_dir: Path) -> Path:
    """The exchange of the course in ``course_dir``: ``$TLCOURSE_EXCHANGE`` if set (a relative
    path is taken from ``course_dir``), else ``course_dir/exchange``; an absolute path."""
    named = os.environ.get(EXCHANGE_VARIABLE, "").strip()
    folder = Path(course_dir) / (Path(named).expanduser() if named else EXCHANGE_FOLDER)
    return Path(os.path.abspath(folder))
