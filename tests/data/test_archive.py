"""Unpacking archives: d2l's layout, never outside the target folder, never twice."""

from __future__ import annotations


import pytest

from tlcourse.data.archive import extract
from tlcourse.data.errors import DataUnavailableError
from tests.data.zips import zip_bytes



def test_extract_refuses_members_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({"../escaped.txt": b"x"}))
    with pytest.raises(DataUnavailableError, match="outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out").exists()


def test_single_top_folder_becomes_the_target_and_is_not_unpacked_twice(tmp_path):
    archive = tmp_path / "hotdog.zip"
    archive.write_bytes(zip_bytes({"hotdog/train/a.txt": b"a"}))
    dest = extract(archive, tmp_path / "hotdog")
    assert (dest / "train" / "a.txt").read_bytes() == b"a"
    (dest / "train" / "a.txt").write_bytes(b"touched")
    assert extract(archive, dest) == dest
    assert (dest / "train" / "a.txt").read_bytes() == b"touched", "a finished folder is reused"
