"""Does Run All stop at the first unanswered exercise with a message naming it?"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbclient import NotebookClient
from nbgrader.preprocessors import ClearSolutions

from tests.cells import nbgrader_meta, notebook
from tlcourse.nbgrader_ext.exercise_stub import STUB_RAISE, NameExerciseStubs, exercise_label, stub_message

ROOT = Path(__file__).resolve().parents[2]


def solution_cell(source: str, grade_id: str):
    cell = new_code_cell(source)
    cell.metadata.update(nbgrader_meta(grade_id, solution=True))
    return cell


def student_version(nb):
    """nbgrader's ClearSolutions, then ours, as generate_assignment runs them."""
    nb, resources = ClearSolutions().preprocess(nb, {})
    return NameExerciseStubs().preprocess(nb, resources)[0]


def test_run_all_stops_at_the_first_exercise_saying_which_and_what_to_do(tmp_path):
    nb = student_version(notebook(
        new_code_cell("x = 1"),
        new_markdown_cell("### Exercise 1 (2 points): freeze the `base`\nFreeze it."),
        solution_cell("### BEGIN SOLUTION\nfrozen = True\n### END SOLUTION", "ex1_freeze"),
        new_markdown_cell("### Exercise 2 (1 point): count\nCount."),
        solution_cell("### BEGIN SOLUTION\ncount = 3\n### END SOLUTION", "ex2_count"),
    ))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except Exception as exc:  # nbclient's CellExecutionError: Run All stopped
        stopped = exc
    else:
        raise AssertionError("Run All went past an unanswered exercise")
    assert "Exercise 1 (freeze the base)" in str(stopped)
    (error,) = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    assert error.ename == "NotImplementedError"  # what the tests of an unanswered cell saw before
    assert error.evalue == ("Exercise 1 (freeze the base): write your answer in place of this line, "
                            "then run the cell again.")
    assert len(error.traceback) <= 4, "\n".join(error.traceback)  # the cell's line and the message
    assert nb.cells[4].outputs == []  # stopped there


def test_a_stub_inside_a_function_keeps_its_indentation_and_a_cell_without_heading_uses_its_id():
    nb = student_version(notebook(
        solution_cell("def f(n):\n    ### BEGIN SOLUTION\n    return n\n    ### END SOLUTION", "ex_f"),
    ))
    source = nb.cells[0].source
    assert STUB_RAISE not in source
    assert f"    raise NotImplementedError({stub_message('Exercise ex_f')!r})" in source
    namespace = {}
    exec(compile(source, "cell", "exec"), namespace)  # noqa: S102 - the stub the student sees
    try:
        namespace["f"](1)
    except NotImplementedError as exc:
        assert str(exc).startswith("Exercise ex_f: write your answer")
    else:
        raise AssertionError("the stub did not raise")


def test_labels_from_headings():
    assert exercise_label("## 3. Text\n\n### Exercise 3 (6 points): `choose_strategy`\n", "ex3") == \
        "Exercise 3 (choose_strategy)"
    assert exercise_label("### Exercise 4\nno title", "ex4") == "Exercise 4"
    assert exercise_label(None, "ex9") == "Exercise ex9"


def test_every_built_student_notebook_names_each_exercise_in_its_stub():
    for path in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        nb = json.loads(path.read_text("utf-8"))
        stubs = 0
        for cell in nb["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and meta.get("solution"):
                assert STUB_RAISE not in source, f"{path.name} {meta['grade_id']}: bare stub"
                assert "raise NotImplementedError('Exercise " in source, f"{path.name} {meta['grade_id']}"
                stubs += 1
        assert stubs >= 2, path
