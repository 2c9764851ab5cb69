"""The hot-dog data set, the d2l way, with verification and an explicit stand-in.

d2l registers it as ``DATA_HUB['hotdog'] = (DATA_URL + 'hotdog.zip', '<sha1>')`` and unpacks
it with ``download_extract('hotdog')`` into ``hotdog/{train,test}/{hotdog,not-hotdog}``.
Here the same entry sits in ``tlcourse.data.hub.DATA_HUB`` and the download is verified.
With no network the fetch fails within a second and says where to put the zip; ``hotdog()``
then falls back to the generated stand-in and prints that it did.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from tlcourse.data import hub, smoke
from tlcourse.data.folders import image_folders, pick_folder

CLASSES = smoke.HOTDOG_CLASSES
RESOURCE = "hotdog"


def d2l_cached_zip() -> Path:
    """Where d2l itself keeps the zip (``../data`` relative to the working directory)."""
    return Path("..") / "data" / hub.DATA_HUB[RESOURCE].filename


def adopt_d2l_copy(cache: Path, log: Callable[[str], None] = print) -> None:
    """Copy a verified ``hotdog.zip`` from d2l's own cache folder into ``cache`` when ours lacks it."""
    entry = hub.DATA_HUB[RESOURCE]
    ours, theirs = cache / entry.filename, d2l_cached_zip()
    if ours.is_file() or not theirs.is_file():
        return
    if hub.verify(theirs, entry.checksum) is None:
        shutil.copyfile(theirs, ours)
        log(f"Using d2l's verified copy {theirs.resolve()}")


def fetch(cache: Path | None = None) -> Path:
    """The real data set's folder (``.../hotdog`` with ``train/`` and ``test/``), downloaded and
    verified when needed. Raises DataUnavailableError or ChecksumError."""
    cache = Path(cache or hub.cache_dir())
    cache.mkdir(parents=True, exist_ok=True)
    adopt_d2l_copy(cache)
    return hub.download_extract(RESOURCE, cache=cache)


def hotdog_dir(
    root: Path | None = None, mode: str | None = None, fallback: bool = True, verbose: bool = True
) -> Path:
    """Folder with ``train/`` and ``test/``: the real hot-dog set when it can be had, else
    (``fallback=True``) the generated stand-in, printed plainly. Smoke mode uses the stand-in."""
    return pick_folder("hot-dog", fetch, smoke.hotdog_standin, smoke.HOTDOG_SPEC,
                       lambda: "d2l hot-dog set (sha1 verified), real photos",
                       "Accuracies below are NOT comparable with d2l's 0.939.", root, mode, fallback, verbose)


def hotdog(
    root: Path | None = None,
    mode: str | None = None,
    transform: Callable | None = None,
    test_transform: Callable | None = None,
    target_transform: Callable | None = None,
    fallback: bool = True,
    verbose: bool = True,
):
    """``(train_ds, test_ds)`` ImageFolder data sets with classes ``['hotdog', 'not-hotdog']``
    (see ``hotdog_dir`` for which data). Each has ``.is_standin``."""
    folder = hotdog_dir(root, mode, fallback, verbose)
    return image_folders(folder, CLASSES, transform, test_transform, target_transform)
