"""The verified cache folder: only files that match the registry stay in it.

A file is written through ``write_verified``: it goes into a temporary file beside its
target, is hashed while it is written and is moved into place only when the hash matches.
``adopt`` is the one rule for copies: a file already at the target stays only when it
verifies (a mismatch is deleted, and said so); a candidate from elsewhere (d2l's folder,
torch.hub's folder, a pip package) is copied in only when it verifies.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from tlcourse.data.registry import Checksum, Resource

#: Environment variable that moves the cache folder.
CACHE_VARIABLE = "TLCOURSE_DATA"
CHUNK = 1 << 20


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds
    ``nbgrader_config.py``, i.e. the course repository; None outside it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def cache_dir() -> Path:
    """Where downloads live: ``$TLCOURSE_DATA``, else ``<repo>/data/cache`` inside the course
    repository, else ``~/.cache/tlcourse``. The folder is created when missing."""
    override = os.environ.get(CACHE_VARIABLE, "").strip()
    if override:
        folder = Path(override).expanduser()
    else:
        root = find_repo_root()
        folder = root / "data" / "cache" if root else Path.home() / ".cache" / "tlcourse"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_chunks(path: Path) -> Iterable[bytes]:
    """The bytes of a file, a megabyte at a time."""
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(CHUNK), b"")


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in chunks."""
    hasher = hashlib.new(algorithm)
    for chunk in file_chunks(path):
        hasher.update(chunk)
    return hasher.hexdigest()


def verify(path: Path, checksum: Checksum) -> str | None:
    """None when ``path`` matches ``checksum``, else its actual digest."""
    actual = file_digest(path, checksum.algorithm)
    return None if checksum.matches(actual) else actual


def checksum_message(path: Path, checksum: Checksum, actual: str, what: str = "") -> str:
    """The text of a ChecksumError: the file, the expected and the actual hash."""
    return (
        f"{what or 'The file'} {path} has {checksum.algorithm} {actual}, "
        f"but {checksum.describe()} was expected."
    )


def write_verified(chunks: Iterable[bytes], target: Path, checksum: Checksum,
                   progress: Callable[[int], object] | None = None) -> str:
    """Write ``chunks`` into a temporary file beside ``target`` while hashing them; move it
    into place only when the hash matches. Returns the actual digest (the caller compares)."""
    hasher = hashlib.new(checksum.algorithm)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                hasher.update(chunk)
                if progress is not None:
                    progress(len(chunk))
        actual = hasher.hexdigest()
        if checksum.matches(actual):
            os.replace(tmp, target)
        return actual
    finally:
        tmp.unlink(missing_ok=True)


def adopt(entry: Resource, target: Path, candidates: Iterable[Path] = (),
          log: Callable[[str], None] = print) -> Path | None:
    """``target`` when it holds a verified copy of ``entry``, else the first of ``candidates``
    that verifies, copied to ``target``; None when there is none.

    A mismatching file at ``target`` is deleted (and said so through ``log``); a mismatching
    candidate is left where it is and not copied.
    """
    target = Path(target)
    if target.is_file():
        actual = verify(target, entry.checksum)
        if actual is None:
            return target
        log(checksum_message(target, entry.checksum, actual, "Cached file") + " Deleted it.")
        target.unlink()
    for candidate in map(Path, candidates):
        if not candidate.is_file() or candidate.resolve() == target.resolve():
            continue
        if entry.checksum.matches(write_verified(file_chunks(candidate), target, entry.checksum)):
            log(f"Using the verified copy {candidate.resolve()}")
            return target
    return None
