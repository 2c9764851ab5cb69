"""The hot-dog data set, the d2l way, with verification and an explicit stand-in.

d2l registers it as ``DATA_HUB['hotdog'] = (DATA_URL + 'hotdog.zip', '<sha1>')`` and unpacks
it with ``download_extract('hotdog')`` into ``hotdog/{train,test}/{hotdog,not-hotdog}``.
Here the same entry sits in ``tlcourse.data.registry.DATA_HUB`` and the download is verified;
a verified zip that d2l already downloaded is used instead of a second download. With no
network the fetch fails within a second and says where to put the zip; ``HOTDOG`` then
falls back to the generated stand-in and prints that it did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tlcourse.data import smoke
from tlcourse.data.cache import cache_dir
from tlcourse.data.dataset import DataSet
from tlcourse.data.fetch import download_extract
from tlcourse.data.registry import DATA_HUB

CLASSES = smoke.HOTDOG_CLASSES
RESOURCE = "hotdog"


def d2l_cached_zip() -> Path:
    """Where d2l itself keeps the zip (``../data`` relative to the working directory)."""
    return Path("..") / "data" / DATA_HUB[RESOURCE].filename


def fetch(cache: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """The real data set's folder (``.../hotdog`` with ``train/`` and ``test/``), downloaded
    (or taken from d2l's folder) and verified when needed. Raises DataUnavailableError or
    ChecksumError."""
    return download_extract(RESOURCE, cache=Path(cache or cache_dir()), candidates=[d2l_cached_zip()], log=log)


#: d2l's hot-dog set: a failed fetch falls back to the stand-in unless ``fallback=False``.
HOTDOG = DataSet("hot-dog", CLASSES, fetch, smoke.HOTDOG_SPEC,
                 lambda: "d2l hot-dog set (sha1 verified), real photos",
                 "Accuracies below are NOT comparable with d2l's 0.939.", fallback=True)
