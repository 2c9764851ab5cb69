"""Execution for grading: nbgrader's Execute on limited kernels, with capped output, reporting dead kernels."""

from __future__ import annotations

import json

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, default

from tlcourse.evidence_format import EVIDENCE_MIME, MAX_EVIDENCE_BYTES
from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager
from tlcourse.nbgrader_ext.warm_kernel import WarmKernelManager, warm_socket

#: The client grading kernels are driven with.
READY_CLIENT = "tlcourse.nbgrader_ext.ready_client.ReadyKernelClient"


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An ``error`` output: nbgrader scores a graded cell that has one 0."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class GradingExecute(Execute):
    """nbgrader's Execute with limited kernels, a cap on output and a report of a dead kernel.

    - Kernels come from ``SandboxedKernelManager`` (a sandbox each, with limits).
    - Output is capped for every message type: a cell's outputs stop being recorded after
      ``max_output_bytes``, the notebook's after ``max_notebook_output_bytes`` (a note in the
      cell says so). Streams, displays, execute results, display updates (which rewrite every
      output of their display id) and widget messages all count. An error output is always
      kept, so a failing cell still fails, but its name, message and traceback are cut to
      ``max_error_bytes``. Likewise a test cell's first evidence output (``tlcourse.evidence``)
      is always kept when it is within ``MAX_EVIDENCE_BYTES`` (the grader rejects a bigger
      one): the grader decides the test from it, and a flood in the student's cells must not
      cost a test the student passed.
    - When the kernel dies (``os._exit``, a crash, the CPU limit), the cell it died in
      and every later cell get an error output that says so, and grading goes on: the
      cells that ran before keep their points.
    - A new kernel is ready as soon as it has answered ``kernel_info`` and published that
      request's idle status (``ReadyKernelClient``), not after 0.2 s of silence on IOPub.
    - After the last cell the kernel is killed, not asked to shut down: every output is in,
      so there is nothing left to wait for (a kernel that imported torch takes seconds to
      exit: jupyter_client waited 2.5 s, then sent SIGTERM), and no code of the student's
      (``atexit``, ``__del__``) runs after grading.
    """

    max_output_bytes = Integer(1_000_000, help="recorded output per cell, in bytes").tag(config=True)
    max_notebook_output_bytes = Integer(
        5_000_000, help="recorded output per notebook, in bytes").tag(config=True)
    max_error_bytes = Integer(
        20_000, help="an error output's name, message and traceback, in bytes each").tag(config=True)
    # An interrupted cell may stay silent a while (torch code in C): wait, don't abort the notebook.
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    error_on_timeout = Dict(default_value={
        "ename": "CellTimeoutError",
        "evalue": "the cell ran past the per-cell time limit and was interrupted",
        "traceback": ["CellTimeoutError: the cell ran past the per-cell time limit "
                      "(Execute.timeout) and was interrupted"],
    }).tag(config=True)

    @default("shutdown_kernel")
    def _kill_after_the_last_cell(self) -> str:
        return "immediate"

    def __init__(self, **kw):
        # a warm worker (autograder.warm_worker) names its warm parent: kernels are forked there
        kw.setdefault("kernel_manager_class", WarmKernelManager if warm_socket() else SandboxedKernelManager)
        super().__init__(**kw)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.client_class = READY_CLIENT
        return km

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._output_bytes: dict[int, int] = {}
        self._notebook_bytes = 0
        self._noted: set[int] = set()
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

    def on_cell_executed(self, **kwargs):
        # nbgrader copies the reply's error into the cell when no output has its name: cut it the
        # same way as the error output, so it is recognised (and, if added, small).
        reply = kwargs.get("execute_reply") or {}
        if reply.get("content", {}).get("status") == "error":
            reply["content"] = capped_error(reply["content"], self.max_error_bytes)
        return super().on_cell_executed(**kwargs)

    def process_message(self, msg, cell, cell_index):
        msg_type, content = msg["msg_type"], msg["content"]
        if msg_type == "error":
            msg = {**msg, "content": capped_error(content, self.max_error_bytes)}
            first = not any(o.get("output_type") == "error" for o in cell.outputs)
            # The cell's first error always stays (cut to size): a failing cell must fail.
            if not self._charge(msg, cell, cell_index, copies=1, note=not first) and not first:
                return None
            return super().process_message(msg, cell, cell_index)
        if self._first_evidence(msg, cell):
            self._charge(msg, cell, cell_index, copies=1, note=False)
            return super().process_message(msg, cell, cell_index)
        if msg_type in ("stream", "display_data", "execute_result", "update_display_data") \
                or (msg_type.startswith("comm") and self.store_widget_state):
            if not self._charge(msg, cell, cell_index, copies=self._copies(msg)):
                if "execution_count" in content:
                    cell["execution_count"] = content["execution_count"]
                return None
        return super().process_message(msg, cell, cell_index)

    @staticmethod
    def _first_evidence(msg, cell) -> bool:
        """Is this a test cell's first evidence output, of a size the grader reads?"""
        if msg["msg_type"] != "display_data" or EVIDENCE_MIME not in (msg["content"].get("data") or {}):
            return False
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution"):
            return False
        if any(EVIDENCE_MIME in (o.get("data") or {}) for o in cell.outputs):
            return False
        # evidence the grader reads, and as much again for the rest of the message at most
        return _message_size(msg["content"]) <= 2 * MAX_EVIDENCE_BYTES

    def _copies(self, msg) -> int:
        """How many outputs a message writes: a display id's update rewrites each of its outputs."""
        transient = msg["content"].get("transient") or {}
        shown = self._display_id_map.get(transient.get("display_id"), {}) if transient else {}
        existing = sum(len(indices) for indices in shown.values())
        return existing + (msg["msg_type"] != "update_display_data")

    def _charge(self, msg, cell, cell_index: int, copies: int, note: bool = True) -> bool:
        """Count a message against its cell's and the notebook's budget; False (and a note in the
        cell, once) when it does not fit and must not be recorded."""
        size = _message_size(msg["content"]) * max(copies, 1)
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        self._notebook_bytes += size
        if used + size <= self.max_output_bytes and self._notebook_bytes <= self.max_notebook_output_bytes:
            return True
        if note and cell_index not in self._noted:
            self._noted.add(cell_index)
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=self._note(used + size)))
        return False

    def _note(self, cell_bytes: int) -> str:
        if cell_bytes > self.max_output_bytes:
            return (f"\n... output truncated: this cell printed more than "
                    f"{self.max_output_bytes:,} bytes ...\n")
        return (f"\n... output truncated: the notebook's outputs passed "
                f"{self.max_notebook_output_bytes:,} bytes ...\n")


def capped_error(content: dict, limit: int) -> dict:
    """An error message's content with its name, message and traceback cut to ``limit`` bytes each
    (the traceback keeps its last lines, where the error was raised)."""
    lines, kept, size = list(content.get("traceback") or []), [], 0
    for line in reversed(lines):
        line = str(line)[:limit]
        if size + len(line) > limit:
            break
        kept.insert(0, line)
        size += len(line)
    if len(kept) < len(lines):
        kept.insert(0, f"... {len(lines) - len(kept)} traceback line(s) left out: the traceback "
                       f"passed {limit:,} bytes ...")
    return {**content, "ename": _cut(str(content.get("ename", "")), limit),
            "evalue": _cut(str(content.get("evalue", "")), limit), "traceback": kept}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" ... (cut at {limit:,} bytes)"


def _message_size(content: dict) -> int:
    """Size of an output message's payload (everything but its transient part) in characters."""
    return len(json.dumps({k: v for k, v in content.items() if k != "transient"}, default=str))
