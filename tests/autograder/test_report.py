"""Do the score table and the run summary say what was graded and what failed?"""

import math

from autograder.autograde import GradingRun
from autograder.report import failures, read_grades, score_table, summary

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

