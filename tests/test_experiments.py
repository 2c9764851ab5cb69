"""The scratch-vs-pretrained runs: networks prepared per strategy, exact caching of the frozen
part, the sweep and the command."""

import dataclasses
import json

import pytest
import torch

from tests.networks import lite0, resnet
from tlcourse import experiments as ex
from tlcourse.strategies import ALL_STRATEGIES, Budget, count_params, layer_lrs, optimizer_for
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
    assert list(results["strategies"]) == list(ALL_STRATEGIES)  # the four and head first, then layer-wise lrs
    for row in results["strategies"].values():
        assert len(row["accuracy"]["values"]) == 2
        assert len(row["curves"]["test_acc"]) == 2 and len(row["curves"]["test_acc"][0]) == 1
    assert results["sweep"]["fractions"] == [0.5, 1.0]
    assert results["sweep"]["train_images"] == [28, 56]
    assert out.with_suffix(".md").read_text().count("\n| ") >= 4 + 2


# --- the fifth strategy: head first, then unfreeze ----------------------------------------------

def test_head_then_unfreeze_freezes_then_unfreezes_at_the_right_epoch(monkeypatch):
    """The base does not move during the head epochs and moves after them; the epochs add up to
    the budget; the optimizer after unfreezing has the layer-wise rates."""
    data = tiny_data()
    budget = Budget(num_epochs=3, batch_size=4, head_epochs=2)
    seen = []
    real_train = ex.engine.train

    def spy(module, train_iter, test_iter, loss, optimizer, num_epochs, **kw):
        net = module if hasattr(module, "fc") else None
        seen.append({"epochs": num_epochs, "lrs": [g["lr"] for g in optimizer.param_groups],
                     "whole_net": net is not None,
                     "trainable": None if net is None else sum(p.requires_grad for p in net.parameters()),
                     "stem_before": None if net is None else net.conv1.weight.detach().clone()})
        out = real_train(module, train_iter, test_iter, loss, optimizer, num_epochs, **kw)
        if net is not None:
            seen[-1]["stem_after"] = net.conv1.weight.detach().clone()
        return out

    monkeypatch.setattr(ex.engine, "train", spy)
    start = resnet().conv1.weight.detach().clone()
    run = ex.run_strategy("head_then_unfreeze", "resnet18", data, budget, seed=0, verbose=False, load=resnet)
    assert len(run.history.test_acc) == 3 and len(run.history.seconds) == 3
    head_phase, unfrozen = seen
    assert head_phase["epochs"] == 2 and not head_phase["whole_net"]  # the head on cached features
    assert head_phase["lrs"] == [budget.head_lr]
    assert unfrozen["epochs"] == 1 and unfrozen["whole_net"]
    assert torch.equal(unfrozen["stem_before"], start)  # nothing of the base moved in the head epochs
    assert not torch.equal(unfrozen["stem_after"], start)  # and it learns once unfrozen
    assert unfrozen["trainable"] == len(list(run.net.parameters()))
    assert unfrozen["lrs"] == pytest.approx([lr for _, lr in layer_lrs(run.net, budget)])


def test_head_then_unfreeze_caching_the_head_phase_gives_the_same_training():
    data = tiny_data()
    budget = Budget(num_epochs=3, batch_size=4, head_epochs=1)
    cached = ex.run_strategy("head_then_unfreeze", "resnet18", data, budget, seed=1, cache=True, verbose=False, load=resnet)
    direct = ex.run_strategy("head_then_unfreeze", "resnet18", data, budget, seed=1, cache=False, verbose=False, load=resnet)
    assert cached.history.train_loss == pytest.approx(direct.history.train_loss, rel=1e-4, abs=1e-5)
    for (name, a), (_, b) in zip(cached.net.named_parameters(), direct.net.named_parameters()):
        assert torch.allclose(a, b, atol=1e-5), name


def test_merge_adds_rows_and_refuses_other_conditions():
    old = {"format": 1, "backbone": "b", "weights": "w", "data": "d", "seeds": [0, 1, 2],
           "budget": {"num_epochs": 6}, "strategies": {"scratch": {"accuracy": 0.4}}, "sweep": {"x": 1}}
    new = dict(old, budget={"num_epochs": 6, "head_epochs": 2}, strategies={"head_then_unfreeze": {"accuracy": 0.7}},
               machine={"wall_seconds": 1})
    out = ex.merged(old, new, "python -m tlcourse.experiments --merge")
    assert list(out["strategies"]) == ["scratch", "head_then_unfreeze"]
    assert out["strategies"]["scratch"] == {"accuracy": 0.4} and out["sweep"] == {"x": 1}
    assert out["merged"][0]["strategies"] == ["head_then_unfreeze"]
    with pytest.raises(ValueError, match="seeds"):
        ex.merged(old, dict(new, seeds=[0]), "c")
    with pytest.raises(ValueError, match="budget differs"):
        ex.merged(old, dict(new, budget={"num_epochs": 5}), "c")


# --- learning rates other than the course's: --lr ROLE=RATE -----------------------------------

def test_lr_roles_are_the_budgets_learning_rates_and_the_option_sets_them():
    assert ex.LR_ROLES == {"head": "head_lr", "base": "base_lr", "scratch": "scratch_lr"}
    args = ex.command_parser("x").parse_args(["--out", "o.json", "--lr", "base=1e-3", "scratch=0.01"])
    assert args.lr == {"base": 1e-3, "scratch": 0.01}
    budget = ex.with_rates(Budget(num_epochs=2), args.lr)
    assert (budget.base_lr, budget.scratch_lr, budget.head_lr, budget.num_epochs) == (1e-3, 0.01, Budget.head_lr, 2)
    assert ex.command_parser("x").parse_args(["--out", "o.json"]).lr == {}  # the course's rates
    net = ex.prepare("full_finetune", "resnet18", 7, load=resnet)
    groups = optimizer_for("full_finetune", net, budget).param_groups
    assert [g["lr"] for g in groups] == [Budget.head_lr, 1e-3]  # every layer at the head's rate


@pytest.mark.parametrize("given, message", [
    ("bse=1e-3", "not ROLE=RATE with a role the budget knows; write e.g. base=1e-3. Roles: head"),
    ("1e-3", "not ROLE=RATE"),
    ("base=fast", "the learning rate must be a positive number such as 1e-3, not 'fast'"),
    ("base=0", "must be a positive number"),
    ("base=-1e-3", "must be a positive number"),
    ("base=nan", "must be a positive number"),
    ("base=inf", "must be a positive number"),
])
def test_a_bad_lr_is_refused_with_what_to_write(given, message, capsys):
    with pytest.raises(SystemExit):
        ex.command_parser("x").parse_args(["--out", "o.json", "--lr", given])
    assert message in capsys.readouterr().err


def test_an_unknown_role_is_answered_with_every_role_and_its_default_rate(capsys):
    with pytest.raises(SystemExit):
        ex.command_parser("x").parse_args(["--out", "o.json", "--lr", "bse=1e-3"])
    said = capsys.readouterr().err
    rates = [f for f in dataclasses.fields(Budget) if f.name.endswith("_lr")]
    assert len(rates) == 3
    for field in rates:
        assert f"{field.name[:-len('_lr')]} ({field.default:g} by default)" in said


def test_a_role_given_twice_is_refused(capsys):
    with pytest.raises(SystemExit):
        ex.command_parser("x").parse_args(["--out", "o.json", "--lr", "base=1e-3", "--lr", "base=1e-4"])
    assert "sets the base learning rate twice (0.001 and 0.0001); give each role once" in capsys.readouterr().err
