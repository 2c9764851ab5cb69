"""The scratch-vs-pretrained runner: blocks, strategies, frozen batch-norm, exact caching,
subsets, aggregation, the command and the committed results."""

import json
import statistics
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from tlcourse import experiments as ex
from tlcourse.checks.transfer import check_results_structure, expected_trainable
from tlcourse.engine import History

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "data" / "results" / "scratch_vs_pretrained.json"


def resnet(_name="resnet18"):
    """Stands in for a pretrained ResNet-18: the same random weights on every call."""
    torch.manual_seed(1234)
    return torchvision.models.resnet18(weights=None)


def lite0():
    import timm

    return timm.create_model("efficientnet_lite0", pretrained=False)


def tiny_data(n_per_class=4, classes=3, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(classes).repeat_interleave(n_per_class)
    X = torch.randn(len(y), 3, size, size, generator=g) + y.view(-1, 1, 1, 1).float()
    y_test = torch.arange(classes).repeat(2)
    X_test = torch.randn(len(y_test), 3, size, size, generator=g) + y_test.view(-1, 1, 1, 1).float()
    return ex.TensorData(X, y, X_test, y_test, [f"c{i}" for i in range(classes)], "tiny")


# --- blocks and strategies ----------------------------------------------------------------

@pytest.mark.parametrize("make, names", [
    (resnet, ["layer4", "layer3", "layer2", "layer1", "stem"]),
    (lite0, ["conv_head"] + [f"blocks.{i}" for i in range(6, -1, -1)] + ["stem"]),
])
def test_blocks_and_head_hold_every_parameter_once(make, names):
    net = make()
    parts = ex.blocks(net)
    assert [n for n, _ in parts] == names
    ids = [id(p) for _, modules in parts for m in modules for p in m.parameters()]
    ids += [id(p) for p in getattr(net, ex.head_attr(net)).parameters()]
    assert sorted(ids) == sorted(id(p) for p in net.parameters())


def test_set_trainable_on_a_resnet_matches_the_graded_definition():
    net = resnet()
    net.fc = nn.Linear(512, 7)
    for k in [5, 0, 3, 1, 4, 2]:
        ex.set_trainable(net, k)
        assert {n for n, p in net.named_parameters() if p.requires_grad} == expected_trainable(net, k)
    with pytest.raises(ValueError, match="between 0 and 5"):
        ex.set_trainable(net, 6)


def test_unknown_network_and_strategy_are_refused():
    with pytest.raises(TypeError, match="neither a torchvision ResNet nor a timm EfficientNet"):
        ex.blocks(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Unknown strategy"):
        ex.prepare("fine_tune", "resnet18", 7, load=resnet)


@pytest.mark.parametrize("strategy, trainable", [
    ("feature_extraction", 3_591), ("partial_finetune", 8_397_319),
    ("full_finetune", 11_180_103), ("scratch", 11_180_103),
])
def test_prepare_sets_up_each_strategy(strategy, trainable):
    net = ex.prepare(strategy, "resnet18", 7, seed=0, load=resnet)
    assert ex.count_params(net, trainable_only=True) == trainable
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


def test_optimizer_learning_rates_per_role():
    budget = ex.Budget(head_lr=1e-3, base_lr=1e-4, scratch_lr=5e-4)
    full = ex.prepare("full_finetune", "resnet18", 7, load=resnet)
    groups = ex.optimizer_for("full_finetune", full, budget).param_groups
    assert [g["lr"] for g in groups] == [1e-3, 1e-4]
    assert [len(g["params"]) for g in groups] == [2, len(list(full.parameters())) - 2]
    fe = ex.prepare("feature_extraction", "resnet18", 7, load=resnet)
    assert [len(g["params"]) for g in ex.optimizer_for("feature_extraction", fe, budget).param_groups] == [2]
    scratch = ex.prepare("scratch", "resnet18", 7)
    assert [g["lr"] for g in ex.optimizer_for("scratch", scratch, budget).param_groups] == [5e-4]


# --- frozen batch-norm and caching ------------------------------------------------------------

def bn_means(net):
    return [m.running_mean.clone() for m in net.modules() if isinstance(m, nn.BatchNorm2d)]


@pytest.mark.parametrize("strategy, moves", [("feature_extraction", False), ("partial_finetune", False),
                                             ("full_finetune", False), ("scratch", True)])
def test_batchnorm_statistics_move_only_when_training_from_scratch(strategy, moves):
    net = ex.prepare(strategy, "resnet18", 3, load=resnet)
    before = bn_means(net)
    hook = ex.hold_batchnorm_in_eval(net, ex.held_batchnorms(net, strategy))
    net.train()
    net(torch.randn(4, 3, 32, 32) + 3)
    hook.remove()
    changed = [not torch.equal(a, b) for a, b in zip(before, bn_means(net))]
    assert all(changed) if moves else not any(changed)
    net.train()  # held layers are put back in eval mode at each forward pass, not for good
    assert net.layer1[0].bn1.training


def test_held_batchnorm_weights_still_learn():
    net = ex.prepare("full_finetune", "resnet18", 3, load=resnet)
    weight = net.layer4[0].bn1.weight.detach().clone()
    hook = ex.hold_batchnorm_in_eval(net, ex.held_batchnorms(net, "full_finetune"))
    optimizer = ex.optimizer_for("full_finetune", net, ex.Budget())
    net.train()
    nn.functional.cross_entropy(net(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 0])).backward()
    optimizer.step()
    hook.remove()
    assert not torch.equal(net.layer4[0].bn1.weight, weight)


@pytest.mark.parametrize("strategy", ["feature_extraction", "partial_finetune"])
def test_caching_the_frozen_part_gives_the_same_training(strategy):
    data = tiny_data()
    budget = ex.Budget(num_epochs=2, batch_size=4)
    cached = ex.run_strategy(strategy, "resnet18", data, budget, seed=3, cache=True, verbose=False, load=resnet)
    direct = ex.run_strategy(strategy, "resnet18", data, budget, seed=3, cache=False, verbose=False, load=resnet)
    for key in ("train_loss", "train_acc", "test_acc"):
        assert getattr(cached.history, key) == pytest.approx(getattr(direct.history, key), rel=1e-4, abs=1e-5)
    for (name, a), (_, b) in zip(cached.net.named_parameters(), direct.net.named_parameters()):
        assert torch.allclose(a, b, atol=1e-5), name


def test_layers_compute_what_the_network_computes():
    for net in (resnet(), lite0()):
        net.eval()
        X = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            assert torch.allclose(nn.Sequential(*ex.layers(net))(X), net(X), atol=1e-5)


def test_nothing_frozen_means_no_cache():
    net = ex.prepare("full_finetune", "resnet18", 3, load=resnet)
    assert ex.frozen_prefix_length(ex.layers(net)) == 0
    fe = ex.prepare("feature_extraction", "resnet18", 3, load=resnet)
    parts = ex.layers(fe)
    assert parts[ex.frozen_prefix_length(parts)] is fe.fc


# --- subsets, sweep, aggregation ----------------------------------------------------------------

def test_stratified_subsets_are_balanced_seeded_and_nested_in_the_data():
    y = torch.tensor([0] * 10 + [1] * 30 + [2] * 3)
    idx = ex.stratified_indices(y, 0.1, seed=0)
    assert torch.bincount(y[idx]).tolist() == [1, 3, 1]
    assert torch.equal(idx, ex.stratified_indices(y, 0.1, seed=0))
    assert not torch.equal(ex.stratified_indices(y, 0.5, seed=0), ex.stratified_indices(y, 0.5, seed=1))
    assert len(ex.stratified_indices(y, 1.0, seed=0)) == len(y)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        ex.stratified_indices(y, 0, seed=0)


def test_sweep_reuses_known_points_and_trains_the_others():
    data = tiny_data(n_per_class=6)
    budget = ex.Budget(num_epochs=1, batch_size=8)  # 9 images at 50 %: a last batch of 1 is dropped
    out = ex.sweep("resnet18", data, (0.5, 1.0), budget, seed=0, known={("scratch", 1.0): 0.123},
                   verbose=False, load=resnet)
    assert list(out) == ["feature_extraction", "scratch"]
    assert out["scratch"][1] == 0.123
    assert all(0 <= a <= 1 for values in out.values() for a in values)


def test_aggregate_and_markdown():
    def run(strategy, acc, seconds):
        net = ex.prepare(strategy, "resnet18", 7, load=resnet)
        return ex.Run(net, History([1.0, 0.5], [0.3, 0.6], [0.2, acc], [seconds, seconds]))

    per_seed = {seed: {s: run(s, acc, 1.0 + seed) for s, acc in zip(ex.STRATEGIES, (0.8, 0.7, 0.6, 0.3 + seed / 10))}
                for seed in (0, 1, 2)}
    agg = ex.aggregate(per_seed)
    assert agg["scratch"]["accuracy"]["values"] == [0.3, 0.4, 0.5]
    assert agg["scratch"]["accuracy"]["std"] == pytest.approx(0.1)
    assert agg["full_finetune"]["seconds"]["mean"] == pytest.approx(4.0)
    assert agg["feature_extraction"]["curves"]["test_acc"][0] == [0.2, 0.8]
    sweep = ex.aggregate_sweep({0: {"a": [0.1, 0.9]}, 1: {"a": [0.3, 0.7]}}, [0.5, 1.0])
    assert sweep["strategies"]["a"][0]["mean"] == pytest.approx(0.2)
    table = ex.results_markdown({"seeds": [0, 1, 2], "strategies": agg})
    assert "| scratch (random init) | 0.400 ± 0.100 |" in table
    assert "3,591 of 11,180,103" in table


# --- the command and the committed results -------------------------------------------------------

@pytest.mark.slow
def test_the_command_writes_json_and_markdown(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_MODE", "smoke")
    out = tmp_path / "r.json"
    assert ex.main(["--out", str(out), "--backbone", "efficientnet_lite0", "--seeds", "0", "1",
                    "--fractions", "0.5", "1.0", "--epochs", "1", "--image-size", "32", "--threads", "1"]) == 0
    results = json.loads(out.read_text())
    assert results["seeds"] == [0, 1] and results["backbone"] == "efficientnet_lite0"
    assert list(results["strategies"]) == list(ex.STRATEGIES)
    for row in results["strategies"].values():
        assert len(row["accuracy"]["values"]) == 2
        assert len(row["curves"]["test_acc"]) == 2 and len(row["curves"]["test_acc"][0]) == 1
    assert results["sweep"]["fractions"] == [0.5, 1.0]
    assert results["sweep"]["train_images"] == [28, 56]
    assert out.with_suffix(".md").read_text().count("\n| ") >= 4 + 2


def test_committed_results_are_consistent_and_the_markdown_is_generated_from_them():
    results = json.loads(RESULTS.read_text())
    assert len(results["seeds"]) == 3
    rows = results["strategies"]
    flat = {s: {"accuracy": r["accuracy"]["mean"], "seconds": r["seconds"]["mean"],
                "trainable_params": r["trainable_params"], "total_params": r["total_params"]}
            for s, r in rows.items()}
    check_results_structure(flat)
    for r in rows.values():
        values = r["accuracy"]["values"]
        assert len(values) == 3
        assert r["accuracy"]["mean"] == pytest.approx(statistics.fmean(values))
        assert r["accuracy"]["std"] == pytest.approx(statistics.stdev(values))
        assert [h[-1] for h in r["curves"]["test_acc"]] == pytest.approx(values)
    md = RESULTS.with_suffix(".md").read_text()
    assert ex.results_markdown(results) in md
