"""The data set record: which folders it hands out, what it says, and the fact it records."""

from __future__ import annotations

import pytest

from tlcourse import notices
from tlcourse.data import smoke
from tlcourse.data.dataset import DataSet, Folders
from tlcourse.data.errors import ChecksumError, DataUnavailableError


def _record(fetch, fallback=False) -> DataSet:
    return DataSet("Toy", smoke.HOTDOG_CLASSES, fetch, smoke.HOTDOG_SPEC, lambda: "toy photos",
                   "Not comparable.", fallback=fallback)


def _unavailable(_cache, _log):
    raise DataUnavailableError("no toy data here")


def test_smoke_mode_hands_out_the_standin_without_fetching(cache, capsys):
    def must_not_fetch(_cache, _log):
        raise AssertionError("smoke mode must not fetch")

    folders = _record(must_not_fetch).folders(mode="smoke")
    assert folders.is_standin and folders.root == smoke.ensure(smoke.HOTDOG_SPEC)
    said = capsys.readouterr().out
    # one plain sentence (no internal words such as "stand-in" or "run mode"); the rest on request
    assert said.startswith("Data: 32 train / 16 test generated 64x64 images (not photos) instead of the Toy data")
    assert "stand-in" not in said and "run mode" not in said
    assert "run mode: smoke (asked for by the caller)" in notices.details()


def test_real_folders_are_not_a_standin_even_next_to_a_smoke_marker(cache, capsys):
    real = smoke.write(smoke.HOTDOG_SPEC, cache / "real")  # real layout, and it carries smoke.json
    folders = _record(lambda _cache, _log: real).folders(mode="offline")
    assert folders == Folders(real, False, smoke.HOTDOG_CLASSES)
    train_ds, test_ds = folders.image_folders(transform=lambda im: im.size, test_transform=lambda im: "test")
    assert not train_ds.is_standin and not test_ds.is_standin
    assert train_ds[0][0] == (64, 64) and test_ds[0][0] == "test"
    assert "Data: toy photos in" in capsys.readouterr().out


@pytest.mark.parametrize("error", [DataUnavailableError, ChecksumError])
def test_a_failed_fetch_raises_or_falls_back_as_the_record_says(cache, capsys, error):
    def failing(_cache, _log):
        raise error("toy data is broken")

    with pytest.raises(error):
        _record(failing).folders(mode="offline")
    assert _record(failing, fallback=True).folders(mode="offline").is_standin
    assert _record(failing).folders(mode="offline", fallback=True).is_standin
    with pytest.raises(error):
        _record(failing, fallback=True).folders(mode="offline", fallback=False)
    said = capsys.readouterr().out
    assert "FALLING BACK" in said and "Not comparable." in said and "tlcourse.why()" in said
    assert "toy data is broken" not in said  # the exception is a detail, kept for why()
    assert any("toy data is broken" in detail for detail in notices.details())


def test_why_prints_the_details_the_sentences_left_out(cache, capsys):
    def failing(_cache, _log):
        raise DataUnavailableError("the toy server said no (errno 7)")

    _record(failing, fallback=True).folders(mode="offline")
    said = capsys.readouterr().out
    assert "errno 7" not in said
    notices.why()
    assert "the toy server said no (errno 7)" in capsys.readouterr().out


def test_verbose_false_prints_nothing(cache, capsys):
    _record(_unavailable, fallback=True).folders(mode="offline", verbose=False)
    assert capsys.readouterr().out == ""


def test_folders_with_other_classes_are_refused(cache):
    root = smoke.ensure(smoke.HOTDOG_SPEC)
    with pytest.raises(DataUnavailableError, match="expected"):
        Folders(root, True, ("cats", "dogs")).image_folders()
