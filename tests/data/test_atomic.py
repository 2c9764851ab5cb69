"""All-or-nothing folders: a finished folder is reused, a failed build leaves nothing."""

from __future__ import annotations

import pytest

from tlcourse.data.atomic import MARKER, build_folder, is_complete


def _fill(tree):
    (tree / "train").mkdir()
    (tree / "train" / "a.txt").write_text("a")


def test_build_writes_the_marker_last_and_is_complete(tmp_path):
    dest = tmp_path / "set"
    assert not is_complete(dest, "v1")
    assert build_folder(dest, _fill, "v1") == dest
    assert (dest / "train" / "a.txt").read_text() == "a"
    assert (dest / MARKER).read_text() == "v1\n"
    assert is_complete(dest, "v1") and not is_complete(dest, "v2")
    assert [p.name for p in tmp_path.iterdir()] == ["set"], "no temporary folder may be left"


def test_a_failed_build_leaves_the_old_folder_and_no_temporary_one(tmp_path):
    dest = build_folder(tmp_path / "set", _fill, "v1")

    def broken(tree):
        (tree / "half.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        build_folder(dest, broken, "v2")
    assert is_complete(dest, "v1") and not (dest / "half.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_fill_may_hand_back_a_sub_folder(tmp_path):
    def nested(tree):
        (tree / "top" / "x").mkdir(parents=True)
        return tree / "top"

    dest = build_folder(tmp_path / "out", nested, "s", marker="stamp.json")
    assert (dest / "x").is_dir() and (dest / "stamp.json").read_text() == "s\n"
    assert is_complete(dest, "s", marker="stamp.json")
