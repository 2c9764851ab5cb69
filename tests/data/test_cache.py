"""The cache: where it is, and the one rule for which copies may stay in it."""

from __future__ import annotations

import hashlib

from tlcourse.data import cache as data_cache
from tlcourse.data.registry import Checksum, Resource

PAYLOAD = b"weights " * 1000


def _entry(payload: bytes = PAYLOAD) -> Resource:
    return Resource(name="sample", source="http://127.0.0.1/sample.bin",
                    checksum=Checksum("sha256", hashlib.sha256(payload).hexdigest()),
                    filename="sample.bin", license="test", card="none")


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_cache_dir_env_var_repo_and_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_DATA", str(tmp_path / "elsewhere"))
    assert data_cache.cache_dir() == tmp_path / "elsewhere"
    assert (tmp_path / "elsewhere").is_dir()

    monkeypatch.delenv("TLCOURSE_DATA")
    repo = tmp_path / "course"
    (repo / "source" / "01").mkdir(parents=True)
    (repo / "nbgrader_config.py").write_text("c = get_config()\n")
    monkeypatch.chdir(repo / "source" / "01")
    assert data_cache.cache_dir() == repo.resolve() / "data" / "cache"

    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_cache.cache_dir() == tmp_path / "home" / ".cache" / "tlcourse"


def test_adopt_keeps_a_verified_file_in_place(tmp_path):
    target = tmp_path / "sample.bin"
    target.write_bytes(PAYLOAD)
    said: list[str] = []
    assert data_cache.adopt(_entry(), target, log=said.append) == target
    assert target.read_bytes() == PAYLOAD and said == []


def test_adopt_deletes_a_mismatching_file_and_says_so(tmp_path):
    target = tmp_path / "sample.bin"
    target.write_bytes(PAYLOAD[:-1] + b"X")
    said: list[str] = []
    assert data_cache.adopt(_entry(), target, log=said.append) is None
    assert not target.exists()
    assert len(said) == 1 and "Cached file" in said[0] and str(target) in said[0] and "Deleted" in said[0]
    assert _entry().checksum.hexdigest in said[0]


def test_adopt_copies_in_the_first_candidate_that_verifies(tmp_path):
    bad, good = tmp_path / "bad.bin", tmp_path / "good.bin"
    bad.write_bytes(b"something else")
    good.write_bytes(PAYLOAD)
    target = tmp_path / "cache" / "sample.bin"
    said: list[str] = []
    assert data_cache.adopt(_entry(), target, [tmp_path / "absent.bin", bad, good], log=said.append) == target
    assert target.read_bytes() == PAYLOAD
    assert bad.read_bytes() == b"something else", "a candidate that is not ours is never deleted"
    assert any(str(good.resolve()) in line for line in said)
    assert _leftovers(target.parent) == []


def test_adopt_refuses_a_mismatching_candidate_and_leaves_the_target_absent(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(PAYLOAD + b"!")
    target = tmp_path / "cache" / "sample.bin"
    assert data_cache.adopt(_entry(), target, [bad], log=lambda _m: None) is None
    assert not target.exists()
    assert _leftovers(target.parent) == [], "no temporary copy may be left behind"


def test_write_verified_moves_into_place_only_on_a_match(tmp_path):
    target = tmp_path / "sample.bin"
    checksum = _entry().checksum
    wrong = data_cache.write_verified(iter([b"not ", b"it"]), target, checksum)
    assert wrong == hashlib.sha256(b"not it").hexdigest()
    assert not target.exists() and _leftovers(tmp_path) == []
    assert data_cache.write_verified(iter([PAYLOAD[:10], PAYLOAD[10:]]), target, checksum) == checksum.hexdigest
    assert target.read_bytes() == PAYLOAD
