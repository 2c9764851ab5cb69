"""The offline-classroom command: prepare a cache, then use it with no npm and no internet."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tlcourse import prepare_offline as prepare
from tlcourse.data.cache import verify
from tlcourse.data.registry import DATA_HUB


def test_help_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "tlcourse.prepare_offline", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--cache" in done.stdout and "--strict" in done.stdout


def test_lite0_weights_are_copied_and_verified(tmp_path, capsys):
    assert prepare.main(["--cache", str(tmp_path), "--only", "efficientnet_lite0"]) == 0
    entry = DATA_HUB["efficientnet_lite0"]
    assert verify(tmp_path / "weights" / entry.filename, entry.checksum) is None
    assert "Ready" in capsys.readouterr().out


def test_online_extras_are_reported_and_fatal_only_when_strict(tmp_path, no_internet, capsys):
    start = time.monotonic()
    assert prepare.main(["--cache", str(tmp_path), "--only", "hotdog", "resnet18"]) == 0
    said = capsys.readouterr().out
    assert "skipped" in said and "Not included" in said and "hotdog" in said
    assert prepare.main(["--cache", str(tmp_path), "--only", "hotdog", "--strict"]) == 1
    assert "Not ready: hotdog" in capsys.readouterr().out
    assert time.monotonic() - start < 5


@pytest.mark.network
def test_prepared_cache_serves_a_machine_without_npm_or_internet(tmp_path):
    cache = tmp_path / "classroom"
    assert prepare.main(["--cache", str(cache), "--only", "foodvision7", "efficientnet_lite0"]) == 0
    copied = tmp_path / "copied"
    subprocess.run(["cp", "-a", str(cache), str(copied)], check=True)
    program = (
        "from tlcourse import data, backbones\n"
        "b = backbones.first_available(['resnet18', 'efficientnet_lite0'])\n"
        "train_ds, test_ds = data.FOODVISION7.load(transform=b.transform)\n"
        "x, y = train_ds[0]\n"
        "print('OK', b.name, len(train_ds), len(test_ds), tuple(x.shape))\n"
        "import tlcourse; tlcourse.why()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TLCOURSE_MODE", "NBGRADER_EXECUTION")}
    env.update(TLCOURSE_DATA=str(copied), PATH=os.path.dirname(sys.executable),
               TORCH_HOME=str(tmp_path / "empty-torch-home"),
               https_proxy="http://tlcourse-no-such-host.invalid:3128",
               http_proxy="http://tlcourse-no-such-host.invalid:3128")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "OK efficientnet_lite0 265 89 (3, 224, 224)" in done.stdout
    assert "real food photos" in done.stdout and "run mode: offline" in done.stdout
