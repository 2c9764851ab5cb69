"""Feedback shows what the hidden tests said, not their code.

nbgrader's ``generate_feedback`` renders the autograded notebook, and autograding
put the hidden tests back into the test cells: without this preprocessor every
student can read them in the feedback and pass them next term without solving
anything. ``HideHiddenTests`` replaces each hidden region with a one-line note
and shortens the error of a cell with hidden tests to its message (a traceback
would quote the hidden lines around the failure). The messages of the course's
checks say what was expected, what was found and why, so the feedback still
teaches.

The hidden tests run in the student's kernel, so student code can read them as they run
(``In``, ``linecache``, a ``pre_run_cell`` event) and print them into any cell's output. So
every output of the notebook that quotes a line of a hidden region (a line long enough to be
telling, ``min_quoted_chars``) is replaced by a note; an error keeps its name (the grade does
not change). Code that encodes what it read first is not recognised (docs/grading-safety.md).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Integer, Unicode

HIDDEN_NOTE = "# Hidden tests ran here ({lines} lines); feedback shows their messages, not their code."
QUOTED_NOTE = "[output hidden from the feedback: it quotes the hidden tests]"


class HideHiddenTests(Preprocessor):
    """Replace hidden-test regions with a note; keep only the message of their errors."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    min_quoted_chars = Integer(16, help="shortest hidden line whose quotation hides an output").tag(config=True)

    def preprocess(self, nb, resources):
        code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
        visible = "\n".join(self.hide(source) for source in code)
        # a hidden line that the notebook also shows (``torch.manual_seed(0)``) is no secret, and
        # the traceback of a visible line must stay readable
        self._hidden_lines = {line for source in code for line in self.hidden_lines(source)
                              if len(line) >= self.min_quoted_chars and line not in visible}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self.begin_test_delimeter in cell.source:
            cell.source = self.hide(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        lines = getattr(self, "_hidden_lines", set())
        cell.outputs = [_redacted(output, lines) if _quotes(output, lines) else output
                        for output in cell.get("outputs", [])]
        return cell, resources

    def hidden_lines(self, source: str) -> list[str]:
        """The stripped lines inside ``source``'s hidden regions (to the end without an end marker)."""
        found, inside = [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside and line.strip():
                found.append(line.strip())
        return found

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


def _text(output) -> str:
    """Everything an output says, as one string (stream text, every data value, error parts)."""
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", ""),
             *output.get("traceback", []), *(v if isinstance(v, str) else str(v)
                                             for v in output.get("data", {}).values())]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _quotes(output, lines: set[str]) -> bool:
    text = _text(output)
    return any(line in text for line in lines)


def _redacted(output, lines: set[str]):
    """``output`` saying ``QUOTED_NOTE`` instead; an error stays an error (same name, so the grade is
    kept) and keeps its message unless the message itself quotes the hidden tests."""
    kind = output.get("output_type")
    if kind == "error":
        evalue = output.get("evalue", "")
        if any(line in evalue for line in lines):
            evalue = QUOTED_NOTE
        output["evalue"] = evalue
        output["traceback"] = [f"{output.get('ename', 'Error')}: {evalue}", QUOTED_NOTE]
    elif kind == "stream":
        output["text"] = QUOTED_NOTE + "\n"
    else:
        output["data"] = {"text/plain": QUOTED_NOTE}
    return output
