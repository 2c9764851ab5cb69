"""Stderr is not failure: a warning must never zero a test cell.

nbgrader gives a test cell zero points as soon as it wrote anything to stderr,
even when every assertion passed: a deprecation warning from torch or
torchvision would cost a student full marks. ``StderrIsNotFailure`` runs right
after execution and turns stderr text into ordinary output, so only a raised
exception (an ``error`` output) fails a cell. The text stays visible in the
feedback.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor

STDERR_PREFIX = "[stderr] "


class StderrIsNotFailure(Preprocessor):
    """Turn ``stderr`` stream outputs of code cells into ``stdout`` outputs."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
                output["text"] = _prefix_lines(output.get("text", ""))
        return cell, resources


def _prefix_lines(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(STDERR_PREFIX + line for line in lines)
