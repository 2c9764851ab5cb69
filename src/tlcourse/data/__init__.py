"""Data for the course: a verified registry, FoodVision-7, hot-dog and generated stand-ins.

>>> from tlcourse import data
>>> train_ds, test_ds = data.foodvision7(transform=...)   # prints which data it uses
>>> data.cache_dir()                                       # where downloads are kept

``data.hotdog`` is the function; its module is ``importlib.import_module("tlcourse.data.hotdog")``.
"""

from tlcourse.data.foodvision import CLASSES as FOODVISION7_CLASSES
from tlcourse.data.foodvision import foodvision7, foodvision7_dir
from tlcourse.data.hotdog import hotdog, hotdog_dir
from tlcourse.data.hub import (
    CACHE_VARIABLE,
    DATA_HUB,
    Checksum,
    ChecksumError,
    DataUnavailableError,
    Resource,
    cache_dir,
    download,
    download_extract,
    find_repo_root,
)

__all__ = [
    "CACHE_VARIABLE",
    "DATA_HUB",
    "FOODVISION7_CLASSES",
    "Checksum",
    "ChecksumError",
    "DataUnavailableError",
    "Resource",
    "cache_dir",
    "download",
    "download_extract",
    "find_repo_root",
    "foodvision7",
    "foodvision7_dir",
    "hotdog",
    "hotdog_dir",
]
