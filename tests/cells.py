"""Cell and notebook factories for tests (in the style of nbgrader's own tests)."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output


def nbgrader_meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def create_grade_cell(source: str, grade_id: str = "tests", points: float = 1, outputs=()):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata.update(nbgrader_meta(grade_id, grade=True, locked=True, points=points))
    return cell


def stream(name: str, text: str):
    return new_output("stream", name=name, text=text)


def error(ename: str = "AssertionError", evalue: str = "wrong"):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def notebook(*cells):
    return new_notebook(cells=list(cells))


def source_solution(assignment: str, grade_id: str) -> str:
    """The instructor's solution of one answer cell, as a student who solved it would leave it."""
    import nbformat

    from autograder.course import Assignment
    from autograder.submissions import answer_cells, solution_code

    [path] = Assignment(assignment, "").notebooks
    return solution_code(answer_cells(nbformat.read(path, as_version=4))[grade_id].source)


def max_points(assignment: str) -> float:
    """The points an assignment's source offers, hand-graded answers included (its autograded part:
    ``tests.corpus.build.graded_test_cells``)."""
    import nbformat

    from autograder.course import Assignment

    return sum(float(cell.metadata["nbgrader"].get("points", 0))
               for path in Assignment(assignment, "").notebooks
               for cell in nbformat.read(path, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("grade"))
