"""Unpacking archives: d2l's layout, never outside the target folder, never twice."""

from __future__ import annotations

import io
import zipfile

import pytest

from tlcourse.data.archive import extract
from tlcourse.data.errors import DataUnavailableError


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_extract_refuses_members_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip({"../escaped.txt": b"x"}))
    with pytest.raises(DataUnavailableError, match="outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out").exists()


def test_single_top_folder_becomes_the_target_and_is_not_unpacked_twice(tmp_path):
    archive = tmp_path / "hotdog.zip"
    archive.write_bytes(_zip({"hotdog/train/a.txt": b"a"}))
    dest = extract(archive, tmp_path / "hotdog")
    assert (dest / "train" / "a.txt").read_bytes() == b"a"
    (dest / "train" / "a.txt").write_bytes(b"touched")
    assert extract(archive, dest) == dest
    assert (dest / "train" / "a.txt").read_bytes() == b"touched", "a finished folder is reused"
