"""What a student reads in an offline run: one plain sentence per event, each once, no
checksums, exception names or internal words; the details printed by ``tlcourse.why()``."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import UNRESOLVABLE
from tlcourse import notices

HINT = notices.WHY_HINT
#: An offline notebook's setup, as notebook 3 runs it: the mode, a backbone, the hot-dog data.
PROGRAM = """
from tlcourse import data
from tlcourse.backbones import first_available
data.explain_mode()
first_available(["resnet18", "efficientnet_lite0"])
data.HOTDOG.folders()
print("=== why ===")
import tlcourse
tlcourse.why()
"""
EXPECTED = [
    "Offline: the d2l download server cannot be reached from here, so the course uses what this "
    f"machine has; each cell that loads data or weights says what it uses. {HINT}",
    f"Backbone skipped - resnet18: its ImageNet weights are not on this machine and cannot be fetched "
    f"from here. {HINT}",
    "Backbone: efficientnet_lite0 with ImageNet weights; head `classifier` takes 1280 features.",
    "Data: FALLING BACK to 32 train / 16 test generated 64x64 images (not photos): the real hot-dog "
    "data cannot be had here (the d2l download server cannot be reached from here). Accuracies below "
    f"are NOT comparable with d2l's 0.939. {HINT}",
]
#: Never in what a student sees by default.
INTERNAL = ("sha256", "sha1", "gaierror", "Errno", "run mode", "stand-in", "standin", "http")


def test_an_offline_run_says_each_thing_once_in_plain_words_and_why_gives_the_details(tmp_path):
    proxy = f"http://{UNRESOLVABLE}:3128"
    env = {k: v for k, v in os.environ.items() if k not in ("TLCOURSE_MODE", "NBGRADER_EXECUTION")}
    env.update(TLCOURSE_DATA=str(tmp_path / "cache"), TORCH_HOME=str(tmp_path / "torch-home"),
               http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
               no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost")
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shown, _, why = done.stdout.partition("=== why ===\n")
    assert shown.splitlines() == EXPECTED
    for word in INTERNAL:
        assert word not in shown, word
    assert "run mode: offline" in why and "resnet18-f37072fd.pth" in why and "hotdog.zip" in why
    assert "sha1" in why  # the hot-dog file's checksum, for whoever copies it by hand


def test_why_before_anything_happened():
    done = subprocess.run([sys.executable, "-c", "import tlcourse; tlcourse.why()"], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.startswith("Nothing to add")
