"""Where the gradebook lives: the one rule that picks the nbgrader gradebook URL.

nbgrader_config.py and every grading tool ask ``gradebook_url``; nothing else
spells a gradebook address. By default the gradebook is nbgrader's SQLite file in
the course directory, opened with a lock wait so that several graders queue for
the write lock instead of failing with "database is locked". With
``TLCOURSE_GRADEBOOK_URL`` set (e.g. ``postgresql://grader@localhost/tlcourse``)
it is that server database, spelled for the installed PostgreSQL driver.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The environment variable that names a server gradebook.
GRADEBOOK_URL_VARIABLE = "TLCOURSE_GRADEBOOK_URL"
#: Seconds a grader waits for SQLite's write lock.
SQLITE_LOCK_WAIT = 120
#: nbgrader's gradebook file name inside a course directory.
SQLITE_FILE = "gradebook.db"


def gradebook_url(course_dir: Path) -> str:
    """The gradebook of the course in ``course_dir``: the server named by
    ``TLCOURSE_GRADEBOOK_URL``, else ``course_dir/gradebook.db``."""
    server = os.environ.get(GRADEBOOK_URL_VARIABLE)
    if server:
        return with_installed_driver(server)
    return sqlite_url(Path(course_dir) / SQLITE_FILE)


def sqlite_url(path: Path) -> str:
    """An SQLite gradebook file as a URL whose connections wait for the write lock."""
    return f"sqlite:///{Path(path).resolve()}?timeout={SQLITE_LOCK_WAIT}"


def with_installed_driver(url: str) -> str:
    """``url`` as SQLAlchemy can open it with the installed PostgreSQL driver.

    SQLAlchemy 2.1 reads a plain ``postgresql://`` URL as "use psycopg 3"; where only
    psycopg2 is installed the URL names it explicitly. Other URLs pass unchanged.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            try:
                import psycopg  # noqa: F401 - psycopg 3 is SQLAlchemy's default driver
            except ImportError:
                return "postgresql+psycopg2://" + url[len(scheme):]
            return url
    return url
