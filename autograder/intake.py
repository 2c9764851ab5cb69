"""What a submission folder holds besides the assignment's notebooks: the files grading leaves out.

Under the course's nbgrader configuration the folder a grading kernel runs in holds only
the notebooks (``tlcourse.nbgrader_ext.KeepOnlyNotebooks``): a ``tlcourse/`` folder, a
``sitecustomize.py``, a ``.pth`` file or an IPython profile shipped next to the notebook
is never importable. This module names those files so that the grading report shows
them to the instructor.
"""

from __future__ import annotations

from pathlib import Path

from tlcourse.nbgrader_ext.keep_only_notebooks import NBGRADER_FILES


def extra_files(submission_dir: Path, notebook_names: list[str]) -> list[str]:
    """Files under ``submission_dir`` that are not one of ``notebook_names`` (``name.ipynb``)
    nor nbgrader's own, as sorted paths relative to it."""
    if not submission_dir.is_dir():
        return []
    expected = set(notebook_names) | NBGRADER_FILES
    found = (p.relative_to(submission_dir).as_posix() for p in submission_dir.rglob("*")
             if p.is_file() or p.is_symlink())
    return sorted(name for name in found if name not in expected)
