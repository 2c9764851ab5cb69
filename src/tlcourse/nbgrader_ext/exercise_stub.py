"""The code stub of each exercise names the exercise and says what to do (generate_assignment).

nbgrader's ClearSolutions leaves ``raise NotImplementedError()`` where a solution was, so
Run All on a fresh student notebook stopped with a bare ``NotImplementedError:``. Right after
ClearSolutions, this preprocessor gives that raise a message naming the exercise - from the
nearest ``Exercise N (...): title`` heading above the cell, else the cell's grade_id - and
what to do. It is still a NotImplementedError raised on the same line, so an unanswered cell
fails its tests exactly as before.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor

#: The raise line of nbgrader's default Python code stub.
STUB_RAISE = "raise NotImplementedError()"
#: An exercise heading in Markdown: ``### Exercise 3 (2 points): build the new head``.
EXERCISE_HEADING = re.compile(r"^#+\s*(Exercise\s+\d+)\b[^:\n]*(?::\s*(.+?))?\s*$", re.MULTILINE)


def exercise_label(heading_markdown: str | None, grade_id: str) -> str:
    """``"Exercise 3 (build the new head)"`` from the last exercise heading, else the grade_id."""
    found = EXERCISE_HEADING.findall(heading_markdown or "")
    if not found:
        return f"Exercise {grade_id}"
    number, title = found[-1]
    title = title.replace("`", "").strip()
    return f"{number} ({title})" if title else number


def stub_message(label: str) -> str:
    """What the student reads when an unanswered exercise runs."""
    return f"{label}: write your answer in place of this line, then run the cell again."


def named_stub(source: str, label: str) -> str:
    """``source`` with each bare stub raise given the message (indentation kept)."""
    lines = []
    for line in source.split("\n"):
        if line.strip() == STUB_RAISE:
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}raise NotImplementedError({stub_message(label)!r})"
        lines.append(line)
    return "\n".join(lines)


class NameExerciseStubs(Preprocessor):
    """Give the code stub of every solution cell a message naming its exercise."""

    def preprocess(self, nb, resources):
        heading = None
        for cell in nb.cells:
            if cell.cell_type == "markdown" and EXERCISE_HEADING.search(cell.source):
                heading = cell.source
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                cell.source = named_stub(cell.source, exercise_label(heading, meta.get("grade_id", "?")))
        return nb, resources
