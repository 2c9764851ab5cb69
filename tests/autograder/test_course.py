"""Is the course read from nbgrader_config.py, once per course directory?"""

from autograder.course import CONFIG_FILE, ROOT, assignments, copy_course, course_config, course_id


def test_the_course_is_what_nbgrader_config_says():
    assert course_id() == "transfer-learning"
    assert [a.id for a in assignments()][:2] == ["01_concepts", "02_foodvision_head"]


def test_the_configuration_is_read_once_per_directory(tmp_path):
    course = copy_course(ROOT, tmp_path / "course")
    first = course_config(course)
    config = course / CONFIG_FILE
    config.write_text(config.read_text().replace('COURSE_ID = "transfer-learning"', 'COURSE_ID = "changed"'))
    assert course_config(course) is first                       # not executed again
    assert course_config(tmp_path / "course" / ".." / "course") is first   # the same directory
    assert course_id(course) == "transfer-learning"
