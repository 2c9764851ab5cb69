"""Which gradebook the course uses: nbgrader's SQLite file with a lock wait, or a server."""

from pathlib import Path

from tlcourse.gradebook import SQLITE_LOCK_WAIT, gradebook_url, sqlite_url, with_installed_driver


def test_a_plain_postgresql_url_names_the_installed_driver():
    try:
        import psycopg  # noqa: F401
        expected = "postgresql://grader@db/course"
    except ImportError:
        expected = "postgresql+psycopg2://grader@db/course"
    assert with_installed_driver("postgresql://grader@db/course") == expected
    assert with_installed_driver("sqlite:///gradebook.db") == "sqlite:///gradebook.db"
    assert with_installed_driver("postgresql+psycopg2://g@h/d") == "postgresql+psycopg2://g@h/d"


def test_without_a_server_the_gradebook_is_the_course_folders_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.delenv("TLCOURSE_GRADEBOOK_URL", raising=False)
    assert gradebook_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}?timeout=120"


def test_graders_wait_for_sqlites_write_lock(tmp_path):
    assert SQLITE_LOCK_WAIT == 120
    assert sqlite_url(Path("relative.db")).endswith(f"relative.db?timeout={SQLITE_LOCK_WAIT}")
    assert sqlite_url(Path("relative.db")).startswith("sqlite:////")      # an absolute path


def test_a_server_named_in_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_GRADEBOOK_URL", "postgresql://grader@db/course")
    assert gradebook_url(tmp_path) == with_installed_driver("postgresql://grader@db/course")
    assert gradebook_url(tmp_path).endswith("grader@db/course")


def test_nbgrader_config_uses_the_same_gradebook(monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.course import CONFIG_FILE, ROOT

    monkeypatch.delenv("TLCOURSE_GRADEBOOK_URL", raising=False)
    config = PyFileConfigLoader(CONFIG_FILE, path=str(ROOT)).load_config()   # as nbgrader loads it
    assert config.CourseDirectory.db_url == gradebook_url(ROOT)
