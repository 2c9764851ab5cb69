"""Build a folder so that it is either complete or absent, never half-written.

The folder is built in a temporary folder beside its target, a marker holding a stamp (what
it was built from) is written last, and the finished tree is renamed into place. A folder
whose marker holds the current stamp is complete; anything else is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

#: The marker file written last into a finished folder.
MARKER = ".complete"


def is_complete(dest: Path, stamp: str, marker: str = MARKER) -> bool:
    """True when ``dest`` was finished from ``stamp``."""
    path = Path(dest) / marker
    return path.is_file() and path.read_text().strip() == stamp.strip()


def build_folder(dest: Path, fill: Callable[[Path], Path | None], stamp: str, marker: str = MARKER) -> Path:
    """Replace ``dest`` with a folder that ``fill`` writes, and return ``dest``.

    ``fill(tree)`` writes into the empty folder ``tree`` and may return a sub-folder of it to
    use instead (an archive's single top-level folder). The marker with ``stamp`` is written
    last; the tree is renamed into place only then.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        tree = fill(tree) or tree
        (tree / marker).write_text(stamp.strip() + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tree, dest)
    return dest
