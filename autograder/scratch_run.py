"""A throwaway copy of an assignment folder to run a notebook in, inside the repository.

Running a solution notebook in ``source/`` would leave what it writes there (notebook 2 saves its
trained head to its own folder). The copy lives under ``build/notebook-runs/`` so the notebook still
finds the course repository (its data cache and committed results), and is removed afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from autograder.course import ROOT

RUNS = ROOT / "build" / "notebook-runs"


@contextmanager
def scratch_copy(notebook: Path) -> Iterator[Path]:
    """The path of ``notebook`` in a fresh copy of its folder, deleted when the block ends."""
    RUNS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=RUNS) as tmp:
        folder = Path(tmp) / notebook.parent.name
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        yield folder / notebook.name
