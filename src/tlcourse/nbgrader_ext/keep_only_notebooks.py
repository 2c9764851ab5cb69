"""Only the notebooks stay in the folder a grading kernel runs in.

``nbgrader autograde`` copies every file of ``submitted/<student>/<assignment>/`` into
``autograded/<student>/<assignment>/``, the kernel's working directory, which IPython puts
first on ``sys.path``: a ``tlcourse/`` folder shipped next to the notebook would shadow the
course's checks, a ``sitecustomize.py`` or ``.pth`` file or an IPython profile could change
what the tests see. ``KeepOnlyNotebooks`` runs first in the autograde pipeline, before any
student code: it removes from that folder everything but its top-level ``.ipynb`` files
(which nbgrader writes itself, one per graded notebook) and the two text files nbgrader's
exchange puts in every submission (``NBGRADER_FILES``: ``generate_feedback`` copies them to
``feedback/`` and ``release_feedback`` needs them there), and logs what it removed. Files a
notebook writes there while it runs are removed before the assignment's next notebook runs.
The submission itself (``submitted/``) is never touched; ``autograder.intake`` lists its
extra files in the grading report.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor


#: Files nbgrader's exchange writes into a submission folder (``nbgrader submit``) and reads back
#: (``release_feedback``: the submission's time and the secret that names its feedback). Plain
#: text files that no import can pick up; a student's own file of that name is replaced by submit.
NBGRADER_FILES = frozenset({"timestamp.txt", "submission_secret.txt"})


def removable(folder: Path) -> list[Path]:
    """Entries of ``folder`` that are not a top-level notebook file nor one of nbgrader's own
    files (symlinks always are)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_symlink() or not p.is_file()
                  or not (p.suffix == ".ipynb" or p.name in NBGRADER_FILES))


def remove(path: Path) -> None:
    """Delete a file, a symlink (never what it points to) or a folder tree."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


class KeepOnlyNotebooks(Preprocessor):
    """Before the kernel starts, empty its working folder of everything but the notebooks.

    Acts only in nbgrader's autograde pass (``NBGRADER_EXECUTION=autograde``), where that
    folder is nbgrader's own copy under ``autograded/``.
    """

    def preprocess(self, nb, resources):
        folder = (resources or {}).get("metadata", {}).get("path")
        if os.environ.get("NBGRADER_EXECUTION") != "autograde" or not folder:
            return nb, resources
        extra = removable(Path(folder))
        for path in extra:
            remove(path)
        if extra:
            self.log.warning("Not graded, removed before the kernel started: %s",
                             ", ".join(p.name for p in extra))
        return nb, resources
