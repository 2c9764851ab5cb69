"""The batch-norm ablations: statistics recomputed on the training images, the batch-norm
override of a run, optimizer steps per share of the data, and the committed results."""

import json
import statistics
from pathlib import Path

import pytest
import torch
from torch import nn

from tests.networks import resnet
from tests.test_experiments import tiny_data
from tlcourse import ablations as ab
from tlcourse import experiments as ex
from tlcourse.strategies import Budget

RESULTS = Path(__file__).resolve().parent.parent / "data" / "results"


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))


def test_recomputed_statistics_are_those_of_the_training_images():
    net = small_net().eval()
    bn = net[1]
    bn.running_mean.fill_(5.0)
    bn.running_var.fill_(9.0)
    weight = bn.weight.detach().clone()
    X = torch.randn(40, 3, 8, 8) * 3 + 1
    ab.recompute_batchnorm_statistics(net, X)
    conv_out = net[0](X).detach()
    assert torch.allclose(bn.running_mean, conv_out.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(bn.running_var, conv_out.var(dim=(0, 2, 3), unbiased=True), rtol=1e-3)
    assert bn.momentum == 0.1 and not net.training  # momentum and mode as they were
    assert torch.equal(bn.weight, weight)  # only statistics change


@pytest.mark.parametrize("images, steps", [(26, 6), (65, 12), (132, 30), (265, 54), (33, 6)])
def test_the_same_six_epochs_are_6_to_54_optimizer_steps(images, steps):
    # 65 and 33 images: the last batch of one image is dropped (tensor_data.loaders).
    assert ab.optimizer_steps(images, Budget()) == steps


@pytest.mark.parametrize("keep, moved", [(True, False), (False, True)])
def test_the_batchnorm_override_holds_or_updates_a_scratch_networks_statistics(keep, moved):
    run = ex.run_strategy("scratch", "resnet18", tiny_data(), Budget(num_epochs=1, batch_size=4), seed=0,
                          verbose=False, keep_statistics=keep)
    means = [m.running_mean for m in run.net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert any(bool(m.abs().sum() > 0) for m in means) == moved


def test_largest_class_share_and_scores():
    assert ab.largest_class_share(torch.tensor([0, 1, 1, 2])) == 0.5
    net = small_net()
    data = tiny_data(classes=2)
    scores = ab.scored(net, data)
    assert 0 <= scores["accuracy"] <= 1 and scores["classes_predicted"] in (1, 2)


def test_modes_and_sweep_on_tiny_data():
    data, budget, seen = tiny_data(n_per_class=6), Budget(num_epochs=1, batch_size=8), []
    modes = ab.run_modes("resnet18", data, budget, seeds=[0, 1], load=resnet, log=lambda _m: None,
                         on_seed=lambda part, done: seen.append(list(done)))
    assert seen == [[0], [0, 1]]
    assert set(modes) == {"full_finetune", "scratch"}
    for per_mode in modes.values():
        assert list(per_mode) == list(ab.MODES)
        for row in per_mode.values():
            assert len(row["accuracy"]["values"]) == 2 and len(row["classes_predicted"]) == 2
    sweep = ab.run_sweep("resnet18", data, budget, seeds=[0], fractions=[0.5, 1.0], log=lambda _m: None)
    assert [r["train_images"] for r in sweep["rows"]] == [9, 18]
    assert [r["optimizer_steps"] for r in sweep["rows"]] == [1, 3]  # 9 images: 8 + a dropped 1


@pytest.mark.parametrize("name", ["batchnorm_modes.json", "scratch_batchnorm_sweep.json", "finetune_rates.json"])
def test_committed_ablations_are_consistent_and_the_markdown_is_generated_from_them(name):
    if not (RESULTS / name).exists():
        pytest.skip(f"data/results/{name} is not committed")
    results = json.loads((RESULTS / name).read_text())
    n = len(results["seeds"])
    assert n >= 1 and results["command"].startswith("python -m tlcourse.ablations ")
    cells = ([row["accuracy"] for modes in results.get("modes", {}).values() for row in modes.values()]
             + [r[k] for r in results.get("sweep", {}).get("rows", []) for k in ("as_trained", "recomputed")]
             + [r[k] for r in results.get("rates", {}).get("rows", [])
                for k in ("accuracy", "train_accuracy", "seconds", "weights_moved")])
    assert cells
    for cell in cells:
        assert len(cell["values"]) == n
        assert cell["mean"] == pytest.approx(statistics.fmean(cell["values"]))
    for row in results.get("sweep", {}).get("rows", []):
        assert row["optimizer_steps"] == ab.optimizer_steps(row["train_images"], Budget(**results["budget"]))
    assert (RESULTS / name).with_suffix(".md").read_text() == ab.document(results)  # byte for byte


def part(strategy, mode, values, seeds=(0, 1, 2)):
    row = {"accuracy": {"mean": sum(values) / len(values), "std": 0.0, "values": values},
           "classes_predicted": [7] * len(values)}
    return {"kind": "modes", "command": f"python -m tlcourse.ablations modes --strategies {strategy}",
            "seeds": list(seeds), "backbone": "b", "weights": "w", "data": "d",
            "budget": {"num_epochs": 6, "batch_size": 32, "image_size": 96, "head_lr": 1e-3, "base_lr": 1e-4,
                       "scratch_lr": 1e-3, "weight_decay": 1e-4},
            "largest_class_share": 0.25, "modes": {strategy: {mode: row}},
            "machine": {"wall_seconds": len(values), "device": "cpu", "threads": 1, "torch": "t"}}


def test_merge_puts_parts_together_in_the_order_of_the_modes_and_refuses_mismatched_parts():
    fixed, updated = ab.MODE_NAMES["fixed"], ab.MODE_NAMES["updated"]
    merged = ab.merge([part("scratch", fixed, [0.3, 0.4, 0.5]), part("scratch", updated, [0.1, 0.2, 0.3]),
                       part("full_finetune", updated, [0.7, 0.7, 0.8])], command="all of it")
    assert list(merged["modes"]["scratch"]) == [updated, fixed]
    assert merged["modes"]["scratch"][fixed]["accuracy"]["values"] == [0.3, 0.4, 0.5]
    assert merged["command"] == "all of it" and merged["seeds"] == [0, 1, 2]
    assert "| scratch (random init) | kept fixed (eval mode) | 0.400 ± 0.100 |" in ab.document(merged)
    cut = ab.merge([part("scratch", fixed, [0.3, 0.5], seeds=(0, 1)), part("scratch", updated, [0.1], seeds=(0,))], "x")
    assert cut["seeds"] == [0] and cut["modes"]["scratch"][fixed]["accuracy"]["values"] == [0.3]
    assert cut["modes"]["scratch"][fixed]["accuracy"]["mean"] == 0.3  # recomputed for the seeds kept
    assert "Note: some parts had finished 2 seeds, others 1" in ab.document(cut)
    assert "Note:" not in ab.document(merged)
    with pytest.raises(ValueError, match="differ in seeds"):
        ab.merge([part("scratch", fixed, [0.3]), part("scratch", updated, [0.1], seeds=(1,))], "x")


def base_statistics(net):
    return [m.running_mean.clone() for name, m in net.named_modules() if isinstance(m, nn.BatchNorm2d)]


@pytest.mark.parametrize("keep", [False, True])
def test_feature_extraction_with_statistics_updated_moves_the_statistics_and_no_weight(keep):
    start = resnet()
    run = ab.run_in_mode("feature_extraction", "resnet18", tiny_data(), Budget(num_epochs=1, batch_size=4), seed=0,
                         keep_statistics=keep, load=resnet)
    for (name, p), p0 in zip(run.net.named_parameters(), start.parameters()):
        if not name.startswith("fc."):
            assert torch.equal(p, p0), name  # the base's weights, batch-norm scale and shift included
            assert not p.requires_grad, name  # frozen again after training
    moved = [not torch.equal(a, b) for a, b in zip(base_statistics(run.net), base_statistics(start))]
    assert all(moved) if not keep else not any(moved)  # d2l's train mode: every layer's statistics move
    assert ab.weights_moved(run.net, start) == 0.0


def test_weights_moved_is_the_relative_change_outside_the_head():
    start, net = resnet(), resnet()
    assert ab.weights_moved(net, start) == 0.0
    with torch.no_grad():
        net.layer1[0].conv1.weight.mul_(3)  # this weight moves by twice its own size
        net.fc.weight.add_(100)  # the head does not count
    with torch.no_grad():
        size = sum(float(p.pow(2).sum()) for name, p in start.named_parameters() if not name.startswith("fc."))
        expected = 2 * float(start.layer1[0].conv1.weight.norm()) / size ** 0.5
    assert ab.weights_moved(net, start) == pytest.approx(expected, rel=1e-5)


def test_rates_runs_each_strategy_at_the_course_rates_and_at_the_new_ones_where_they_differ():
    data, budget, seen = tiny_data(n_per_class=6), Budget(num_epochs=1, batch_size=8), []
    out = ab.run_rates("resnet18", data, budget, seeds=[0, 1], rates={"base": 1e-3},
                       strategies=("feature_extraction", "full_finetune"), load=resnet, log=lambda _m: None,
                       on_seed=lambda part, done: seen.append(list(done)))
    assert seen == [[0], [0, 1]]
    rows = [(r["strategy"], r["learning_rates"], r["batchnorm"], r["course_rates"]) for r in out["rows"]]
    updated, fixed = ab.MODES
    assert rows == [("feature_extraction", "head 0.001", updated, True),  # base=1e-3 changes nothing here
                    ("feature_extraction", "head 0.001", fixed, True),
                    ("full_finetune", "head 0.001, base 0.0001", updated, True),
                    ("full_finetune", "head 0.001, base 0.0001", fixed, True),
                    ("full_finetune", "head 0.001, base 0.001", updated, False),
                    ("full_finetune", "head 0.001, base 0.001", fixed, False)]
    moved = [r["weights_moved"]["mean"] for r in out["rows"]]
    assert moved[:2] == [0.0, 0.0] and 0 < moved[3] < moved[5]  # ten times the rate moves the base further
    for r in out["rows"]:
        assert len(r["accuracy"]["values"]) == len(r["train_accuracy"]["values"]) == len(r["classes_predicted"]) == 2
    table = ab.rates_table({"seeds": [0, 1], "rates": out})
    assert "| full fine-tuning | head 0.001, base 0.001 (--lr) | kept fixed (eval mode) |" in table


def test_rates_needs_the_rates_to_compare(capsys, tmp_path):
    with pytest.raises(SystemExit):
        ab.main(["rates", "--out", str(tmp_path / "r.json")])
    assert "give them with --lr ROLE=RATE (e.g. --lr base=1e-3)" in capsys.readouterr().err
