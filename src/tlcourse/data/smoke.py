"""Generated stand-in image sets for smoke runs (nbgrader autograde/validate, CI).

They have the real sets' folder layout (``train/<class>/``, ``test/<class>/``) and class
names, so the same code runs on them in seconds. The images are not photos: each class
gets its own colour and stripe direction plus noise, so a network can still learn a little.
Everything is drawn from fixed seeds and written as PNG, so the sets are the same on
every machine.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tlcourse.data.atomic import build_folder, is_complete
from tlcourse.data.cache import cache_dir

#: Bump when the drawing changes, so cached stand-ins are rebuilt.
GENERATOR_VERSION = 1
#: The marker of a finished stand-in; it records the spec the set was drawn from.
MARKER = "smoke.json"
FOODVISION7_CLASSES = (
    "Cereals and Millets",
    "Condiments and Spices",
    "Fruits",
    "Grain Legumes",
    "Green Leafy Vegetables",
    "Marine Fish",
    "Other Vegetables",
)
HOTDOG_CLASSES = ("hotdog", "not-hotdog")


@dataclass(frozen=True)
class SmokeSpec:
    """What a generated set holds."""

    name: str
    classes: tuple[str, ...]
    n_train: int
    n_test: int
    size: int = 64
    seed: int = 0
    version: int = GENERATOR_VERSION


FOODVISION7_SPEC = SmokeSpec("foodvision7", FOODVISION7_CLASSES, n_train=8, n_test=4)
HOTDOG_SPEC = SmokeSpec("hotdog", HOTDOG_CLASSES, n_train=16, n_test=8)


def draw(class_index: int, n_classes: int, sample_seed: int, size: int = 64) -> np.ndarray:
    """One ``size x size x 3`` uint8 image for a class: its hue, its stripe angle, noise."""
    rng = np.random.default_rng(sample_seed)
    hue = 2 * math.pi * class_index / n_classes
    base = 0.5 + 0.35 * np.array([math.cos(hue), math.cos(hue - 2.1), math.cos(hue + 2.1)])
    angle = math.pi * class_index / n_classes + rng.normal(0, 0.08)
    freq = 3 + (class_index % 3) + rng.uniform(-0.3, 0.3)
    yy, xx = np.mgrid[0:size, 0:size] / size
    stripes = np.sin(2 * math.pi * freq * (xx * math.cos(angle) + yy * math.sin(angle)) + rng.uniform(0, 6.3))
    image = base[None, None, :] + 0.18 * stripes[..., None] + rng.normal(0, 0.06, (size, size, 3))
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def _sample_seed(spec: SmokeSpec, split: str, class_index: int, i: int) -> int:
    return spec.seed * 1_000_003 + (0 if split == "train" else 500_000) + class_index * 10_000 + i


def _stamp(spec: SmokeSpec) -> str:
    """The marker's text: the spec as JSON (a changed spec means a rebuild)."""
    return json.dumps(asdict(spec), indent=1)


def _draw_into(spec: SmokeSpec, tree: Path) -> None:
    """Write every image of ``spec`` into ``tree/<split>/<class>/``."""
    from PIL import Image

    for split, count in (("train", spec.n_train), ("test", spec.n_test)):
        for c, name in enumerate(spec.classes):
            folder = tree / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                pixels = draw(c, len(spec.classes), _sample_seed(spec, split, c, i), spec.size)
                Image.fromarray(pixels).save(folder / f"{spec.name}_{split}_{c}_{i:03d}.png")


def write(spec: SmokeSpec, dest: Path) -> Path:
    """Write the set described by ``spec`` into ``dest`` (replacing it) and return ``dest``."""
    return build_folder(dest, lambda tree: _draw_into(spec, tree), _stamp(spec), marker=MARKER)


def ensure(spec: SmokeSpec, root: Path | None = None) -> Path:
    """The generated set for ``spec`` under ``root`` (default: the cache), written when missing."""
    dest = Path(root or cache_dir()) / "smoke" / spec.name
    if not is_complete(dest, _stamp(spec), marker=MARKER):
        write(spec, dest)
    return dest


def foodvision7_standin(root: Path | None = None) -> Path:
    """Folder of the FoodVision-7 stand-in (7 classes, 8 train / 4 test images each, 64x64)."""
    return ensure(FOODVISION7_SPEC, root)


def hotdog_standin(root: Path | None = None) -> Path:
    """Folder of the hot-dog stand-in (hotdog / not-hotdog, 16 train / 8 test images each)."""
    return ensure(HOTDOG_SPEC, root)


def describe(spec: SmokeSpec) -> str:
    """``56 train / 28 test generated 64x64 images`` for a spec."""
    k = len(spec.classes)
    return f"{spec.n_train * k} train / {spec.n_test * k} test generated {spec.size}x{spec.size} images"


def pixel_digest(folder: Path) -> str:
    """SHA-256 over every image's relative path and decoded pixels: equal on every machine
    whenever the sets are the same (PNG bytes may differ between zlib versions; pixels don't)."""
    import hashlib

    from PIL import Image

    hasher = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*.png")):
        hasher.update(path.relative_to(folder).as_posix().encode())
        with Image.open(path) as im:
            hasher.update(np.asarray(im.convert("RGB")).tobytes())
    return hasher.hexdigest()
