"""Do the student notebooks give away solutions or hidden tests?

Every line of code between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` or
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` in source/ is a secret,
unless the same line also appears in the source outside those regions (the
course shows it elsewhere, e.g. a training cell that freezes a base). No secret
may appear in a code cell, an output or the metadata of a committed student
notebook (notebooks/) or of a release built fresh from source/. Quiz answer keys
(self-check, src/tlcourse/quiz/questions/) are public by design.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.build import build

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "source").rglob("*.ipynb"))
REGION = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
TRIVIAL = {"", "pass", "else:", "try:", "return", ")", "]", "}", "import torch", "from torch import nn"}


def secrets(source_nb: Path) -> dict[str, str]:
    """Secret lines of a source notebook -> the region they come from (grade_id)."""
    nb = nbformat.read(source_nb, as_version=4)
    inside, outside = {}, set()
    for cell in nb.cells:
        region = None
        for line in cell.source.splitlines():
            match = REGION.match(line)
            if match:
                region = match.group(2) if match.group(1) == "BEGIN" else None
                continue
            text = line.strip()
            if region and cell.cell_type == "code":
                inside[text] = f"{cell.metadata.get('nbgrader', {}).get('grade_id', '?')} ({region.lower()})"
            else:
                outside.add(text)
    return {line: where for line, where in inside.items()
            if line not in outside and line not in TRIVIAL
            and not line.startswith(("#", "import ", "from "))}    # imports give nothing away


def exposed_text(student_nb: Path) -> list[str]:
    """Everything of a student notebook except markdown prose: code, outputs, metadata."""
    nb = json.loads(student_nb.read_text())
    parts = [json.dumps(nb.get("metadata", {}))]
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            parts.append("".join(cell["source"]))
        parts.append(json.dumps(cell.get("outputs", [])))
        parts.append(json.dumps(cell.get("metadata", {})))
        parts.append(json.dumps(cell.get("attachments", {})))
    return parts


def leaks(source_nb: Path, student_nb: Path) -> list[str]:
    text = "\n".join(exposed_text(student_nb))
    code_lines = {line.strip() for line in text.splitlines()}
    found = [f"marker {m!r}" for m in MARKERS if m in student_nb.read_text()]
    found += [f"{where}: {line!r}" for line, where in secrets(source_nb).items() if line in code_lines]
    return found


def test_the_secrets_are_found_at_all():
    """The scan must know what to look for, or it proves nothing."""
    food = ROOT / "source" / "02_foodvision_head" / "foodvision_head.ipynb"
    found = secrets(food)
    assert "new_layer = torch.nn.Linear(in_features, num_classes)" in found
    assert any("hidden tests" in where for where in found.values())


def test_a_leak_is_caught(tmp_path):
    """A student notebook with a solution line pasted in fails the scan."""
    food = ROOT / "source" / "02_foodvision_head" / "foodvision_head.ipynb"
    student = ROOT / "notebooks" / "02_foodvision_head" / "foodvision_head.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("new_layer = torch.nn.Linear(in_features, num_classes)"))
    nbformat.write(nb, tmp_path / "leaky.ipynb")
    assert leaks(food, tmp_path / "leaky.ipynb")
    assert leaks(food, student) == []


@pytest.mark.parametrize("source_nb", SOURCES, ids=lambda p: p.parent.name)
def test_committed_student_notebooks_hold_no_secrets(source_nb):
    student = ROOT / "notebooks" / source_nb.parent.name / source_nb.name
    assert student.exists(), f"no student version of {source_nb.relative_to(ROOT)}: run `make build`"
    assert leaks(source_nb, student) == []


@pytest.mark.slow
def test_a_fresh_release_holds_no_secrets_and_nothing_but_notebooks(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source", course / "source")
    built = build(course, release_dir="release")
    assert built
    for student in built:
        source_nb = course / "source" / student.parent.name / student.name
        assert leaks(source_nb, student) == [], student
    files = [p for p in (course / "release").rglob("*") if p.is_file()]
    source_files = {p.relative_to(course / "source") for p in (course / "source").rglob("*") if p.is_file()}
    for path in files:
        assert path.relative_to(course / "release") in source_files, f"unexpected file in the release: {path}"
