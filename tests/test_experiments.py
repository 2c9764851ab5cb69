"""The scratch-vs-pretrained runs: networks prepared per strategy, exact caching of the frozen
part, the sweep and the command."""

import json

import pytest
import torch

from tests.networks import lite0, resnet
from tlcourse import experiments as ex
from tlcourse.strategies import STRATEGIES, Budget, count_params
from tlcourse.tensor_data import TensorData


def tiny_data(n_per_class=4, classes=3, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(classes).repeat_interleave(n_per_class)
    X = torch.randn(len(y), 3, size, size, generator=g) + y.view(-1, 1, 1, 1).float()
    y_test = torch.arange(classes).repeat(2)
    X_test = torch.randn(len(y_test), 3, size, size, generator=g) + y_test.view(-1, 1, 1, 1).float()
    return TensorData(X, y, X_test, y_test, [f"c{i}" for i in range(classes)], "tiny")


# --- networks for each strategy ---------------------------------------------------------------

def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="Unknown strategy"):
        ex.prepare("fine_tune", "resnet18", 7, load=resnet)


@pytest.mark.parametrize("strategy, trainable", [
    ("feature_extraction", 3_591), ("partial_finetune", 8_397_319),
    ("full_finetune", 11_180_103), ("scratch", 11_180_103),
])
def test_prepare_sets_up_each_strategy(strategy, trainable):
    net = ex.prepare(strategy, "resnet18", 7, seed=0, load=resnet)
    assert count_params(net, trainable=True) == trainable
    assert net.fc.out_features == 7


def test_partial_finetuning_of_lite0_unfreezes_blocks6_and_conv_head():
    net = ex.prepare("partial_finetune", "efficientnet_lite0", 7, load=lambda _n: lite0())
    trainable = {n.split(".")[0] + ("." + n.split(".")[1] if n.startswith("blocks") else "")
                 for n, p in net.named_parameters() if p.requires_grad}
    assert trainable == {"blocks.6", "conv_head", "bn2", "classifier"}


def test_scratch_weights_depend_on_the_seed_only():
    a, b, c = (ex.prepare("scratch", "resnet18", 7, seed=s) for s in (0, 0, 1))
    assert torch.equal(a.conv1.weight, b.conv1.weight)
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


# --- caching the frozen part, the sweep -------------------------------------------------------

@pytest.mark.parametrize("strategy", ["feature_extraction", "partial_finetune"])
def test_caching_the_frozen_part_gives_the_same_training(strategy):
    data = tiny_data()
    budget = Budget(num_epochs=2, batch_size=4)
    cached = ex.run_strategy(strategy, "resnet18", data, budget, seed=3, cache=True, verbose=False, load=resnet)
    direct = ex.run_strategy(strategy, "resnet18", data, budget, seed=3, cache=False, verbose=False, load=resnet)
    for key in ("train_loss", "train_acc", "test_acc"):
        assert getattr(cached.history, key) == pytest.approx(getattr(direct.history, key), rel=1e-4, abs=1e-5)
    for (name, a), (_, b) in zip(cached.net.named_parameters(), direct.net.named_parameters()):
        assert torch.allclose(a, b, atol=1e-5), name


def test_sweep_reuses_known_points_and_trains_the_others():
    data = tiny_data(n_per_class=6)
    budget = Budget(num_epochs=1, batch_size=8)  # 9 images at 50 %: a last batch of 1 is dropped
    out = ex.sweep("resnet18", data, (0.5, 1.0), budget, seed=0, known={("scratch", 1.0): 0.123},
                   verbose=False, load=resnet)
    assert list(out) == ["feature_extraction", "scratch"]
    assert out["scratch"][1] == 0.123
    assert all(0 <= a <= 1 for values in out.values() for a in values)


# --- the command ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_command_writes_json_and_markdown(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_MODE", "smoke")
    out = tmp_path / "r.json"
    assert ex.main(["--out", str(out), "--backbone", "efficientnet_lite0", "--seeds", "0", "1",
                    "--fractions", "0.5", "1.0", "--epochs", "1", "--image-size", "32", "--threads", "1"]) == 0
    results = json.loads(out.read_text())
    assert results["seeds"] == [0, 1] and results["backbone"] == "efficientnet_lite0"
    assert list(results["strategies"]) == list(STRATEGIES)
    for row in results["strategies"].values():
        assert len(row["accuracy"]["values"]) == 2
        assert len(row["curves"]["test_acc"]) == 2 and len(row["curves"]["test_acc"][0]) == 1
    assert results["sweep"]["fractions"] == [0.5, 1.0]
    assert results["sweep"]["train_images"] == [28, 56]
    assert out.with_suffix(".md").read_text().count("\n| ") >= 4 + 2
