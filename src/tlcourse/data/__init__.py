"""Course data: the verified registry, the cache and the data sets FoodVision-7 and hot-dog.

>>> from tlcourse import data
>>> train_ds, test_ds = data.FOODVISION7.load(transform=...)   # prints which data it uses
>>> folders = data.HOTDOG.folders()      # .root, .is_standin, .image_folders(...)
>>> data.mode_reason()                    # online, offline or smoke, and why
>>> data.cache_dir()                      # where downloads are kept

Modules: ``registry`` (the entries), ``cache`` (where files live, which copies may stay),
``fetch`` (HTTP and npm), ``archive`` and ``atomic`` (unpacking, all-or-nothing folders),
``mode`` (the run mode), ``dataset`` (the record), ``foodvision``, ``hotdog``, ``smoke``.
"""

from tlcourse.data.cache import CACHE_VARIABLE, cache_dir, find_repo_root
from tlcourse.data.dataset import DataSet, Folders
from tlcourse.data.errors import ChecksumError, DataUnavailableError
from tlcourse.data.fetch import download, download_extract
from tlcourse.data.foodvision import FOODVISION7
from tlcourse.data.hotdog import HOTDOG
from tlcourse.data.mode import explain_mode, mode_reason, run_mode
from tlcourse.data.registry import DATA_HUB, Checksum, Resource

__all__ = [
    "CACHE_VARIABLE",
    "DATA_HUB",
    "FOODVISION7",
    "HOTDOG",
    "Checksum",
    "ChecksumError",
    "DataSet",
    "DataUnavailableError",
    "Folders",
    "Resource",
    "cache_dir",
    "download",
    "download_extract",
    "find_repo_root",
    "explain_mode",
    "mode_reason",
    "run_mode",
]
