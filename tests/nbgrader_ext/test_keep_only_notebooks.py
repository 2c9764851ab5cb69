"""Does the autograde pass empty the kernel's folder of everything but the notebooks, and only there?"""

import logging

from tests.cells import notebook
from tlcourse.nbgrader_ext.keep_only_notebooks import KeepOnlyNotebooks


def folder_with_extras(tmp_path):
    folder = tmp_path / "autograded"
    (folder / "tlcourse" / "checks").mkdir(parents=True)
    (folder / "tlcourse" / "checks" / "__init__.py").write_text("")
    for name in ("concepts.ipynb", "other.ipynb", "sitecustomize.py", ".x.pth"):
        (folder / name).write_text("{}")
    return folder


def run(folder):
    return KeepOnlyNotebooks().preprocess(notebook(), {"metadata": {"path": str(folder)}})


def test_only_the_notebooks_stay_in_the_autograde_pass(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    folder = folder_with_extras(tmp_path)
    with caplog.at_level(logging.WARNING):
        run(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["concepts.ipynb", "other.ipynb"]
    assert "removed before the kernel started: .x.pth, sitecustomize.py, tlcourse" in caplog.text


def test_nbgraders_own_exchange_files_stay_for_release_feedback(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    folder = folder_with_extras(tmp_path)
    for name in ("timestamp.txt", "submission_secret.txt"):
        (folder / name).write_text("2026-11-30 12:00:00.000000 UTC")
    (folder / "timestamp.py").write_text("x = 1")
    run(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "concepts.ipynb", "other.ipynb", "submission_secret.txt", "timestamp.txt"]


def test_a_symlink_is_removed_and_what_it_points_to_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.py").write_text("x = 1")
    folder = tmp_path / "autograded"
    folder.mkdir()
    (folder / "tlcourse").symlink_to(outside)
    (folder / "linked.ipynb").symlink_to(outside / "keep.py")
    (folder / "timestamp.txt").symlink_to(outside / "keep.py")
    run(folder)
    assert list(folder.iterdir()) == []
    assert (outside / "keep.py").read_text() == "x = 1"


def test_nothing_is_removed_outside_the_autograde_pass(tmp_path, monkeypatch):
    folder = folder_with_extras(tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    for execution in ("validate", None):
        if execution:
            monkeypatch.setenv("NBGRADER_EXECUTION", execution)
        else:
            monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
        run(folder)
        assert sorted(p.name for p in folder.iterdir()) == before
