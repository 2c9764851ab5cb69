"""Feedback shows what the hidden tests said, not their code.

nbgrader's ``generate_feedback`` renders the autograded notebook, and autograding
put the hidden tests back into the test cells: without this preprocessor every
student can read them in the feedback and pass them next term without solving
anything. ``HideHiddenTests`` replaces each hidden region with a one-line note
and shortens the error of a cell with hidden tests to its message (a traceback
would quote the hidden lines around the failure). The messages of the course's
checks say what was expected, what was found and why, so the feedback still
teaches.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Unicode

HIDDEN_NOTE = "# Hidden tests ran here ({lines} lines); feedback shows their messages, not their code."


class HideHiddenTests(Preprocessor):
    """Replace hidden-test regions with a note; keep only the message of their errors."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or self.begin_test_delimeter not in cell.source:
            return cell, resources
        cell.source = self.hide(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources

    def hide(self, source: str) -> str:
        """``source`` with each hidden region (markers included) replaced by one note line."""
        kept, hidden, inside = [], 0, False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside, hidden = True, 0
            elif self.end_test_delimeter in line and inside:
                inside = False
                kept.append(HIDDEN_NOTE.format(lines=hidden))
            elif inside:
                hidden += 1
            else:
                kept.append(line)
        if inside:  # no end marker: hide to the end of the cell rather than show anything
            kept.append(HIDDEN_NOTE.format(lines=hidden))
        return "\n".join(kept)
