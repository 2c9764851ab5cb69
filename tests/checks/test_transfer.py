"""Do the scratch-vs-pretrained checks accept every right answer and teach on wrong ones?"""

import copy
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from tlcourse.checks import CheckFailed
from tlcourse.checks.transfer import (RESNET_BLOCKS, check_results_structure, check_summarize, check_summary,
                                      check_unfreeze_last_blocks, expected_trainable,
                                      resnet_for_checks, synthetic_runs)
from tlcourse.strategies import count_params
from tests.checks.broken_check import assert_grading_error

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


# --- the contracts: equivalent forms pass, each named mistake fails with its own message -------

STAGES = {1: ["layer4"], 2: ["layer4", "layer3"], 3: ["layer4", "layer3", "layer2"],
          4: ["layer4", "layer3", "layer2", "layer1"]}


def by_get_submodule_table(net, k):
    def set_trainable(module, flag):
        for p in module.parameters():
            p.requires_grad = flag

    set_trainable(net, False)
    set_trainable(net.get_submodule("fc"), True)
    for name in STAGES.get(k, ["layer4", "layer3", "layer2", "layer1", "conv1", "bn1"] if k == 5 else []):
        set_trainable(net.get_submodule(name), True)


def by_named_children(net, k):
    order = ["fc", "layer4", "layer3", "layer2", "layer1", "stem"][:k + 1]
    for name, child in net.named_children():
        part = "stem" if name in ("conv1", "bn1") else name
        child.requires_grad_(part in order)


def replaces_the_head(net, k):
    by_list(net, k)
    net.fc = nn.Linear(net.fc.in_features, 7)  # "a new head is trainable anyway"


def reinitialises_unfrozen_blocks(net, k):
    by_list(net, k)
    for block in [net.layer4, net.layer3, net.layer2, net.layer1][:k]:
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)


def replaces_layer4_with_a_copy(net, k):
    by_list(net, k)
    if k >= 1:
        net.layer4 = copy.deepcopy(net.layer4)


def test_every_graded_cell_of_the_notebook_has_a_contract():
    import nbformat

    from tlcourse.checks.transfer import CONTRACT

    path = Path(__file__).resolve().parents[2] / "source" / "04_scratch_vs_pretrained/scratch_vs_pretrained.ipynb"
    graded = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    assert set(CONTRACT) == graded
    for contract in CONTRACT.values():
        assert "achieves:" in contract and "may not change:" in contract and "equally right:" in contract


@pytest.mark.parametrize("answer", [by_get_submodule_table, by_named_children], ids=lambda f: f.__name__)
def test_more_right_forms_pass(answer):
    check_unfreeze_last_blocks(answer)
    check_unfreeze_last_blocks(answer, ks=[5, 0, 3, 1, 4, 2], reuse=True)


@pytest.mark.parametrize("answer, words", [
    (replaces_the_head, r"new or replaced parameters in fc: fc.weight, fc.bias(.|\n)*fresh random weights"),
    (replaces_layer4_with_a_copy, r"replaced parameters in layer4: layer4.0.conv1.weight"),
    (reinitialises_unfrozen_blocks, r"leave every weight as it was(.|\n)*changed values: layer4.0.conv1.weight"),
])
def test_a_network_changed_beyond_requires_grad_fails_with_that_reason(answer, words):
    with pytest.raises(CheckFailed, match=re.compile(words)):
        check_unfreeze_last_blocks(answer, ks=[1])


def summarize_rounded(runs):
    # rounded as the table shows the values: 3 decimals for accuracy, 1 for seconds
    return {s: {"accuracy": round(h.test_acc[-1], 3), "seconds": round(sum(h.seconds), 1),
                "trainable_params": sum(p.numel() for p in n.parameters() if p.requires_grad),
                "total_params": sum(p.numel() for p in n.parameters())} for s, (n, h) in runs.items()}


def summarize_torch_float32(runs):
    import math

    out = {}
    for s, run in runs.items():
        out[s] = dict(accuracy=torch.tensor(run.history.test_acc)[-1], seconds=torch.tensor(run.history.seconds).sum(),
                      trainable_params=sum(math.prod(p.shape) for p in run.net.parameters() if p.requires_grad),
                      total_params=sum(math.prod(p.shape) for p in run.net.parameters()))
    return out


@pytest.mark.parametrize("answer", [summarize, summarize_numpy, summarize_rounded, summarize_torch_float32],
                         ids=lambda f: f.__name__)
def test_right_summarize_functions_pass_the_whole_check(answer):
    for seed, epochs in ((0, 4), (2, 7)):
        check_summarize(answer, synthetic_runs(seed=seed, num_epochs=epochs))
    runs = synthetic_runs(seed=1, num_epochs=2)
    check_summarize(answer, {s: runs[s] for s in ("full_finetune", "scratch")})


def pops_the_last_epoch(runs):
    return {s: {"accuracy": h.test_acc.pop(), "seconds": sum(h.seconds),
                "trainable_params": sum(p.numel() for p in n.parameters() if p.requires_grad),
                "total_params": sum(p.numel() for p in n.parameters())} for s, (n, h) in runs.items()}


def fixed_strategy_names(runs):
    return {s: summarize({s: runs[s]})[s] for s in ("feature_extraction", "partial_finetune", "full_finetune", "scratch")}


def rounded_too_far(runs):
    results = summarize(runs)
    for row in results.values():
        row["accuracy"] = round(row["accuracy"], 1)
    return results


@pytest.mark.parametrize("answer, words", [
    (pops_the_last_epoch, r"leave the runs as they were(.|\n)*history lists"),
    (fixed_strategy_names, r"KeyError: 'feature_extraction'(.|\n)*whatever strategies it holds"),
    (rounded_too_far, r"the test accuracy after the last epoch"),
    ("not a function", r"a function summarize"),
])
def test_wrong_summarize_functions_fail_with_their_reason(answer, words):
    runs = synthetic_runs(seed=1, num_epochs=2)
    two = {s: runs[s] for s in ("full_finetune", "scratch")}
    with pytest.raises(CheckFailed, match=re.compile(words)):
        check_summarize(answer, runs)
        check_summarize(answer, two)


# --- a check that cannot run says so: a grading error, never a verdict on the answer ----------

def test_a_check_that_breaks_inside_reports_a_grading_error(monkeypatch):
    import tlcourse.checks.transfer as transfer

    assert_grading_error(monkeypatch, transfer, "resnet_for_checks", check_unfreeze_last_blocks,
                         lambda: check_unfreeze_last_blocks(by_list, ks=[0]), RuntimeError("no torchvision here"))


def test_the_students_own_exceptions_stay_teaching_messages(runs):
    def crashes(runs):
        raise ZeroDivisionError("division by zero")

    with pytest.raises(CheckFailed, match="ZeroDivisionError"):
        check_summarize(crashes, runs)
    with pytest.raises(CheckFailed, match="IndexError"):
        check_unfreeze_last_blocks(lambda net, k: [][k], ks=[0])


# --- summarize reading the notebook's global runs instead of its argument -----------------------

GLOBAL_RUNS_SUMMARY = """
def summarize(all_runs):
    results = {}
    for strategy, (net, history) in runs.items():
        results[strategy] = {
            "accuracy": history.test_acc[-1],
            "seconds": sum(history.seconds),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
    return results
"""


def notebook_function(source: str, **variables):
    """``summarize`` defined in a namespace of its own holding ``variables``, as in a notebook."""
    namespace = dict(variables)
    exec(source, namespace)  # noqa: S102 - the test's own source, a student's cell
    return namespace["summarize"]


def test_a_summary_of_the_global_runs_is_named_as_that_mistake():
    answer = notebook_function(GLOBAL_RUNS_SUMMARY, runs=synthetic_runs(seed=3))
    given = synthetic_runs(seed=1, num_epochs=2)
    for runs in (given, {s: given[s] for s in ("full_finetune", "scratch")}):
        with pytest.raises(CheckFailed, match=r"a summary of the notebook's variable 'runs', not of the runs "
                           r"it was called with(.|\n)*instead of the argument it is given") as failed:
            check_summarize(answer, runs)
        assert "all_runs" not in str(failed.value), "the message never prints the solution line"


@pytest.mark.parametrize("accuracy, words", [
    ("max(history.test_acc)", "You took the best epoch"),
    ("history.test_acc.pop()", "leave the runs as they were"),
])
def test_other_mistakes_keep_their_message_when_the_notebook_has_runs(accuracy, words):
    """A global runs next to the function does not turn every wrong summary into that mistake."""
    source = GLOBAL_RUNS_SUMMARY.replace("runs.items()", "all_runs.items()").replace("history.test_acc[-1]", accuracy)
    answer = notebook_function(source, runs=synthetic_runs(seed=3))
    with pytest.raises(CheckFailed, match=words):
        check_summarize(answer, synthetic_runs(seed=1, num_epochs=2))


def test_a_right_summary_passes_next_to_a_global_runs():
    answer = notebook_function(GLOBAL_RUNS_SUMMARY.replace("runs.items()", "all_runs.items()"),
                               runs=synthetic_runs(seed=3))
    check_summarize(answer, synthetic_runs(seed=1, num_epochs=2))


# --- answers to (c): reading a learning-rate sweep ----------------------------------------------

from tlcourse.checks.transfer import LR_CASES, check_pick_learning_rate  # noqa: E402


def lr_by_loop(histories):
    best = None
    for lr, losses in histories.items():
        if all(losses[i + 1] < losses[i] for i in range(len(losses) - 1)):
            if best is None or losses[-1] < histories[best][-1]:
                best = lr
    return best


def lr_by_numpy(histories):
    steady = {lr: h for lr, h in histories.items() if np.all(np.diff(np.asarray(h)) < 0)}
    if not steady:
        return None
    rates = np.array(list(steady))
    return rates[np.argmin([h[-1] for h in steady.values()])]  # a numpy float


def lr_by_sorted_pairs(histories):
    ranked = sorted((h[-1], lr) for lr, h in histories.items() if all(b < a for a, b in zip(h, h[1:])))
    return ranked[0][1] if ranked else None


def lr_by_pandas(histories):
    import pandas as pd

    frame = pd.DataFrame(histories)  # one column per rate, one row per epoch
    steady = frame.loc[:, (frame.diff().iloc[1:] < 0).all()]
    return None if steady.empty else steady.iloc[-1].idxmin()


def lr_lowest_final(histories):
    return min(histories, key=lambda lr: histories[lr][-1])


def lr_largest_steady(histories):
    steady = [lr for lr, h in histories.items() if all(b < a for a, b in zip(h, h[1:]))]
    return max(steady) if steady else None


def lr_first_vs_last(histories):
    ok = [lr for lr, h in histories.items() if h[-1] < h[0]]
    return min(ok, key=lambda lr: histories[lr][-1]) if ok else None


def lr_not_strict(histories):
    ok = [lr for lr, h in histories.items() if all(b <= a for a, b in zip(h, h[1:]))]
    return min(ok, key=lambda lr: histories[lr][-1]) if ok else None


def lr_returns_the_loss(histories):
    best = lr_by_loop(histories)
    return None if best is None else histories[best][-1]


def lr_no_none(histories):
    steady = [lr for lr, h in histories.items() if all(b < a for a, b in zip(h, h[1:]))]
    return min(steady, key=lambda lr: histories[lr][-1])


def lr_sorts_in_place(histories):
    answer = lr_by_loop(histories)
    for h in histories.values():
        h.sort()
    return answer


def lr_last_key_in_order(histories):
    steady = [lr for lr, h in histories.items() if all(b < a for a, b in zip(h, h[1:]))]
    return steady[-1] if steady else None


@pytest.mark.parametrize("answer", [lr_by_loop, lr_by_numpy, lr_by_sorted_pairs, lr_by_pandas],
                         ids=lambda f: f.__name__)
def test_right_ways_to_pick_a_learning_rate_pass(answer):
    check_pick_learning_rate(answer)
    check_pick_learning_rate(answer, reorder=True)


@pytest.mark.parametrize("answer, words", [
    (lr_lowest_final, r"lowest last loss over all rates(.|\n)*fall in every epoch"),
    (lr_largest_steady, r"largest rate whose loss falls(.|\n)*compare where the steady curves end"),
    (lr_first_vs_last, r"only the first and the last loss"),
    (lr_not_strict, r"stays the same count as falling"),
    (lr_returns_the_loss, r"you returned a loss"),
    (lr_no_none, r"answer is None"),
    (lr_sorts_in_place, r"leave the histories as they were"),
    (lr_last_key_in_order, r"Found"),
    ("0.01", r"a function pick_learning_rate"),
], ids=lambda a: getattr(a, "__name__", str(a)))
def test_each_misreading_of_the_sweep_fails_with_its_own_message(answer, words):
    with pytest.raises(CheckFailed, match=words) as err:
        check_pick_learning_rate(answer, reorder=True)
    assert "def " not in str(err.value) and "steady[" not in str(err.value)


def test_the_fixed_sweeps_separate_the_misreadings():
    """Each mistake picks another rate than the rule in at least one fixed sweep; the rule's answers
    are the ones read off by hand."""
    from tlcourse.checks.lr_rule import pick_steady_lr

    assert [pick_steady_lr(h) for h in LR_CASES.values()] == [1e-2, 1e-3, 1e-3, 3e-4, None, 1e-2]
    for mistake in (lr_lowest_final, lr_largest_steady, lr_first_vs_last, lr_not_strict):
        assert any(mistake(h) != pick_steady_lr(h) for h in LR_CASES.values()), mistake.__name__
