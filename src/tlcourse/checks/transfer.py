"""Checks for the scratch-vs-pretrained notebook: unfreezing the last blocks of a ResNet, the
results table of the four strategies, and reading a learning-rate sweep."""

from __future__ import annotations

import copy
import math
import numbers
from typing import Callable, Iterable, Sequence

import torch
from torch import nn

from tlcourse.checks.base import CheckFailed, GradingError, call_answer, fail, grading_check, require, short_list
from tlcourse.checks.lr_rule import pick_steady_lr, steadily_decreasing
from tlcourse.history import History, Run
from tlcourse.strategies import STRATEGIES, count_params, is_pretrained, set_up

#: A ResNet's blocks from the head backwards; the stem is conv1 + bn1.
RESNET_BLOCKS = ("layer4", "layer3", "layer2", "layer1", "stem")
REQUIRED_KEYS = ("accuracy", "seconds", "trainable_params", "total_params")
#: The sections of the scratch-vs-pretrained notebook that explain each idea (messages point there).
BLOCKS = "1. Blocks of a ResNet"
TABLE = "3. The results table"
LR_SWEEP = "5. Choosing a learning rate"
#: Decimals the results table shows; a summary rounded to at least these is still right.
ACCURACY_DECIMALS = 3
SECONDS_DECIMALS = 1

#: One contract per graded test cell (grade id): what the answer must achieve, what it may not
#: change, which forms are equally right. ``check_unfreeze_last_blocks`` and ``check_summarize`` verify them.
CONTRACT = {
    "ex1_unfreeze_last_blocks_tests": """\
unfreeze_last_blocks(net, k), k = 0..5, on a torchvision ResNet-18 or ResNet-34:
- achieves: exactly the parameters of net.fc and of the last k blocks (layer4, layer3, layer2,
  layer1, stem = conv1 + bn1, counted from the head backwards) have requires_grad True, whatever
  was trainable before the call (called again on the same network, it freezes first);
- may not change: the network itself - the same layers, the same parameter tensors, the same
  values (a layer replaced by a fresh one, or re-initialised, is not unfrozen: its weights are gone);
- equally right: loops over parameters(), requires_grad_() on modules, matching parameter names,
  get_submodule, helper functions or tables of block names, returning net or nothing.
""",
    "ex2_summarize_tests": f"""\
summarize(runs), runs: strategy -> (net, history), any strategies:
- achieves: a dict with one entry per strategy of runs, each a dict with (at least) "accuracy" =
  history.test_acc[-1], "seconds" = sum(history.seconds), "trainable_params" = the number of
  elements of the parameters with requires_grad, "total_params" = the number of all elements;
- may not change: the histories and the networks it is given;
- equally right: loops or comprehensions, numpy or torch scalars, math.fsum, extra keys, values
  rounded to at least the decimals the table shows ({ACCURACY_DECIMALS} for accuracy,
  {SECONDS_DECIMALS} for seconds); the parameter counts are exact.
""",
    "ex4_pick_learning_rate_tests": """\
pick_learning_rate(histories), histories: learning rate (float) -> list of training losses, one per
epoch, the rates in any order:
- achieves: of the rates whose loss falls in every epoch (each value strictly lower than the one
  before), the one whose last loss is lowest; None when no loss falls in every epoch;
- may not change: the histories (their dict and lists);
- equally right: loops, comprehensions, sorted/min/max with a key, zip or index pairs, numpy
  (np.diff, np.all) or pandas; returning the rate as the same float key (a numpy float equal to it
  counts).
""",
}


# --- (a) unfreeze_last_blocks ---------------------------------------------------------------


def resnet_for_checks(depth: int = 18, num_classes: int = 7) -> nn.Module:
    """A torchvision ResNet (random weights) with a new ``Linear(512, num_classes)`` head."""
    import torchvision

    net = getattr(torchvision.models, f"resnet{depth}")(weights=None)
    net.fc = nn.Linear(net.fc.in_features, num_classes)
    return net


def part_of(name: str) -> str:
    """Which part a ResNet parameter belongs to: ``fc``, ``layer1``..``layer4`` or ``stem``."""
    top = name.split(".", 1)[0]
    return "stem" if top in ("conv1", "bn1") else top


def expected_trainable(net: nn.Module, k: int) -> set[str]:
    """Names of the parameters that must be trainable: the head and the last ``k`` blocks."""
    parts = {"fc", *RESNET_BLOCKS[:k]}
    return {name for name, _ in net.named_parameters() if part_of(name) in parts}


def trainable_parts(net: nn.Module) -> str:
    """``fc, layer4 (all) and layer3 (some)``: which parts have trainable parameters."""
    groups: dict[str, list[bool]] = {}
    for name, p in net.named_parameters():
        groups.setdefault(part_of(name), []).append(p.requires_grad)
    described = []
    for part in ("fc", *RESNET_BLOCKS):
        flags = groups.get(part, [])
        if all(flags):
            described.append(part)
        elif any(flags):
            described.append(f"{part} ({sum(flags)} of {len(flags)} tensors)")
    return (", ".join(described) or "nothing") + f" trainable ({count_params(net, trainable=True):,} parameters)"


def _diagnose(net: nn.Module, k: int, reused: bool) -> str:
    """Why a set of trainable parameters is wrong, for the message."""
    names = dict(net.named_parameters())
    on = {n for n, p in names.items() if p.requires_grad}
    head = {n for n in names if part_of(n) == "fc"}
    if not head <= on:
        return ("the new head always learns: it starts random, so a frozen head would never fit "
                "the food classes.")
    if reused and on - expected_trainable(net, k):
        return ("the function must first freeze every parameter: called on a network where more "
                "blocks were trainable before, it left them trainable.")
    if on == set(names) and k < len(RESNET_BLOCKS):
        return ("nothing was frozen: a new network has every parameter trainable, so the function "
                "has to freeze before it unfreezes the head and the last k blocks.")
    from_input = {n for n in names if part_of(n) in ("fc", *tuple(reversed(RESNET_BLOCKS))[:k])}
    if k and on == from_input:
        return ("you unfroze the first k blocks counted from the input. The last blocks are the "
                "ones next to the head: layer4 first, then layer3, ... and the stem last.")
    stem_part = {n for n in on if part_of(n) == "stem"}
    if stem_part and {n for n in names if part_of(n) == "stem"} - on:
        return "the stem is conv1 and bn1 together; the batch-norm's weight and bias belong to it."
    blocks = ", ".join(RESNET_BLOCKS[:k])
    return (f"k = {k} means: the head fc" + (f" and the last {k} block(s): {blocks}" if k else " alone")
            + " trainable, everything else frozen (blocks from the head backwards: "
            + ", ".join(RESNET_BLOCKS) + ").")


@grading_check
def check_unfreeze_last_blocks(fn: Callable, ks: Iterable[int] = range(6), depth: int = 18,
                               reuse: bool = False) -> None:
    """Call ``fn(net, k)`` for each ``k`` and compare the trainable parameters with the head
    plus the last ``k`` blocks. ``reuse=True`` calls it on one network in the given order (so
    it must freeze first); otherwise every ``k`` gets a fresh network."""
    require(callable(fn), "a function unfreeze_last_blocks(net, k)", f"{type(fn).__name__}: {fn!r}",
            "the exercise asks for a function that the experiments can call with any k.", BLOCKS)
    shared = resnet_for_checks(depth) if reuse else None
    for k in ks:
        net = shared if reuse else resnet_for_checks(depth)
        before = {name: (p, p.detach().clone()) for name, p in net.named_parameters()}
        call_answer(fn, net, k, expected=f"unfreeze_last_blocks(net, {k}) to run",
                    why=f"k can be any number from 0 to {len(RESNET_BLOCKS)} on a ResNet-{depth}.", see=BLOCKS)
        check_network_kept(net, before, f"unfreeze_last_blocks(net, {k})")
        wanted = expected_trainable(net, k)
        on = {n for n, p in net.named_parameters() if p.requires_grad}
        if on != wanted:
            why = _diagnose(net, k, reuse)
            expected_net = resnet_for_checks(depth)
            for name, p in expected_net.named_parameters():
                p.requires_grad = name in wanted
            order = [n for n, _ in net.named_parameters()]
            extra = [n for n in order if n in on - wanted]
            missing = [n for n in order if n in wanted - on]
            raise fail(f"after unfreeze_last_blocks(net, {k}): {trainable_parts(expected_net)}",
                       trainable_parts(net) + (f"; wrongly trainable: {short_list(extra)}" if extra else "")
                       + (f"; wrongly frozen: {short_list(missing)}" if missing else ""),
                       why, BLOCKS)


def check_network_kept(net: nn.Module, before: dict, call: str) -> None:
    """``net`` still has the parameters ``before`` recorded (name -> (tensor, copy of its values)):
    the same tensor objects with the same values, none added or removed."""
    now = dict(net.named_parameters())
    replaced = [n for n, (p, _) in before.items() if now.get(n) is not p]
    added = [n for n in now if n not in before]
    if replaced or added:
        order = ("fc", *RESNET_BLOCKS)
        parts = sorted({part_of(n) for n in replaced + added}, key=lambda x: (x not in order, order.index(x) if x in order else x))
        raise fail(f"{call} to change only requires_grad, on the layers net already has",
                   f"new or replaced parameters in {', '.join(parts)}: {short_list(replaced + added)}",
                   "unfreezing a block means letting its existing weights learn. A layer replaced by a "
                   "new one starts from fresh random weights: the pretrained weights (or a trained head) "
                   "are thrown away, and an optimizer built before holds the old tensors.", BLOCKS)
    changed = [n for n, (p, values) in before.items() if not torch.equal(p.detach(), values)]
    require(not changed, f"{call} to leave every weight as it was",
            f"changed values: {short_list(changed)}",
            "the function only decides what learns; re-initialising or editing weights throws away "
            "what the network had learned.", BLOCKS)


# --- (b) the results table --------------------------------------------------------------------


def synthetic_runs(seed: int = 0, num_epochs: int = 4) -> dict:
    """Four runs for checking a summary without training: ResNet-18 networks (random weights)
    set up as each strategy would set them up, with made-up histories whose best epoch is
    never the last one."""
    import torchvision

    generator = torch.Generator().manual_seed(seed)

    def rand(n: int, low: float, high: float) -> list[float]:
        return [low + (high - low) * float(v) for v in torch.rand(n, generator=generator)]

    runs = {}
    for strategy in STRATEGIES:
        if not is_pretrained(strategy):
            torch.manual_seed(seed)  # a scratch network's weights depend on the seed only
        net = set_up(strategy, torchvision.models.resnet18(weights=None), 7, seed)
        test_acc = rand(num_epochs, 0.2, 0.8)
        test_acc[-1] = min(test_acc) * 0.9  # the last epoch is the worst: max() is not the answer
        history = History(train_loss=rand(num_epochs, 0.3, 2.0), train_acc=rand(num_epochs, 0.2, 1.0),
                          test_acc=test_acc, seconds=rand(num_epochs, 0.5, 20.0))
        runs[strategy] = Run(net, history)
    return runs


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


@grading_check
def check_results_structure(results, strategies: Sequence[str] = STRATEGIES) -> None:
    """A dict strategy -> dict with the four required numeric entries, in sensible ranges, and
    trainable counts that grow from feature extraction to full fine-tuning."""
    check_rows(results, strategies)
    check_consistency(results, strategies)


def check_rows(results, strategies: Sequence[str] = STRATEGIES) -> None:
    """A dict with exactly ``strategies``, each a dict of the four required numbers in range."""
    require(isinstance(results, dict), "a dict: strategy -> {\"accuracy\": ..., ...}",
            f"{type(results).__name__}", "one row per strategy, looked up by its name.",
            TABLE)
    missing = [s for s in strategies if s not in results]
    extra = [s for s in results if s not in strategies]
    require(not missing and not extra, f"exactly the strategies {', '.join(strategies)}",
            f"{', '.join(map(str, results)) or 'no strategies'}"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + (f" (not a run: {', '.join(map(str, extra))})" if extra else ""),
            "the table has one row for every run you were given, under the same name.",
            TABLE)
    for strategy in strategies:
        row = results[strategy]
        require(isinstance(row, dict), f"results[{strategy!r}] to be a dict", type(row).__name__,
                "each row maps a column name to a number.", see=TABLE)
        absent = [k for k in REQUIRED_KEYS if k not in row]
        require(not absent, f"the keys {', '.join(REQUIRED_KEYS)}",
                f"results[{strategy!r}] has {', '.join(map(str, row)) or 'no keys'}",
                "these four columns make the table" + (f"; missing: {', '.join(absent)}." if absent else "."),
                TABLE)
        for key in REQUIRED_KEYS:
            require(_number(row[key]) is not None, f"results[{strategy!r}][{key!r}] to be a number",
                    f"{type(row[key]).__name__}: {row[key]!r}", "the table is made of plain numbers"
                    + ("; a list holds one value per epoch, the table one value per run." if isinstance(row[key], list) else "."),
                    TABLE)
        accuracy = _number(row["accuracy"])
        require(0.0 <= accuracy <= 1.0, "an accuracy between 0 and 1", f"{accuracy!r} for {strategy}",
                "accuracy is the share of test images classified correctly; the histories hold it as a "
                "fraction already, not a percentage.", TABLE)
        require(_number(row["seconds"]) >= 0, "seconds >= 0", f"{row['seconds']!r}", "a duration.", see=TABLE)


def check_consistency(results, strategies: Sequence[str] = STRATEGIES) -> None:
    """Trainable counts grow from feature extraction to full fine-tuning; full fine-tuning and
    scratch train every parameter."""
    counts = {s: _number(results[s]["trainable_params"]) for s in strategies}
    totals = {s: _number(results[s]["total_params"]) for s in strategies}
    if set(STRATEGIES) <= set(strategies):
        fe, pf, ff, sc = (counts[s] for s in STRATEGIES)
        require(0 < fe < pf < ff, "trainable parameters: feature extraction < partial < full fine-tuning",
                f"{fe:,.0f} < {pf:,.0f} < {ff:,.0f}?",
                "each strategy unfreezes more of the same network than the one before.", see=TABLE)
        require(ff == sc == totals["full_finetune"] == totals["scratch"],
                "full fine-tuning and scratch train every parameter of the network",
                f"trainable {ff:,.0f} and {sc:,.0f} of {totals['full_finetune']:,.0f} and {totals['scratch']:,.0f}",
                "scratch and full fine-tuning differ only in where the weights start, not in what trains.", see=TABLE)


def as_shown(value: float, exact: float, decimals: int) -> bool:
    """``value`` is ``exact``, or ``exact`` rounded to ``decimals`` or more (float32 and other
    representation errors included)."""
    return abs(value - exact) <= 0.5 * 10 ** -decimals * (1 + 1e-6) or math.isclose(value, exact, rel_tol=1e-6)


def _state(runs: dict) -> dict:
    """What ``summarize`` may not change: every history's lists and every network's flags and values."""
    return {s: ({k: list(v) for k, v in run.history.as_dict().items()},
                [(n, p.requires_grad, p.detach().clone()) for n, p in run.net.named_parameters()])
            for s, run in runs.items()}


def _same_state(a: tuple, b: tuple) -> bool:
    (hist_a, params_a), (hist_b, params_b) = a, b
    return hist_a == hist_b and len(params_a) == len(params_b) and all(
        na == nb and ga == gb and torch.equal(va, vb) for (na, ga, va), (nb, gb, vb) in zip(params_a, params_b))


@grading_check
def check_summarize(fn: Callable, runs: dict) -> dict:
    """Call the student's ``summarize`` on ``runs`` and check the result (``check_summary``) and
    that the runs are as they were; returns the summary."""
    require(callable(fn), "a function summarize(runs)", f"{type(fn).__name__}: {fn!r}",
            "the exercise asks for a function the table cell can call on any runs.", TABLE)
    before = _state(runs)
    results = call_answer(
        fn, runs, expected=f"summarize(runs) to run on runs with the strategies {', '.join(runs)}",
        why="the test gives your function its own small networks and histories; use only the runs it "
            "is given (a dict strategy -> (net, history)), whatever strategies it holds.", see=TABLE)
    after = _state(runs)
    touched = [s for s in runs if not _same_state(before[s], after[s])]
    require(not touched, "summarize to leave the runs as they were",
            f"the run(s) {', '.join(touched)} changed (history lists or network)",
            "a summary only reads: a history list shortened (pop), sorted or extended, or a network "
            "frozen or re-initialised, changes the experiment that later cells still use.", TABLE)
    try:
        check_summary(results, runs)
    except CheckFailed:
        other = _other_runs_summarised(fn, results, runs)
        if other is None:
            raise
        raise fail("a summary of the runs summarize is called with (its parameter)",
                   f"a summary of the notebook's variable {other!r}, not of the runs it was called with",
                   f"summarize reads the notebook's {other!r} instead of the argument it is given; the "
                   "test, like the table cell, passes its own runs, and the summary must describe those.",
                   TABLE) from None
    return results


def _other_runs_summarised(fn: Callable, results, runs: dict) -> str | None:
    """The name of a variable of the student's notebook (``fn``'s globals) that holds other runs
    than ``runs`` and that ``results`` describes exactly: summarize read it instead of its
    argument. ``None`` when there is none (the summary is wrong in some other way)."""
    for name, value in list(getattr(fn, "__globals__", {}).items()):
        if value is runs or not isinstance(value, dict) or not value or not all(
                isinstance(run, tuple) and len(run) == 2 for run in value.values()):
            continue
        try:
            check_summary(results, value)
        except (CheckFailed, GradingError):
            continue
        return name
    return None


@grading_check
def check_summary(results, runs: dict) -> None:
    """``results`` is the summary of ``runs`` (strategy -> (net, history)): structure, then each
    number against the history and the network it came from."""
    check_rows(results, tuple(runs))
    for strategy, (net, history) in runs.items():
        row = results[strategy]
        accuracy, last, best = _number(row["accuracy"]), history.test_acc[-1], max(history.test_acc)
        if not as_shown(accuracy, last, ACCURACY_DECIMALS):
            why = ("the table reports the test accuracy after the last epoch - the network you "
                   "actually have at the end.")
            if as_shown(accuracy, best, ACCURACY_DECIMALS):
                why += (" You took the best epoch: choosing an epoch by its test accuracy uses the "
                        "test set for a decision and makes the number optimistic.")
            raise fail(f"results[{strategy!r}]['accuracy'] = {last:.4f} (the test accuracy after the last epoch)",
                       f"{accuracy:.4f}", why, TABLE)
        seconds, total = _number(row["seconds"]), sum(history.seconds)
        if not as_shown(seconds, total, SECONDS_DECIMALS):
            why = "training time is the sum over all epochs of the run."
            if as_shown(seconds, history.seconds[-1], SECONDS_DECIMALS):
                why += " You took the last epoch's time only."
            raise fail(f"results[{strategy!r}]['seconds'] = {total:.3f} (the time of every epoch together)",
                       f"{seconds:.3f}", why, TABLE)
        trainable, total_params = count_params(net, trainable=True), count_params(net)
        found = _number(row["trainable_params"])
        if found != trainable:
            why = "count only the parameters that learn (requires_grad is True), element by element."
            if found == total_params:
                why = ("you counted every parameter; frozen ones (requires_grad False) do not learn, "
                       "and the point of the column is how much each strategy trains.")
            elif found == sum(1 for p in net.parameters() if p.requires_grad):
                why = "you counted tensors; a parameter count counts the numbers inside them."
            raise fail(f"results[{strategy!r}]['trainable_params'] = {trainable:,}", f"{found:,.0f}", why,
                       TABLE)
        require(_number(row["total_params"]) == total_params,
                f"results[{strategy!r}]['total_params'] = {total_params:,}",
                f"{_number(row['total_params']):,.0f}",
                "every parameter of the network, trainable or not.", TABLE)
    check_consistency(results, tuple(runs))


# --- (c) reading a learning-rate sweep ------------------------------------------------------------

#: Fixed loss histories (rate -> loss per epoch) for ``pick_learning_rate``, each chosen so that one
#: of the mistakes students make picks another rate; the rates are deliberately not in order.
LR_CASES = {
    "a bouncing curve ends lowest": {1e-2: [1.8, 0.9, 0.5, 0.3], 1e-3: [2.0, 1.5, 1.1, 0.9],
                                     1.0: [9.0, 12.0, 8.0, 7.0], 1e-1: [3.0, 0.6, 0.9, 0.2]},
    "the largest steady rate starts far too high": {1.0: [40.0, 20.0, 10.0, 5.0], 1e-4: [2.0, 1.9, 1.8, 1.7],
                                                    1e-3: [1.9, 1.2, 0.8, 0.6], 1e-2: [2.2, 1.05, 0.7, 0.65]},
    "a flat step is not a fall": {1e-3: [1.6, 1.2, 0.9, 0.7], 1e-2: [1.4, 0.8, 0.8, 0.4],
                                  1e-4: [2.0, 1.95, 1.9, 1.85]},
    "one steady curve among bouncing ones": {0.3: [2.5, 1.0, 1.4, 0.9], 3e-4: [1.9, 1.1, 0.7, 0.5],
                                           3e-3: [1.7, 0.7, 0.9, 0.6]},
    "no loss falls in every epoch": {1e-1: [2.0, 1.0, 1.5, 0.5], 1.0: [5.0, 9.0, 4.0, 6.0]},
    "six epochs": {1e-3: [1.6, 0.8, 0.6, 0.5, 0.4, 0.35], 1e-2: [2.1, 0.9, 0.3, 0.2, 0.13, 0.07],
                   1e-1: [16.0, 9.4, 2.9, 3.2, 2.0, 1.2], 1e-4: [2.0, 1.8, 1.6, 1.5, 1.4, 1.3]},
}


def _mistakes(histories: dict) -> list[tuple[float | None, str]]:
    """What the usual misreadings of the curves pick, each with the sentence that explains it."""
    def lowest(rates):
        return min(rates, key=lambda lr: histories[lr][-1]) if rates else None

    every = list(histories)
    steady = [lr for lr in every if steadily_decreasing(histories[lr])]
    return [
        (lowest(every), "you took the lowest last loss over all rates. A curve that goes up on the way "
                        "(a rate so large that a step overshoots) is not a rate to train with, even if "
                        "it happens to end low: keep only the curves that fall in every epoch."),
        (max(steady) if steady else None,
         "you took the largest rate whose loss falls. A rate can fall in every epoch from a loss far "
         "above the others (its first steps overshot); compare where the steady curves end."),
        (min(steady) if steady else None,
         "you took the smallest steady rate; the task asks for the steady curve that ends lowest."),
        (lowest([lr for lr in every if histories[lr][-1] < histories[lr][0]]),
         "you compared only the first and the last loss. A curve that goes up in any epoch does not fall "
         "in every epoch: compare each epoch with the one before it."),
        (lowest([lr for lr in every if all(b <= a for a, b in zip(histories[lr], histories[lr][1:]))]),
         "you let a loss that stays the same count as falling; the task asks for each value strictly "
         "lower than the one before."),
    ]


@grading_check
def check_pick_learning_rate(fn: Callable, cases: Iterable[str] = tuple(LR_CASES), reorder: bool = False) -> None:
    """Call ``fn(histories)`` on the fixed histories ``LR_CASES[name]`` of each of ``cases``
    (``reorder``: with the rates in reverse order too) and compare with the rule of the task."""
    require(callable(fn), "a function pick_learning_rate(histories)", f"{type(fn).__name__}: {fn!r}",
            "the exercise asks for a function that reads any sweep: a dict rate -> loss per epoch.", LR_SWEEP)
    for name in cases:
        orders = [LR_CASES[name]]
        if reorder:
            orders.append(dict(reversed(list(LR_CASES[name].items()))))
        for histories in orders:
            given = copy.deepcopy(histories)
            shown = ", ".join(f"{lr:g}: {losses}" for lr, losses in histories.items())
            answer = call_answer(
                fn, given, expected=f"pick_learning_rate to run on the sweep {{{shown}}} ({name})",
                why="the rates come in any order, and when no loss falls in every epoch the answer is None "
                    "(max() or min() of an empty list raises).", see=LR_SWEEP)
            require(given == histories, "pick_learning_rate to leave the histories as they were",
                    f"the sweep became {given!r}",
                    "the function only reads the curves; sorting or popping a loss list changes the "
                    "sweep that later cells plot.", LR_SWEEP)
            wanted = pick_steady_lr(histories)  # the rule of the task
            if isinstance(answer, bool) or not (answer is None or isinstance(answer, numbers.Real)):
                raise fail(f"a learning rate (a number, one of the keys) or None, for the sweep {{{shown}}}",
                           f"{type(answer).__name__}: {answer!r}",
                           "the answer is the rate to train with - a key of the dict, not its losses or its "
                           "position.", LR_SWEEP)
            if answer == wanted:
                continue
            why = ("of the rates whose loss falls in every epoch (each value strictly lower than the one "
                   "before), take the one whose last loss is lowest; None if there is none.")
            matching = [sentence for picked, sentence in _mistakes(histories) if picked is not None and answer == picked]
            if matching:  # several misreadings can pick the same rate: name each
                why = (" Or: ".join(matching))
            else:
                if answer is not None and float(answer) in {float(v) for h in histories.values() for v in h}:
                    why = "you returned a loss; the answer is the learning rate (the key) of that curve."
            raise fail(f"the rate the rule picks from the sweep {{{shown}}} ({name})",
                       f"{answer!r}", why, LR_SWEEP)
