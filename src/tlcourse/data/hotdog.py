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
from tlcourse.data.foodvision import _resolve_mode, image_folders

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
    mode, why = _resolve_mode(mode)
    say = print if verbose else (lambda _msg: None)
    if mode == "smoke":
        folder = smoke.hotdog_standin(root)
        say(f"Data: hot-dog smoke stand-in, {smoke.describe(smoke.HOTDOG_SPEC)} (not photos) "
            f"in {folder} [{why}]")
        return folder
    try:
        folder = fetch(root)
    except (hub.DataUnavailableError, hub.ChecksumError) as exc:
        if not fallback:
            raise
        folder = smoke.hotdog_standin(root)
        say(f"The real hot-dog data set is unavailable: {exc}")
        say(f"Data: FALLING BACK to a generated stand-in for the hot-dog set, "
            f"{smoke.describe(smoke.HOTDOG_SPEC)} (not photos) in {folder}. "
            f"Accuracies below are NOT comparable with d2l's 0.939. [{why}]")
        return folder
    say(f"Data: d2l hot-dog set (sha1 verified), real photos in {folder} [{why}]")
    return folder


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
