"""Does the students' nbgrader config name the course and its exchange, and never clobber a file?"""

import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import ROOT, course_id
from autograder.student_config import main, student_config, write_student_config
from tlcourse.exchange import EXCHANGE_VARIABLE, exchange_root


def load(path):
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()   # as nbgrader loads it


def test_it_names_the_course_id_and_the_exchange_nbgrader_config_uses(tmp_path, monkeypatch):
    monkeypatch.setenv(EXCHANGE_VARIABLE, str(tmp_path / "shared"))
    config = load(write_student_config(tmp_path / "home" / ".jupyter" / "nbgrader_config.py"))
    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.course_id == course.CourseDirectory.course_id == course_id()
    assert config.Exchange.root == course.Exchange.root == str(tmp_path / "shared")
    assert set(config) == {"CourseDirectory", "Exchange"}          # nothing of the graders'


def test_an_existing_different_file_is_left_alone_with_what_to_add(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(EXCHANGE_VARIABLE, raising=False)
    path = tmp_path / "nbgrader_config.py"
    path.write_text("c = get_config()\nc.Exchange.timezone = 'Europe/Paris'\n")
    with pytest.raises(FileExistsError, match="add these lines"):
        write_student_config(path)
    assert main(["--write", str(path)]) == 1
    assert str(exchange_root(ROOT)) in capsys.readouterr().err
    assert "Europe/Paris" in path.read_text()
    path.write_text(student_config())
    assert main(["--write", str(path)]) == 0                      # the same text: fine


def test_without_write_it_prints_the_config(monkeypatch, capsys):
    monkeypatch.delenv(EXCHANGE_VARIABLE, raising=False)
    assert main([]) == 0
    assert capsys.readouterr().out == student_config()
