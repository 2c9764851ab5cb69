"""Is a folder of grading output replaced whole, never left half-written?"""

import pytest

from autograder.files import replace_folder


def test_the_folder_ends_with_exactly_the_new_files_and_their_modes(tmp_path):
    dest = tmp_path / "autograded" / "ann" / "01_concepts"
    dest.mkdir(parents=True)
    (dest / "stale.txt").write_text("from an earlier run")
    replace_folder(dest, {"concepts.ipynb": (b"{}", 0o444), "sub/data.txt": (b"x", 0o644)})
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        "concepts.ipynb", "sub/data.txt"]
    assert (dest / "concepts.ipynb").stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in dest.parent.iterdir()) == ["01_concepts"], "no temporary folder left"


def test_no_files_remove_the_folder_as_nbgrader_does_for_a_failed_submission(tmp_path):
    dest = tmp_path / "ann" / "01_concepts"
    dest.mkdir(parents=True)
    (dest / "concepts.ipynb").write_text("{}")
    replace_folder(dest, {})
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_a_path_outside_the_folder_is_refused_and_the_old_folder_kept(tmp_path):
    dest = tmp_path / "ann" / "01_concepts"
    dest.mkdir(parents=True)
    (dest / "concepts.ipynb").write_text("old")
    with pytest.raises(ValueError, match="outside"):
        replace_folder(dest, {"../escape.txt": (b"x", 0o644)})
    assert (dest / "concepts.ipynb").read_text() == "old"
    assert not (dest.parent / "escape.txt").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["01_concepts"]
