"""A data set as one record that picks the folders to read: the real data or its stand-in.

Smoke mode (nbgrader runs) uses the generated stand-in; otherwise the real data is fetched
and verified; if that fails, the error goes up or, with ``fallback``, the stand-in is used
and the notebook is told so. Every choice prints one plain ``Data: ...`` sentence saying which
data and why; the technical details (the run mode, the exception) are kept for ``tlcourse.why()``.

>>> folders = FOODVISION7.folders()          # Folders(root, is_standin, classes)
>>> train_ds, test_ds = folders.image_folders(transform=...)
>>> train_ds, test_ds = FOODVISION7.load(transform=...)   # the same in one call
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tlcourse.data import smoke
from tlcourse.data.errors import ChecksumError, DataUnavailableError
from tlcourse.data.mode import plain_reason, resolve
from tlcourse.notices import tell

#: ``fetch(cache, log)``: the real data's folder (with ``train/`` and ``test/``) in ``cache``.
Fetch = Callable[[Path | None, Callable[[str], None]], Path]


def _quiet(_message: str) -> None:
    """A log that says nothing."""


@dataclass(frozen=True)
class Folders:
    """Where a data set's ``train/`` and ``test/`` folders are, and whether they hold the
    generated stand-in instead of real photos."""

    root: Path
    is_standin: bool
    classes: tuple[str, ...]

    def image_folders(self, transform: Callable | None = None, test_transform: Callable | None = None,
                      target_transform: Callable | None = None):
        """``(train_ds, test_ds)``: torchvision ImageFolders, checked against ``classes``;
        ``test_transform`` defaults to ``transform``. Each set carries ``.is_standin``."""
        from torchvision.datasets import ImageFolder

        test_transform = transform if test_transform is None else test_transform
        sets = (
            ImageFolder(str(self.root / "train"), transform=transform, target_transform=target_transform),
            ImageFolder(str(self.root / "test"), transform=test_transform, target_transform=target_transform),
        )
        for ds in sets:
            if tuple(ds.classes) != tuple(self.classes):
                raise DataUnavailableError(
                    f"{ds.root} has classes {ds.classes}, expected {list(self.classes)}; "
                    f"delete {self.root} and run again to rebuild it."
                )
            ds.is_standin = self.is_standin  # type: ignore[attr-defined]
        return sets


@dataclass(frozen=True)
class DataSet:
    """One data set: its name and classes, how to fetch the real one, its stand-in, the text
    that describes the real one, the caveat printed when falling back, and whether a failed
    fetch falls back by default."""

    name: str
    classes: tuple[str, ...]
    fetch: Fetch
    standin: smoke.SmokeSpec
    describe: Callable[[], str]
    caveat: str
    fallback: bool = False

    def folders(self, root: Path | None = None, mode: str | None = None, fallback: bool | None = None,
                verbose: bool = True) -> Folders:
        """The folders to read: the stand-in in smoke mode, else the real data fetched into
        ``root`` (default: the cache). When the fetch fails, ``fallback`` (default: the record's)
        uses the stand-in, printing why and the caveat, instead of raising
        DataUnavailableError or ChecksumError."""
        given = mode
        mode, why = resolve(mode)
        say = print if verbose else None
        fallback = self.fallback if fallback is None else fallback
        standin_text = f"{smoke.describe(self.standin)} (not photos)"
        if mode == "smoke":
            folder = smoke.ensure(self.standin, root)
            tell(f"Data: {standin_text} instead of the {self.name} data, because {plain_reason(given)}.",
                 [f"{self.name}: generated images in {folder}", why], say)
            return Folders(folder, True, self.classes)
        try:
            folder = self.fetch(root, say or _quiet)
        except (DataUnavailableError, ChecksumError) as exc:
            if not fallback:
                raise
            folder = smoke.ensure(self.standin, root)
            tell(f"Data: FALLING BACK to {standin_text}: the real {self.name} data cannot be had here "
                 f"({plain_reason(given)}). {self.caveat}",
                 [f"{self.name}: {exc}", f"{self.name}: generated images in {folder}", why], say)
            return Folders(folder, True, self.classes)
        tell(f"Data: {self.describe()} in {folder}.", [why], say, hint=False)
        return Folders(folder, False, self.classes)

    def load(self, root: Path | None = None, mode: str | None = None, transform: Callable | None = None,
             test_transform: Callable | None = None, target_transform: Callable | None = None,
             fallback: bool | None = None, verbose: bool = True):
        """``(train_ds, test_ds)`` ImageFolders of ``folders(...)`` (see there for which data)."""
        return self.folders(root, mode, fallback, verbose).image_folders(transform, test_transform, target_transform)
