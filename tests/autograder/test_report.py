"""Do the score table and the run summary say what was graded and what failed?"""

import math

from autograder.autograde import GradingRun
from autograder.course import ROOT, copy_course
from autograder.gradebook_records import open_gradebook
from autograder.nbgrader_cli import environment
from autograder.report import (failures, read_grades, recorded_submissions, score_table, submission_points,
                               summary)

GRADES = {("reference", "01_concepts"): (10.0, 10.0), ("blank", "01_concepts"): (0.0, 10.0),
          ("reference", "02_foodvision_head"): (10.0, 10.0)}
ASSIGNMENTS = [("01_concepts", True), ("02_foodvision_head", True), ("05_next_term", False)]


def test_the_score_table_has_a_row_per_student_and_a_column_per_assignment():
    table = score_table(GRADES, ["reference", "blank"], ASSIGNMENTS)
    assert list(table.index) == ["reference", "blank"]
    assert list(table.columns) == ["01_concepts", "02_foodvision_head", "05_next_term"]
    assert table.loc["reference", "01_concepts"] == "10/10"
    assert table.loc["blank", "01_concepts"] == "0/10"
    assert table.loc["blank", "02_foodvision_head"] == "0/nan", "no grade recorded: not a silent 0/10"
    assert set(table["05_next_term"]) == {"-"}, "an assignment without content shows '-'"
    assert table.to_string().splitlines()[0].split() == ["student", *table.columns]


def test_the_summary_counts_the_failures_and_names_each_reason():
    runs = [GradingRun("a", "01_concepts", True, 10.0), GradingRun("b", "01_concepts", False, 20.0, "NotJSONError: x")]
    text = summary(runs, wall=25.0)
    assert text.splitlines()[0] == "2 submissions in 25.0 s (15.0 s each on average), 1 failed"
    assert text.splitlines()[1:] == failures(runs) == ["  b / 01_concepts: NotJSONError: x"]


def test_exported_grades_are_read_as_score_and_maximum(tmp_path):
    csv = tmp_path / "grades.csv"
    csv.write_text("assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
                   "late_submission_penalty,score,max_score\n"
                   "01_concepts,,2026-01-01,reference,,,,10.0,0.0,10.0,10.0\n"
                   "01_concepts,,2026-01-01,blank,,,,0.0,0.0,0.0,10.0\n")
    grades = read_grades(csv)
    assert grades == {("reference", "01_concepts"): (10.0, 10.0), ("blank", "01_concepts"): (0.0, 10.0)}
    assert not any(math.isnan(v) for pair in grades.values() for v in pair)



def test_a_recorded_submissions_points_are_what_nbgrader_scores_it(tmp_path, monkeypatch):
    # a real gradebook: two notebooks, a cell an instructor regraded by hand, one autograded,
    # one never graded; nbgrader's own score of the submission is the yardstick
    monkeypatch.setenv("PATH", environment()["PATH"])  # a new gradebook runs nbgrader's alembic
    course = copy_course(ROOT, tmp_path / "course")
    with open_gradebook(course) as gb:
        gb.add_assignment("a1")
        for notebook, cells in {"one": {"t1": 2, "t2": 3}, "two": {"t3": 4}}.items():
            gb.add_notebook(notebook, "a1")
            for cell, points in cells.items():
                gb.add_grade_cell(cell, notebook, "a1", max_score=points, cell_type="code")
        gb.add_student("s")
        gb.add_submission("a1", "s")
        regraded = gb.find_grade("t1", "one", "a1", "s")
        regraded.auto_score, regraded.manual_score = 2, 0.5
        gb.find_grade("t2", "one", "a1", "s").auto_score = 3
        gb.db.commit()
        nbgraders_score = gb.find_submission("a1", "s").score
    records = recorded_submissions(course, [("s", "a1"), ("nobody", "a1")])
    assert submission_points(records[("s", "a1")]) == nbgraders_score == 3.5, (
        "the manual score replaces the automatic one; a cell never graded counts 0")
    assert submission_points(records[("nobody", "a1")]) == 0, "no submission recorded: no points"


def test_export_lines_do_not_depend_on_the_order_nbgrader_recorded_rows(tmp_path):
    from autograder.report import export_lines

    header = "assignment,duedate,timestamp,student_id"
    (tmp_path / "a.csv").write_text(f"{header}\n02,,,bob\n01,,,amy\n")
    (tmp_path / "b.csv").write_text(f"{header}\n01,,,amy\n02,,,bob\n")
    assert export_lines(tmp_path / "a.csv") == export_lines(tmp_path / "b.csv")
    assert len(export_lines(tmp_path / "a.csv")) == 3
