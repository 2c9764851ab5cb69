"""Do the scratch-vs-pretrained checks accept every right answer and teach on wrong ones?"""

import copy
import re

import numpy as np
import pytest
import torch
from torch import nn

from tlcourse.checks import CheckFailed
from tlcourse.checks.transfer import (RESNET_BLOCKS, check_results_structure, check_summary,
                                      check_unfreeze_last_blocks, expected_trainable,
                                      resnet_for_checks, synthetic_runs)
from tlcourse.strategies import count_params

# ResNet-18 with a Linear(512, 7) head: parameters per part, counted by hand from torchvision.
RESNET18 = {"fc": 3_591, "layer4": 8_393_728, "layer3": 2_099_712, "layer2": 525_568,
            "layer1": 147_968, "stem": 9_408 + 128}
EXPECTED_COUNTS = [3_591, 8_397_319, 10_497_031, 11_022_599, 11_170_567, 11_180_103]


# --- answers to (a) -------------------------------------------------------------------------

def by_list(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    for p in net.parameters():
        p.requires_grad = False
    for p in net.fc.parameters():
        p.requires_grad = True
    for block in blocks[:k]:
        for p in block.parameters():
            p.requires_grad = True
    return net


def by_names(net, k):
    prefixes = ["fc."] + [{"stem": "conv1."}.get(b, b + ".") for b in RESNET_BLOCKS[:k]]
    if k == 5:
        prefixes.append("bn1.")
    for name, p in net.named_parameters():
        p.requires_grad = any(name.startswith(pre) for pre in prefixes)


def by_requires_grad_(net, k):
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    stages = ["layer4", "layer3", "layer2", "layer1"]
    for name in stages[:k]:
        getattr(net, name).requires_grad_(True)
    if k >= 5:
        net.conv1.requires_grad_(True)
        net.bn1.requires_grad_(True)


def from_input_side(net, k):
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for block in [nn.ModuleList([net.conv1, net.bn1]), net.layer1, net.layer2, net.layer3, net.layer4][:k]:
        block.requires_grad_(True)


def head_forgotten(net, k):
    net.requires_grad_(False)
    for block in [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])][:k]:
        block.requires_grad_(True)


def stem_without_bn(net, k):
    by_requires_grad_(net, k)
    net.bn1.requires_grad_(False)


def unfreeze_only(net, k):
    # never freezes: right on a network whose blocks are all trainable, wrong after that
    net.fc.requires_grad_(True)
    for block in [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])][:k]:
        block.requires_grad_(True)


@pytest.mark.parametrize("answer", [by_list, by_names, by_requires_grad_], ids=lambda f: f.__name__)
def test_right_answers_pass_on_fresh_and_reused_networks(answer):
    check_unfreeze_last_blocks(answer)
    check_unfreeze_last_blocks(answer, ks=[5, 0, 3, 1, 4, 2], reuse=True)
    check_unfreeze_last_blocks(answer, ks=[0, 5], depth=34)


def test_the_exact_counts_follow_the_block_definition():
    parts = ["fc", *RESNET_BLOCKS]
    assert [sum(RESNET18[p] for p in parts[:k + 1]) for k in range(6)] == EXPECTED_COUNTS
    for k, count in enumerate(EXPECTED_COUNTS):
        net = resnet_for_checks()
        by_list(net, k)
        assert count_params(net, trainable=True) == count
        assert {n for n, p in net.named_parameters() if p.requires_grad} == expected_trainable(net, k)


@pytest.mark.parametrize("answer, reuse, words", [
    (from_input_side, False, "counted from the input"),
    (head_forgotten, False, "head always learns"),
    (stem_without_bn, False, "conv1 and bn1 together"),
    (unfreeze_only, True, "must first freeze every parameter"),
    (lambda net, k: None, False, r"wrongly trainable: conv1.weight, bn1.weight.*nothing was frozen"),
    (lambda net, k: [][k], False, "IndexError"),
])
def test_wrong_answers_are_explained(answer, reuse, words):
    ks = [5, 1] if reuse else range(6)
    with pytest.raises(CheckFailed, match=re.compile(words, re.S)):
        check_unfreeze_last_blocks(answer, ks=ks, reuse=reuse)


def test_a_message_has_expected_found_why_see():
    with pytest.raises(CheckFailed) as err:
        check_unfreeze_last_blocks(from_input_side, ks=[2])
    text = str(err.value)
    assert "Expected: after unfreeze_last_blocks(net, 2): fc, layer4, layer3 trainable (10,497,031" in text
    assert "Found:    fc, layer2, layer1 (" not in text  # stem is first from the input
    assert "Found:    fc, layer1, stem trainable" in text
    assert 'See:      the section "1. Blocks of a ResNet" of this notebook' in text


def test_not_a_function():
    with pytest.raises(CheckFailed, match="a function"):
        check_unfreeze_last_blocks(None)


# --- answers to (b) -------------------------------------------------------------------------

def summarize(runs):
    results = {}
    for strategy, (net, history) in runs.items():
        results[strategy] = {
            "accuracy": history.test_acc[-1],
            "seconds": sum(history.seconds),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
    return results


def summarize_numpy(runs):
    return {s: {"accuracy": np.float64(r.history.as_dict()["test_acc"][-1]),
                "seconds": np.sum(r.history.seconds),
                "trainable_params": np.int64(sum(p.numel() for p in r.net.parameters() if p.requires_grad)),
                "total_params": sum(p.numel() for p in r.net.parameters()),
                "best_accuracy": max(r.history.test_acc), "epochs": len(r.history.test_acc)}
            for s, r in runs.items()}


@pytest.fixture(scope="module")
def runs():
    return synthetic_runs(seed=0)


def test_synthetic_runs_look_like_the_four_strategies(runs):
    counts = [count_params(run.net, trainable=True) for run in runs.values()]
    assert list(runs) == ["feature_extraction", "partial_finetune", "full_finetune", "scratch"]
    assert counts == [3_591, 8_397_319, 11_180_103, 11_180_103]
    for run in runs.values():
        assert max(run.history.test_acc) > run.history.test_acc[-1]
    assert synthetic_runs(seed=1)["scratch"].history.seconds != runs["scratch"].history.seconds


@pytest.mark.parametrize("answer", [summarize, summarize_numpy])
def test_right_summaries_pass(runs, answer):
    results = answer(runs)
    check_summary(results, runs)
    check_results_structure(results)


def broken(runs, strategy, key, value):
    results = copy.deepcopy(summarize(runs))
    if value is KeyError:
        del results[strategy][key]
    else:
        results[strategy][key] = value(runs[strategy]) if callable(value) else value
    return results


@pytest.mark.parametrize("strategy, key, value, words", [
    ("scratch", "accuracy", lambda r: max(r.history.test_acc), "You took the best epoch"),
    ("scratch", "accuracy", lambda r: 100 * r.history.test_acc[-1], "between 0 and 1"),
    ("scratch", "accuracy", lambda r: r.history.test_acc, "a list holds one value per epoch"),
    ("full_finetune", "seconds", lambda r: r.history.seconds[-1], "last epoch's time only"),
    ("feature_extraction", "trainable_params", lambda r: sum(p.numel() for p in r.net.parameters()),
     "frozen ones"),
    ("partial_finetune", "trainable_params",
     lambda r: sum(1 for p in r.net.parameters() if p.requires_grad), "counts the numbers inside them"),
    ("scratch", "total_params", KeyError, "missing: total_params"),
    ("scratch", "accuracy", True, "a number"),
])
def test_wrong_summaries_are_explained(runs, strategy, key, value, words):
    with pytest.raises(CheckFailed, match=words):
        check_summary(broken(runs, strategy, key, value), runs)


def test_missing_strategy_and_wrong_type(runs):
    results = summarize(runs)
    del results["scratch"]
    with pytest.raises(CheckFailed, match="missing: scratch"):
        check_summary(results, runs)
    with pytest.raises(CheckFailed, match="a dict"):
        check_summary([1, 2], runs)


def test_structure_check_catches_inconsistent_counts(runs):
    results = summarize(runs)
    results["partial_finetune"]["trainable_params"] = results["full_finetune"]["trainable_params"]
    with pytest.raises(CheckFailed, match="feature extraction < partial < full"):
        check_results_structure(results)
    results = summarize(runs)
    results["scratch"]["trainable_params"] = 5
    with pytest.raises(CheckFailed, match="train every parameter"):
        check_results_structure(results)


def test_tensor_scalars_count_as_numbers(runs):
    results = summarize(runs)
    for row in results.values():
        row["accuracy"] = torch.tensor(row["accuracy"])
    check_summary(results, runs)
