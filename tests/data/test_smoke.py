"""The generated stand-in sets: deterministic, in the real layouts, learnable."""

from __future__ import annotations

import numpy as np

from tlcourse.data import smoke


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_generated_sets_are_identical_run_to_run(tmp_path):
    first = smoke.write(smoke.FOODVISION7_SPEC, tmp_path / "a")
    second = smoke.write(smoke.FOODVISION7_SPEC, tmp_path / "b")
    assert _files(first) == _files(second)
    for name in _files(first):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert smoke.pixel_digest(first) == smoke.pixel_digest(second)


def test_layout_and_counts_follow_the_spec(tmp_path):
    for spec in (smoke.FOODVISION7_SPEC, smoke.HOTDOG_SPEC):
        folder = smoke.write(spec, tmp_path / spec.name)
        for part, count in (("train", spec.n_train), ("test", spec.n_test)):
            assert sorted(p.name for p in (folder / part).iterdir()) == sorted(spec.classes)
            for name in spec.classes:
                assert len(list((folder / part / name).glob("*.png"))) == count


def test_ensure_reuses_a_current_set_and_rebuilds_a_stale_one(tmp_path):
    folder = smoke.ensure(smoke.HOTDOG_SPEC, tmp_path)
    stamp = (folder / "smoke.json").stat().st_mtime_ns
    assert smoke.ensure(smoke.HOTDOG_SPEC, tmp_path) == folder
    assert (folder / "smoke.json").stat().st_mtime_ns == stamp
    (folder / "smoke.json").write_text('{"version": 0}')
    smoke.ensure(smoke.HOTDOG_SPEC, tmp_path)
    assert '"version": 1' in (folder / "smoke.json").read_text()


def test_classes_differ_and_samples_vary():
    images = [smoke.draw(c, 7, 100 + c) for c in range(7)]
    means = np.array([im.reshape(-1, 3).mean(0) for im in images])
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert distances[~np.eye(7, dtype=bool)].min() > 10, "class colours must be told apart"
    a, b = smoke.draw(0, 7, 1), smoke.draw(0, 7, 2)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)
    assert np.array_equal(a, smoke.draw(0, 7, 1))
