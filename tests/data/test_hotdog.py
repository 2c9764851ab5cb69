"""Hot-dog: d2l's entry, verified; without network it falls back plainly and fast."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import time
import zipfile

import pytest

from tlcourse import notices

from tlcourse.data.errors import DataUnavailableError
from tlcourse.data.hotdog import HOTDOG
from tlcourse.data.registry import DATA_HUB, Checksum

UNRESOLVABLE = "tlcourse-no-such-host.invalid"  # .invalid never resolves (RFC 2606)


@pytest.fixture
def hotdog_offline(monkeypatch):
    """The hot-dog entry pointed at a host that cannot resolve."""
    entry = dataclasses.replace(DATA_HUB["hotdog"], source=f"http://{UNRESOLVABLE}/hotdog.zip")
    monkeypatch.setitem(DATA_HUB, "hotdog", entry)


def test_hotdog_without_network_falls_back_plainly_and_fast(cache, hotdog_offline, capsys):
    start = time.monotonic()
    train_ds, test_ds = HOTDOG.load(mode="offline")
    elapsed = time.monotonic() - start
    said = capsys.readouterr().out
    assert train_ds.is_standin and train_ds.classes == ["hotdog", "not-hotdog"]
    assert "FALLING BACK" in said and "not photos" in said and "tlcourse.why()" in said
    assert "gaierror" not in said and "sha1" not in said  # details, on request:
    assert any("put it at" in detail for detail in notices.details())
    assert elapsed < 2.0, f"fallback took {elapsed:.2f} s"


def test_hotdog_without_fallback_raises_within_a_second(cache, hotdog_offline):
    start = time.monotonic()
    with pytest.raises(DataUnavailableError, match=re.escape(str(cache / "hotdog.zip"))):
        HOTDOG.load(mode="offline", fallback=False)
    assert time.monotonic() - start < 1.0


def test_hotdog_uses_a_verified_copy_in_d2ls_folder(cache, tmp_path, monkeypatch, file_server):
    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part in ("train", "test"):
            for name in ("hotdog", "not-hotdog"):
                png = io.BytesIO()
                Image.new("RGB", (8, 8), (200, 0, 0) if name == "hotdog" else (0, 200, 0)).save(png, "PNG")
                zf.writestr(f"hotdog/{part}/{name}/0.png", png.getvalue())
    archive = buffer.getvalue()
    entry = dataclasses.replace(DATA_HUB["hotdog"], source=file_server.url("/hotdog.zip"),
                                checksum=Checksum("sha1", hashlib.sha1(archive).hexdigest()))
    monkeypatch.setitem(DATA_HUB, "hotdog", entry)
    work = tmp_path / "d2l" / "chapter"
    (tmp_path / "d2l" / "data").mkdir(parents=True)
    (tmp_path / "d2l" / "data" / "hotdog.zip").write_bytes(archive)
    work.mkdir()
    monkeypatch.chdir(work)

    train_ds, test_ds = HOTDOG.load(mode="online")
    assert not train_ds.is_standin and len(train_ds) == 2 and len(test_ds) == 2
    assert file_server.requests == [], "d2l's verified copy must be used, not downloaded again"
