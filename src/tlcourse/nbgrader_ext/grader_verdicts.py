"""Verdicts decided in the grader: test cells whose hidden part exports evidence are judged here.

Student code runs in the same kernel as the tests, so code that runs earlier can skip or bend
an assert there (a trace function jumping over it, an input transformer, a profile hook that
re-patches the freshly imported checks). For the test cells listed in
``tlcourse.checks.verdicts``, the hidden part only exports plain data (``tlcourse.evidence``); right
after execution ``DecideInGrader`` takes that cell's evidence out of the notebook and decides, in
nbgrader's own process, which never runs student code:

- every evidence output is removed from every cell (a forged one shown by another cell counts
  for nothing);
- a listed cell that already failed in the kernel (its visible check, a dead kernel) keeps that
  failure;
- otherwise it needs exactly one evidence output, for its own grade id, in the course's format and
  within the caps (``tlcourse.evidence.read_evidence``: JSON and tensors read with
  ``torch.load(weights_only=True)``); else it scores 0 with the reason (``EvidenceRejected``);
- the cell's verdict function runs on that data: if it fails, the cell's outputs become an error
  output with the check's message (nbgrader scores 0, the feedback says why); if it passes, the
  visible outputs stay.
"""

from __future__ import annotations

import contextlib
import io

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor

from tlcourse.checks.base import CheckFailed, GradingError
from tlcourse.checks.verdicts import verdict_for
from tlcourse.evidence_format import EvidenceRejected, evidence_outputs
from tlcourse.nbgrader_ext.grading_execute import error_output

#: Said with every verdict reached here, so the student knows where it was decided.
DECIDED_HERE = ("(Decided by the grader, outside your notebook's kernel, from what this test cell "
                "exported.)")


class DecideInGrader(Preprocessor):
    """After execution: decide the listed test cells on their exported evidence."""

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            claimed = evidence_outputs(cell.get("outputs", []))
            cell.outputs = [o for o in cell.outputs if all(o is not c for c in claimed)]
            meta = cell.metadata.get("nbgrader", {})
            verdict = verdict_for(assignment, meta.get("grade_id", "")) if meta.get("grade") else None
            if verdict is not None:
                self._decide(cell, meta["grade_id"], claimed, verdict)
        return nb, resources

    def _decide(self, cell, cell_id: str, claimed: list, verdict) -> None:
        if any(o.get("output_type") == "error" for o in cell.outputs):
            return                                   # it failed in the kernel: that stands
        printed = io.StringIO()
        try:
            if len(claimed) != 1:
                raise EvidenceRejected(
                    "no evidence: the hidden test did not run to its end" if not claimed else
                    f"{len(claimed)} evidence outputs where the hidden test shows exactly one: code in "
                    "this notebook displayed evidence of its own")
            from tlcourse.evidence import read_evidence   # torch: only where a cell is decided here

            evidence = read_evidence(claimed[0], cell_id)
            with contextlib.redirect_stdout(printed):
                verdict(evidence)
        except EvidenceRejected as exc:              # missing or malformed, found reading or deciding
            self.log.warning("Evidence of %s rejected: %s", cell_id, exc)
            cell.outputs = [error_output("EvidenceRejected", f"{exc}. This test is decided from what the "
                                         "hidden test exports, so it scores 0; run the notebook from the top "
                                         f"and ask your instructor if this stays. {DECIDED_HERE}")]
            return
        except CheckFailed as exc:
            cell.outputs = [error_output("CheckFailed", f"{exc}\n{DECIDED_HERE}")]
            return
        except GradingError as exc:
            cell.outputs = [error_output("GradingError", str(exc))]
            return
        except Exception as exc:  # noqa: BLE001 - a verdict's own fault is never the student's
            cell.outputs = [error_output("GradingError", f"Grading error: the verdict of {cell_id} could not "
                                         f"run ({type(exc).__name__}: {exc}); tell your instructor.")]
            return
        shown = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        notes = [line for line in printed.getvalue().splitlines(keepends=True) if line.strip() not in shown]
        if notes:
            cell.outputs.append(_stdout("".join(notes)))


def _stdout(text: str):
    return new_output("stream", name="stdout", text=text)
