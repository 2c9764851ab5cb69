"""Where the course's nbgrader exchange is: inside the course, or where TLCOURSE_EXCHANGE says."""

from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from autograder.course import CONFIG_FILE, ROOT, copy_course
from autograder.nbgrader_cli import nbgrader
from tlcourse.exchange import EXCHANGE_VARIABLE, exchange_root


def test_by_default_the_exchange_is_a_folder_of_the_course(tmp_path, monkeypatch):
    monkeypatch.delenv(EXCHANGE_VARIABLE, raising=False)
    assert exchange_root(tmp_path) == tmp_path / "exchange"
    assert exchange_root(Path("relative/course")).is_absolute()


def test_the_environment_names_another_exchange(tmp_path, monkeypatch):
    monkeypatch.setenv(EXCHANGE_VARIABLE, "/srv/nbgrader/exchange")
    assert exchange_root(tmp_path) == Path("/srv/nbgrader/exchange")
    monkeypatch.setenv(EXCHANGE_VARIABLE, "shared/exchange")         # relative: from the course
    assert exchange_root(tmp_path) == tmp_path / "shared" / "exchange"
    monkeypatch.setenv(EXCHANGE_VARIABLE, "  ")                      # empty: the default
    assert exchange_root(tmp_path) == tmp_path / "exchange"


def test_nbgrader_config_uses_the_same_exchange(tmp_path, monkeypatch):
    for value, expected in ((None, ROOT / "exchange"), (str(tmp_path), tmp_path)):
        if value is None:
            monkeypatch.delenv(EXCHANGE_VARIABLE, raising=False)
        else:
            monkeypatch.setenv(EXCHANGE_VARIABLE, value)
        config = PyFileConfigLoader(CONFIG_FILE, path=str(ROOT)).load_config()   # as nbgrader loads it
        assert config.Exchange.root == str(expected)


def test_real_nbgrader_looks_in_the_course_exchange_not_in_usr_local(tmp_path, monkeypatch):
    monkeypatch.delenv(EXCHANGE_VARIABLE, raising=False)
    course = copy_course(ROOT, tmp_path / "course")
    result = nbgrader(course, "list", check=False, timeout=120)
    assert result.returncode != 0                                 # nothing released yet
    log = result.stdout + result.stderr
    assert str(course / "exchange") in log and "/usr/local/share/nbgrader" not in log
