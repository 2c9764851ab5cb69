"""Scratch vs pretrained: train the same network with each strategy on the same budget, for
several seeds and shares of the training set (the rules of each strategy are in
``tlcourse.strategies``; tables in ``tlcourse.results``; figures in ``tlcourse.plots``).

The frozen front of a network can be cached: it computes every image's output once, then the
trainable rest trains on those outputs (for feature extraction: the head trains on cached
features). With fixed (non-random) input transforms that is the same computation as running the
frozen part in every step, just faster.

    python -m tlcourse.experiments --out data/results/scratch_vs_pretrained.json

runs every strategy for three seeds plus a data-size sweep and writes the JSON results and a
Markdown table next to them. ``--strategies NAME... --merge`` runs only those strategies (same
seeds, data and budget) and puts their rows into the results already in ``--out``, leaving the
other rows and the sweep as they are. ``--lr ROLE=RATE`` sets a learning rate other than the
course's (``Budget``): ``--lr base=1e-3`` fine-tunes the pretrained layers at the new head's rate.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn
from torch.utils.data import TensorDataset

from tlcourse import backbones, engine
from tlcourse.history import History, Run
from tlcourse.features import extract
from tlcourse.results import (RESULTS_FORMAT, aggregate, aggregate_sweep, machine, results_document,
                              results_markdown, write_results)
from tlcourse.strategies import (ALL_STRATEGIES, HEAD_THEN_UNFREEZE, LABELS, STRATEGIES, Budget,
                                 check_strategy, frozen_prefix_length, is_pretrained, layers,
                                 layerwise_optimizer, optimizer_for, set_up, unfreeze)
from tlcourse.tensor_data import TensorData, load_foodvision7, loaders


def prepare(strategy: str, name: str, num_classes: int, seed: int = 0,
            load: Callable[[str], nn.Module] | None = None) -> nn.Module:
    """The network for ``strategy``: backbone ``name`` pretrained (``load(name)``, default the
    course's ImageNet weights) or randomly initialised (scratch, seeded), with a new head and
    the right parameters trainable."""
    if is_pretrained(strategy):
        net = (load or (lambda n: backbones.pretrained(n).net))(name)
    else:
        torch.manual_seed(seed)
        net = backbones.random_init(name).net
    return set_up(strategy, net, num_classes, seed)


def train_on_cache(strategy: str, net: nn.Module, data: TensorData, budget: Budget, seed: int,
                   verbose: bool = True, keep_statistics: bool | None = None) -> History:
    """Train ``net`` by running its frozen front part once per image and training the rest on
    the cached outputs (exact when the inputs are not randomly augmented). The caching time is
    counted in epoch 1."""
    parts = layers(net)
    cut = frozen_prefix_length(parts)
    start = time.perf_counter()
    prefix = nn.Sequential(*parts[:cut])
    F_train, _ = extract(prefix, TensorDataset(data.X_train, data.y_train), progress=False, flatten=False)
    F_test, _ = extract(prefix, TensorDataset(data.X_test, data.y_test), progress=False, flatten=False)
    cache_seconds = time.perf_counter() - start
    if verbose:
        print(f"frozen part run once: cached {tuple(F_train.shape[1:])} per image "
              f"({cache_seconds:.1f} s)")
    history = _train(strategy, nn.Sequential(*parts[cut:]), net, F_train, F_test, data, budget, seed, verbose,
                     keep_statistics)
    history.seconds[0] += cache_seconds
    return history


def _train(strategy: str, module: nn.Module, net: nn.Module, X_train: torch.Tensor, X_test: torch.Tensor,
           data: TensorData, budget: Budget, seed: int, verbose: bool,
           keep_statistics: bool | None = None, optimizer: torch.optim.Optimizer | None = None) -> History:
    """Train ``module`` (``net`` itself, or its trainable rest after the cached part) on inputs
    ``X_train``/``X_test`` with ``data``'s labels, ``strategy``'s optimizer (or ``optimizer``) and
    batch-norm rule (``keep_statistics`` overrides the rule: True holds every batch-norm layer's
    statistics, False lets the trainable ones update them)."""
    train_iter, test_iter = loaders(X_train, data.y_train, X_test, data.y_test, budget.batch_size, seed)
    torch.manual_seed(seed)  # dropout and any other randomness in training
    return engine.train(module, train_iter, test_iter, nn.CrossEntropyLoss(),
                        optimizer or optimizer_for(strategy, net, budget), budget.num_epochs, verbose=verbose,
                        keep_statistics=is_pretrained(strategy) if keep_statistics is None else keep_statistics,
                        curves=False)  # the strategies are compared in one figure afterwards


def joined(first: History, second: History) -> History:
    """One history of two phases run one after the other (epochs of ``first``, then ``second``)."""
    return History(**{k: list(v) + list(getattr(second, k)) for k, v in first.as_dict().items()})


def head_then_unfreeze(name: str, net: nn.Module, data: TensorData, budget: Budget, seed: int,
                       cache: bool = True, verbose: bool = True,
                       keep_statistics: bool | None = None) -> History:
    """The fifth strategy on ``net`` (set up with only its head trainable): the head alone for
    ``budget.head_only_epochs()`` epochs (on cached features with ``cache``), then every layer
    with ``layerwise_optimizer`` for the rest of ``budget.num_epochs``: same epochs in total."""
    head_epochs = budget.head_only_epochs()
    first = History()
    if head_epochs:
        head_budget = replace(budget, num_epochs=head_epochs)
        if cache:
            first = train_on_cache(HEAD_THEN_UNFREEZE, net, data, head_budget, seed, verbose, keep_statistics)
        else:
            first = train_whole(HEAD_THEN_UNFREEZE, net, data, head_budget, seed, verbose, keep_statistics)
    unfreeze(net)
    if verbose:
        print(f"unfrozen after {head_epochs} epoch(s) of the head: layer-wise learning rates")
    rest = replace(budget, num_epochs=budget.num_epochs - head_epochs)
    second = train_whole(HEAD_THEN_UNFREEZE, net, data, rest, seed, verbose, keep_statistics,
                         optimizer=layerwise_optimizer(net, budget))
    return joined(first, second)


def run_strategy(strategy: str, name: str, data: TensorData, budget: Budget = Budget(),
                 seed: int = 0, cache: bool = True, verbose: bool = True,
                 load: Callable[[str], nn.Module] | None = None, keep_statistics: bool | None = None) -> Run:
    """Train backbone ``name`` with ``strategy`` on ``data`` for one seed. With ``cache`` the
    frozen front part of the network runs only once per image (``train_on_cache``).
    ``keep_statistics`` overrides the strategy's batch-norm rule (None: the rule)."""
    if verbose:
        print(f"--- {LABELS[strategy]} ({name}, seed {seed}) ---")
    net = prepare(strategy, name, len(data.classes), seed, load)
    if strategy == HEAD_THEN_UNFREEZE:
        return Run(net, head_then_unfreeze(name, net, data, budget, seed, cache, verbose, keep_statistics))
    if cache and frozen_prefix_length(layers(net)) > 0:
        return Run(net, train_on_cache(strategy, net, data, budget, seed, verbose, keep_statistics))
    return Run(net, train_whole(strategy, net, data, budget, seed, verbose, keep_statistics))


def train_whole(strategy: str, net: nn.Module, data: TensorData, budget: Budget, seed: int, verbose: bool = True,
                keep_statistics: bool | None = None, optimizer: torch.optim.Optimizer | None = None) -> History:
    """Train all of ``net`` on ``data``'s images (nothing cached), with ``strategy``'s optimizer or
    ``optimizer``, and its batch-norm rule or ``keep_statistics``."""
    return _train(strategy, net, net, data.X_train, data.X_test, data, budget, seed, verbose, keep_statistics,
                  optimizer)


def compare(name: str, data: TensorData, budget: Budget = Budget(), seed: int = 0,
            strategies: Sequence[str] = STRATEGIES, verbose: bool = True,
            load: Callable[[str], nn.Module] | None = None) -> dict[str, Run]:
    """Every strategy once, on the same data, budget and seed."""
    return {s: run_strategy(s, name, data, budget, seed, verbose=verbose, load=load) for s in strategies}


def sweep(name: str, data: TensorData, fractions: Sequence[float] = (0.1, 0.25, 0.5, 1.0),
          budget: Budget = Budget(), seed: int = 0,
          strategies: Sequence[str] = ("feature_extraction", "scratch"), verbose: bool = True,
          known: dict[tuple[str, float], float] | None = None,
          load: Callable[[str], nn.Module] | None = None) -> dict[str, list[float]]:
    """Final test accuracy of each strategy trained on each ``fraction`` of the training set.
    ``known`` maps (strategy, fraction) to an accuracy already measured with this seed."""
    known = known or {}
    out: dict[str, list[float]] = {s: [] for s in strategies}
    for fraction in fractions:
        part = data.subset(fraction, seed) if fraction < 1 else data
        for s in strategies:
            if (s, fraction) in known:
                out[s].append(known[(s, fraction)])
                continue
            if verbose:
                print(f"=== {fraction:.0%} of the training set: {len(part.y_train)} images ===")
            run = run_strategy(s, name, part, budget, seed, verbose=verbose, load=load)
            out[s].append(run.history.test_acc[-1])
    return out


# --- the command ------------------------------------------------------------------------------


def fresh_copies(pretrained_net: nn.Module) -> Callable[[str], nn.Module]:
    """A ``load`` function that returns a fresh copy of ``pretrained_net``'s weights on every call
    (so no run starts from weights another run has trained)."""
    import copy

    state = {k: v.clone() for k, v in pretrained_net.state_dict().items()}

    def load(_name: str) -> nn.Module:
        net = copy.deepcopy(pretrained_net)
        net.load_state_dict(state)
        return net

    return load


def run_all(name: str, data: TensorData, budget: Budget, seeds: Sequence[int],
            fractions: Sequence[float], sweep_strategies: Sequence[str] = ("feature_extraction", "scratch"),
            load: Callable[[str], nn.Module] | None = None, log: Callable[[str], None] = print,
            strategies: Sequence[str] = ALL_STRATEGIES) -> dict:
    """Every strategy for every seed, then the sweep (reusing the 100 % runs). With no
    ``fractions`` there is no sweep."""
    runs_per_seed: dict[int, dict[str, Run]] = {}
    sweep_per_seed: dict[int, dict[str, list[float]]] = {}
    for seed in seeds:
        runs_per_seed[seed] = compare(name, data, budget, seed, strategies, load=load)
        for s, run in runs_per_seed[seed].items():
            log(f"seed {seed}: {s:20s} accuracy {run.history.test_acc[-1]:.3f} "
                f"({sum(run.history.seconds):.0f} s)")
        if not fractions:
            continue
        known = {(s, 1.0): runs_per_seed[seed][s].history.test_acc[-1]
                 for s in sweep_strategies if s in runs_per_seed[seed]}
        sweep_per_seed[seed] = sweep(name, data, fractions, budget, seed, sweep_strategies,
                                     known=known, load=load)
    if not fractions:
        return {"strategies": aggregate(runs_per_seed)}
    sweep_results = aggregate_sweep(sweep_per_seed, fractions)
    sweep_results["train_images"] = [len(data.subset(f, seeds[0]).y_train) if f < 1 else len(data.y_train)
                                     for f in fractions]
    sweep_results["pretrained_strategy"] = sweep_strategies[0]
    return {"strategies": aggregate(runs_per_seed), "sweep": sweep_results}


#: The learning rates ``--lr`` can set, by role: ``Budget``'s fields ``<role>_lr`` (their defaults are
#: the course's rates).
LR_ROLES = {f.name[:-len("_lr")]: f.name for f in fields(Budget) if f.name.endswith("_lr")}


def parse_learning_rate(text: str) -> tuple[str, float]:
    """``"ROLE=RATE"`` (a role of ``LR_ROLES``, a positive finite number) as ``(role, rate)``;
    anything else raises ``argparse.ArgumentTypeError`` saying what to write."""
    roles = ", ".join(f"{role} ({getattr(Budget, field):g} by default)"
                      for role, field in LR_ROLES.items())
    role, sep, value = text.partition("=")
    if not sep or role not in LR_ROLES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not ROLE=RATE with a role the budget knows; write e.g. base=1e-3. Roles: {roles}.")
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: the learning rate must be a positive number such as 1e-3, "
                                         f"not {value!r}.")
    return role, rate


class LearningRates(argparse.Action):
    """``--lr ROLE=RATE ...`` collected into ``{role: rate}``; a role given twice is refused."""

    def __call__(self, parser, namespace, values, option_string=None):
        rates = dict(getattr(namespace, self.dest) or {})
        for role, rate in values:
            if role in rates:
                parser.error(f"{option_string} sets the {role} learning rate twice ({rates[role]:g} and {rate:g}); "
                             "give each role once.")
            rates[role] = rate
        setattr(namespace, self.dest, rates)


def with_rates(budget: Budget, rates: dict[str, float]) -> Budget:
    """``budget`` with the learning rates ``{role: rate}`` (roles of ``LR_ROLES``) put in."""
    return replace(budget, **{LR_ROLES[role]: rate for role, rate in rates.items()})


def command_parser(description: str) -> argparse.ArgumentParser:
    """The options every FoodVision-7 experiment command takes: ``--out`` and how to run."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write (a .md document goes next to it)")
    parser.add_argument("--backbone", nargs="+", default=["resnet18", "efficientnet_lite0"],
                        help="backbones to try, first available wins")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.1, 0.25, 0.5, 1.0],
                        help="shares of the training set for the sweep")
    parser.add_argument("--epochs", type=int, default=Budget.num_epochs)
    parser.add_argument("--image-size", type=int, default=Budget.image_size)
    parser.add_argument("--lr", nargs="+", type=parse_learning_rate, action=LearningRates, default={},
                        metavar="ROLE=RATE",
                        help="learning rates other than the course's, by role: head (a new head), base (pretrained "
                             "layers that are fine-tuned), scratch (every layer of a random network); "
                             "e.g. --lr base=1e-3")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    return parser


def merged(old: dict, new: dict, command: str) -> dict:
    """``old`` results with ``new``'s strategy rows put in (added or replaced); the other rows and
    the sweep stay. Refused (ValueError saying what differs) unless backbone, weights, data,
    seeds and every budget figure ``old`` has are the same; ``command`` is recorded."""
    for key in ("format", "backbone", "weights", "data", "seeds"):
        if old.get(key) != new.get(key):
            raise ValueError(f"cannot merge: {key} is {new.get(key)!r} now but {old.get(key)!r} in the "
                             "committed results; rerun every strategy instead (leave out --merge).")
    differ = {k: (v, new["budget"].get(k)) for k, v in old["budget"].items() if new["budget"].get(k) != v}
    if differ:
        raise ValueError(f"cannot merge: the budget differs ({differ}, committed vs now); rerun every strategy "
                         "instead (leave out --merge).")
    out = dict(old)
    out["budget"] = new["budget"]
    out["strategies"] = {**old["strategies"], **new["strategies"]}
    out["merged"] = list(old.get("merged", [])) + [
        {"strategies": list(new["strategies"]), "command": command, "machine": new["machine"]}]
    return out


def setup(args: argparse.Namespace) -> tuple[backbones.Backbone, Budget, TensorData]:
    """Threads, the first available backbone, the budget and FoodVision-7 in memory, from ``args``."""
    if args.threads:
        torch.set_num_threads(args.threads)
    backbone = backbones.first_available(args.backbone)
    budget = with_rates(Budget(num_epochs=args.epochs, image_size=args.image_size), args.lr)
    return backbone, budget, load_foodvision7(budget.image_size, backbone.mean, backbone.std)


def main(argv: list[str] | None = None) -> int:
    """The command: every strategy for every seed and the sweep, written as JSON and Markdown."""
    parser = command_parser(__doc__)
    parser.add_argument("--strategies", nargs="+", default=list(ALL_STRATEGIES), choices=ALL_STRATEGIES,
                        help="strategies to run (default: all)")
    parser.add_argument("--merge", action="store_true",
                        help="run only --strategies (no sweep) and put their rows into the results in --out")
    args = parser.parse_args(argv)
    if args.merge and not args.out.is_file():
        parser.error(f"--merge puts new rows into {args.out}, which does not exist: run without --merge first.")
    start = time.perf_counter()
    backbone, budget, data = setup(args)
    print(f"Data: {data.description}")
    load = fresh_copies(backbone.net)
    results = {"format": RESULTS_FORMAT, "backbone": backbone.name, "weights": backbone.source,
               "data": data.description, "seeds": list(args.seeds), "budget": asdict(budget)}
    results.update(run_all(backbone.name, data, budget, args.seeds, [] if args.merge else args.fractions,
                           load=load, strategies=args.strategies))
    results["machine"] = machine(start)
    if args.merge:
        import json

        command = "python -m tlcourse.experiments " + " ".join(sys.argv[1:] if argv is None else argv)
        results = merged(json.loads(args.out.read_text(encoding="utf-8")), results, command)
    write_results(args.out, results, results_document)
    print(results_markdown(results))
    print(f"Wrote {args.out} and {args.out.with_suffix('.md')} ({results['machine']['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
