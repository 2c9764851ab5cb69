"""Does grading execution cap a flood of output and grade on after the kernel dies?"""

from nbformat.v4 import new_code_cell
from nbgrader.utils import determine_grade

from tests.cells import create_grade_cell, notebook
from tlcourse.nbgrader_ext.grading_execute import GradingExecute, error_output
from tlcourse.nbgrader_ext.kernel_limits import LimitedKernelManager
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
