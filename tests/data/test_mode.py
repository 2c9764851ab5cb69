"""The run mode: forced by nbgrader or $TLCOURSE_MODE, else a fast network probe."""

from __future__ import annotations

import time

import pytest

from tlcourse.data import mode


def test_run_mode_forced_and_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("TLCOURSE_MODE", "offline")
    assert mode.run_mode() == "offline"
    assert "TLCOURSE_MODE" in mode.mode_reason()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert mode.run_mode() == "smoke"
    assert "nbgrader" in mode.mode_reason()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("TLCOURSE_MODE", "fast")
    with pytest.raises(ValueError, match="online, offline, smoke"):
        mode.run_mode()


def test_run_mode_probe_is_fast_and_says_offline(monkeypatch, no_internet):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("TLCOURSE_MODE", raising=False)
    start = time.monotonic()
    assert mode.run_mode(refresh=True) == "offline"
    assert time.monotonic() - start < 1.1
    assert "cannot be reached" in mode.mode_reason()


def test_probe_sees_a_listening_local_server(file_server):
    assert mode.unreachable_reason(file_server.url("/")) is None


def test_a_mode_asked_for_wins_and_a_wrong_one_is_refused(monkeypatch):
    monkeypatch.setenv("TLCOURSE_MODE", "offline")
    assert mode.resolve("smoke") == ("smoke", "run mode: smoke (asked for by the caller)")
    assert mode.resolve(None)[0] == "offline"
    with pytest.raises(ValueError, match="online, offline, smoke"):
        mode.resolve("fast")
