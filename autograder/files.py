"""Folders of grading output written whole: a folder is replaced by its new content at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def replace_folder(dest: Path, files: dict[str, tuple[bytes, int]]) -> None:
    """Make ``dest`` hold exactly ``files`` (relative path -> (bytes, permission bits)).

    The new content is written into a hidden sibling folder and renamed into place, so a
    reader (or a crash) sees the old folder or the new one, never a half-written one. With
    no files, ``dest`` is removed (as nbgrader removes the folder of a failed submission).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    try:
        for name, (data, mode) in files.items():
            path = new / name
            if ".." in Path(name).parts or Path(name).is_absolute():
                raise ValueError(f"refusing to write {name!r} outside {dest}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(mode)
        if dest.exists():
            os.replace(dest, old)
        if files:
            os.replace(new, dest)
    finally:
        shutil.rmtree(new, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
