"""Does grading execution cap a flood of output and grade on after the kernel dies?"""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from autograder.autograde import autograde_one
from autograder.classroom import prepare_course
from autograder.course import course_id
from autograder.submissions import Student

from tests.cells import create_grade_cell, notebook, source_solution
from tlcourse.gradebook import gradebook_url
from tlcourse.nbgrader_ext.grading_execute import GradingExecute, error_output
from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager
from tlcourse.nbgrader_ext.sandbox_support import NO_SANDBOX_VARIABLE
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager


def run(tmp_path, *cells, **settings):
    nb = notebook(*cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb, _ = GradingExecute(timeout=120, **settings).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb.cells


def texts(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_an_error_output_scores_a_graded_cell_0():
    cell = create_grade_cell("check()", points=2, outputs=[error_output("KernelDied", "gone")])
    assert determine_grade(cell) == (0, 2)


def test_kernels_come_with_limits():
    # The sandboxed kernels keep LimitedKernelManager's per-process limits inside the sandbox.
    assert issubclass(GradingExecute().kernel_manager_class, LimitedKernelManager)
    assert GradingExecute().kernel_manager_class is SandboxedKernelManager


def test_a_students_atexit_code_never_runs_after_the_last_cell(tmp_path, monkeypatch):
    # The kernel is killed once its last cell is done (a graceful shutdown would run the handler,
    # and wait seconds for a kernel that imported torch). Unsandboxed: the marker must land here.
    monkeypatch.setenv(NO_SANDBOX_VARIABLE, "1")
    marker = tmp_path / "atexit.marker"
    [cell] = run(tmp_path, new_code_cell(
        f"import atexit\natexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\nprint('registered')"))
    assert texts(cell) == "registered\n"
    assert not marker.exists(), "the student's atexit handler ran after grading"


def test_output_past_the_cap_is_dropped_with_a_note_and_errors_are_kept(tmp_path):
    flood_code = "print('x' * 400, flush=True)\nprint('y' * 4000, flush=True)\n1 / 0"
    flood, after = run(tmp_path, new_code_cell(flood_code), new_code_cell("print('next cell')"),
                       max_output_bytes=1000)
    assert "x" * 400 in texts(flood) and "y" * 100 not in texts(flood)
    assert "output truncated: this cell printed more than 1,000 bytes" in texts(flood)
    assert [o.ename for o in flood.outputs if o.output_type == "error"] == ["ZeroDivisionError"]
    assert texts(after) == "next cell\n", "the cap is per cell"


def test_a_dead_kernel_costs_its_cell_and_the_later_ones_not_the_earlier(tmp_path):
    before, dies, later = run(tmp_path, create_grade_cell("print('fine')", grade_id="a"),
                              create_grade_cell("import os\nos._exit(1)", grade_id="b"),
                              create_grade_cell("print('never')", grade_id="c"))
    assert texts(before) == "fine\n" and determine_grade(before) == (1, 1)
    assert [o.ename for o in dies.outputs if o.output_type == "error"] == ["KernelDied"]
    assert "not run: the kernel stopped in cell 1" in later.outputs[0].evalue
    assert determine_grade(dies) == determine_grade(later) == (0, 1)


FLOODS = {  # each sends about 2 MB through one kind of message
    "stream": "print('s' * 2_000_000)",
    "display_data": "from IPython.display import display\ndisplay({'text/plain': 'd' * 2_000_000}, raw=True)",
    "execute_result": "'r' * 2_000_000",
    # 40 small displays, each then rewritten with 50 kB: only the updates are big
    "update_display_data": ("from IPython.display import display\n"
                            "handles = [display('small', display_id=True) for _ in range(40)]\n"
                            "for h in handles:\n    h.update('u' * 50_000)"),
    "error": "raise type('E' * 100_000, (Exception,), {})('v' * 2_000_000)",
}


def test_every_kind_of_output_is_capped_per_cell_and_per_notebook(tmp_path):
    honest = [create_grade_cell(f"print('honest {i}')", grade_id=f"honest{i}") for i in range(2)]
    floods = [new_code_cell(code) for code in FLOODS.values()]
    cells = run(tmp_path, honest[0], *floods, honest[1],
                max_output_bytes=100_000, max_notebook_output_bytes=300_000, max_error_bytes=5_000)
    first, *flooded, last = cells
    size = len(json.dumps([c.outputs for c in cells]))
    assert size < 300_000 + 20_000, f"{size:,} bytes of output recorded"
    assert determine_grade(first) == determine_grade(last) == (1, 1), "honest cells keep their points"
    for kind, cell in zip(FLOODS, flooded):
        assert len(json.dumps(cell.outputs)) < 100_000 + 20_000, kind
        if kind != "error":
            assert "output truncated" in texts(cell), f"no note in the cell that flooded {kind}"
    [error] = [o for o in flooded[-1].outputs if o.output_type == "error"]
    assert error.ename.startswith("EEEE") and error.ename.endswith("(cut at 5,000 bytes)")
    assert error.evalue.startswith("vvvv") and error.evalue.endswith("(cut at 5,000 bytes)")
    assert len(error.ename) < 5_100 and len(error.evalue) < 5_100
    assert sum(map(len, error.traceback)) < 5_000 + 200
    assert determine_grade(create_grade_cell("", outputs=flooded[-1].outputs)) == (0, 1), "the error still fails"


def test_an_update_counts_once_for_every_output_it_rewrites(tmp_path):
    # Each update is small, but rewrites the display shown in 30 places.
    code = ("from IPython.display import display\nh = display('a', display_id=True)\n"
            "for _ in range(29):\n    display('a', display_id=h.display_id)\n"
            "h.update('u' * 10_000)")
    [cell] = run(tmp_path, new_code_cell(code), max_output_bytes=100_000)
    assert "output truncated" in texts(cell)
    assert len(json.dumps(cell.outputs)) < 100_000


CONCEPT_ANSWERS = {  # the solutions, each followed by floods of output
    "ex1_freeze": f"{FLOODS['stream']}\n{FLOODS['display_data']}",
    "ex2_counts": f"{FLOODS['update_display_data']}\n{FLOODS['execute_result']}",
    "ex3_choose_strategy": FLOODS["error"],
}


@pytest.mark.slow
def test_nbgrader_records_a_flooding_notebook_under_the_cap_and_grades_it_like_the_reference(tmp_path):
    concepts = "01_concepts"
    answers = {grade_id: source_solution(concepts, grade_id) + "\n" + flood
               for grade_id, flood in CONCEPT_ANSWERS.items()}
    course = prepare_course(tmp_path / "course", [Student("reference"),
                                                  Student("flood", edits={concepts: answers})])
    cap = "--GradingExecute.max_notebook_output_bytes=1500000"
    runs = [autograde_one(course, concepts, student, cap) for student in ("reference", "flood")]
    assert all(run.ok for run in runs), [run.reason for run in runs]
    with Gradebook(gradebook_url(course), course_id(course)) as gb:
        scores = {s: gb.find_submission(concepts, s).score for s in ("reference", "flood")}
    assert scores["flood"] == scores["reference"] > 0, "the honest test cells keep their points"
    graded = course / "autograded" / "flood" / concepts / "concepts.ipynb"
    reference = course / "autograded" / "reference" / concepts / "concepts.ipynb"
    assert graded.stat().st_size < reference.stat().st_size + 1_500_000 + 50_000
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(graded, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notes = {grade_id: texts(answers[grade_id]) for grade_id in CONCEPT_ANSWERS}
    assert "this cell printed more than 1,000,000 bytes" in notes["ex1_freeze"]
    assert "output truncated" in notes["ex2_counts"]
    [error] = [o for o in answers["ex3_choose_strategy"].outputs if o.output_type == "error"]
    assert error.evalue.endswith("(cut at 20,000 bytes)")


EXPORT = "from tlcourse.evidence import export\nexport('{cell}', count={count})"


def test_a_test_cells_evidence_is_kept_after_a_flood_and_only_its_first(tmp_path):
    # The grader decides a test from its evidence: a flood in an answer cell must not drop it.
    from tlcourse.evidence import EVIDENCE_MIME

    flood = new_code_cell("print('f' * 50_000)")
    exported = create_grade_cell(EXPORT.format(cell="t1", count=1) + "\n" + EXPORT.format(cell="t1", count=2),
                                 grade_id="t1")
    answer = new_code_cell(EXPORT.format(cell="t2", count=3))  # not a test cell: no exemption
    _, exported, answer = run(tmp_path, flood, exported, answer,
                              max_output_bytes=100_000, max_notebook_output_bytes=10_000)
    kept = [o for o in exported.outputs if EVIDENCE_MIME in o.get("data", {})]
    assert len(kept) == 1 and '"count"' in json.dumps(kept[0].data[EVIDENCE_MIME])
    assert not [o for o in answer.outputs if EVIDENCE_MIME in o.get("data", {})]
