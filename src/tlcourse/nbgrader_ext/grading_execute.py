"""Execution for grading: nbgrader's Execute on limited kernels, with capped output, reporting dead kernels."""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer

from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An ``error`` output: nbgrader scores a graded cell that has one 0."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class GradingExecute(Execute):
    """nbgrader's Execute with limited kernels, a cap on output and a report of a dead kernel.

    - Kernels come from ``SandboxedKernelManager`` (a sandbox each, with limits).
    - A cell's outputs stop being recorded after ``max_output_bytes`` (a note says so);
      error outputs are always kept, so a failing cell still fails.
    - When the kernel dies (``os._exit``, a crash, the CPU limit), the cell it died in
      and every later cell get an error output that says so, and grading goes on: the
      cells that ran before keep their points.
    """

    max_output_bytes = Integer(1_000_000, help="recorded output per cell, in bytes").tag(config=True)
    # An interrupted cell may stay silent a while (torch code in C): wait, don't abort the notebook.
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    error_on_timeout = Dict(default_value={
        "ename": "CellTimeoutError",
        "evalue": "the cell ran past the per-cell time limit and was interrupted",
        "traceback": ["CellTimeoutError: the cell ran past the per-cell time limit "
                      "(Execute.timeout) and was interrupted"],
    }).tag(config=True)

    def __init__(self, **kw):
        kw.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kw)

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._output_bytes: dict[int, int] = {}
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died_in is not None:
            cell.outputs = [error_output(
                "KernelDied", f"not run: the kernel stopped in cell {self._died_in} "
                "(os._exit, a crash or the kernel's CPU limit)")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            cell.outputs.append(error_output(
                "CellTimeoutError", "the cell ran past the per-cell time limit and did not stop "
                "when interrupted"))
            self.log.error("Cell %s timed out; grading goes on with the next cell", index)
            return cell, self.resources
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(error_output(
                "KernelDied", "the kernel stopped while running this cell (os._exit, a crash, "
                "or the kernel's CPU limit); later cells were not run"))
            self.log.error("Kernel died in cell %s; later cells are marked as not run", index)
            return cell, self.resources

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] != "error":
            size = _message_size(msg["content"])
            used = self._output_bytes.get(cell_index, 0)
            self._output_bytes[cell_index] = used + size
            if used + size > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    outs.append(NotebookNode(
                        output_type="stream", name="stdout",
                        text=f"\n... output truncated: this cell printed more than "
                             f"{self.max_output_bytes:,} bytes ...\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)


def _message_size(content: dict) -> int:
    """Rough size of an output message's payload in characters."""
    if "text" in content:
        return len(content["text"])
    return sum(len(str(value)) for value in (content.get("data") or {}).values())
