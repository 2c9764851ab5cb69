"""Unpack a .zip or .tar(.gz) archive into a folder, refusing members that would escape it."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from typing import Iterable

from tlcourse.data.atomic import build_folder, is_complete
from tlcourse.data.errors import DataUnavailableError


def _refuse_escapes(names: Iterable[str], dest: Path) -> None:
    """Raise when an archive member would land outside ``dest``."""
    base = dest.resolve()
    for name in names:
        if not (base / name).resolve().is_relative_to(base):
            raise DataUnavailableError(f"Archive member {name!r} would be written outside {dest}; refusing it.")


def _unpack_into(archive: Path, tree: Path) -> Path:
    """Unpack ``archive`` into ``tree``; its single top-level folder when it has one."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            _refuse_escapes(zf.namelist(), tree)
            zf.extractall(tree)
    else:
        with tarfile.open(archive) as tf:
            _refuse_escapes(tf.getnames(), tree)
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tree, filter="data")
            else:  # Python without extraction filters; members were checked above
                tf.extractall(tree)
    entries = [p for p in tree.iterdir() if p.name != "__MACOSX"]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else tree


def extract(archive: Path, dest: Path) -> Path:
    """Unpack ``archive`` into ``dest`` (built atomically) and return it.

    An archive with one top-level folder (``hotdog.zip`` holds ``hotdog/``) has that folder
    become ``dest``. The archive's name and size are the stamp: the same archive is not
    unpacked twice.
    """
    archive, dest = Path(archive), Path(dest)
    stamp = f"{archive.name} {archive.stat().st_size}"
    if is_complete(dest, stamp):
        return dest
    return build_folder(dest, lambda tree: _unpack_into(archive, tree), stamp)
