"""What a student sees while training: the plan, one bar for the whole run, a bar per test
pass, the curves redrawn in place (a real kernel through nbclient; a real terminal run)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import nbformat
import pytest

from tlcourse.history import History
from tlcourse.training_view import curves_png, plan_text

TRAIN = """
import torch
from torch import nn
from tlcourse import engine

torch.manual_seed(0)
X, y = torch.randn(12, 4), torch.randint(0, 2, (12,))
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=4)
test_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:8], y[:8]), batch_size=4)
net = nn.Linear(4, 2)
history = engine.train(net, train_iter, test_iter, nn.CrossEntropyLoss(),
                       torch.optim.SGD(net.parameters(), lr=0.1), 3)
"""


def test_a_kernel_run_shows_the_plan_one_bar_test_bars_and_curves_updated_in_place(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRAIN)])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert plan_text(3, 3, 2) in printed
    assert printed.count("epoch ") >= 3 and "epoch 3/3: loss" in printed
    shown = [o.get("data", {}).get("text/plain", "") for o in outputs if o.output_type == "display_data"]
    training = [t for t in shown if t.startswith("training")]
    testing = [t for t in shown if t.startswith("testing")]
    assert len(training) == 1 and "/9 " in training[0], shown  # one bar: 3 epochs x 3 batches
    assert len(testing) == 3, shown  # one per test pass
    curves = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(curves) == 1, "the curves are one image, replaced after each epoch"
    assert curves[0]["data"]["text/plain"].startswith("Loss and accuracy after epoch 3 of 3")
    assert base64.b64decode(curves[0]["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_terminal_run_shows_one_text_bar_for_the_whole_run():
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    result = subprocess.run([sys.executable, "-c", TRAIN], capture_output=True, text=True,
                            env=env, timeout=300, check=True)
    assert plan_text(3, 3, 2) in result.stdout
    assert "epoch 3/3: loss" in result.stdout
    assert "training: 100%" in result.stderr and "9/9" in result.stderr
    final = result.stderr.split("\r")
    assert not any(line.startswith("training") and "/9 " not in line and "/9 [" not in line
                   for line in final if line.strip()), "every training bar counts to 9"


def test_under_nbgrader_training_shows_no_bar_and_no_curves():
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    result = subprocess.run([sys.executable, "-c", TRAIN], capture_output=True, text=True,
                            env=env, timeout=300, check=True)
    assert "training" not in result.stderr and "testing" not in result.stderr
    assert "epoch 3/3: loss" in result.stdout


def test_the_curves_image_spans_every_epoch():
    history = History([1.0, 0.5], [0.4, 0.6], [0.3, 0.5], [1.0, 1.0])
    png = curves_png(history, 5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
