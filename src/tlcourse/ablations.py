"""Batch-norm ablations of the scratch-vs-pretrained experiment: the same data, backbone and
budget as ``tlcourse.experiments``, one thing changed at a time, three seeds.

- ``modes``: full fine-tuning and scratch (or any strategy) with their batch-norm statistics updated
  while training (train mode, d2l's loop: every batch-norm layer, frozen ones included) and kept
  fixed (eval mode; for scratch that means the initial mean 0 and variance 1, so batch norm is only
  a learned scale and shift);
- ``rates``: strategies at the course's learning rates and at the rates ``--lr`` sets (for example
  every layer at the head's rate, ``--lr base=1e-3``), in each batch-norm mode of ``--bn``: test
  accuracy, accuracy on the training photos, how far the pretrained weights moved, time;
- ``sweep``: scratch on shares of the training set, its test accuracy as trained and after its
  batch-norm statistics are recomputed on the training images, next to the optimizer steps the
  same epoch count gives each share.

    python -m tlcourse.ablations modes --out data/results/batchnorm_modes.json --threads 1
    (or in parts: `modes --strategies scratch --bn fixed --out PART.json ...`, then
    `python -m tlcourse.ablations merge --out data/results/batchnorm_modes.json PART.json ...`)
    python -m tlcourse.ablations sweep --out data/results/scratch_batchnorm_sweep.json --threads 1
    python -m tlcourse.ablations rates --strategies feature_extraction full_finetune --lr base=1e-3 \
        --out data/results/finetune_rates.json --threads 1

write the JSON results and a Markdown document next to them (``document`` makes it from the JSON).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from typing import Callable, Sequence

import torch
from torch import nn

from tlcourse.experiments import (command_parser, fresh_copies, prepare, run_strategy, setup, train_whole,
                                  with_rates)
from tlcourse.history import Run
from tlcourse.results import machine, mean_std, write_results
from tlcourse.strategies import HEAD_THEN_UNFREEZE, LABELS, Budget, head_attr, is_pretrained, optimizer_for
from tlcourse.tensor_data import TensorData, loaders

#: The batch-norm modes of the ``modes`` ablation: name -> ``keep_statistics``.
MODES = {"updated (train mode)": False, "kept fixed (eval mode)": True}
#: The modes by their short names on the command line.
MODE_NAMES = {"updated": "updated (train mode)", "fixed": "kept fixed (eval mode)"}
ABLATION_FORMAT = 1


@torch.no_grad()
def recompute_batchnorm_statistics(net: nn.Module, X: torch.Tensor) -> nn.Module:
    """Replace every batch-norm layer's running mean and variance by the mean and (unbiased)
    variance of its inputs over all of ``X`` (the training images, one pass, one batch), computed
    with the trained weights; nothing else changes."""
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average: after one batch, that batch's statistics
    was_training = net.training
    net.train()
    net(X.to(next(net.parameters()).device))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    net.train(was_training)
    return net


@torch.no_grad()
def predictions(net: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """``net``'s predicted class for every image of ``X`` (eval mode)."""
    net.eval()
    device = next(net.parameters()).device
    return torch.cat([net(X[i:i + 64].to(device)).argmax(1).cpu() for i in range(0, len(X), 64)])


def test_predictions(net: nn.Module, data: TensorData) -> torch.Tensor:
    """``net``'s predicted class for every test image (eval mode)."""
    return predictions(net, data.X_test)


def scored(net: nn.Module, data: TensorData) -> dict:
    """Test accuracy and how many different classes ``net`` predicts on the test images."""
    pred = test_predictions(net, data)
    return {"accuracy": float((pred == data.y_test).float().mean()), "classes_predicted": len(pred.unique())}


def frozen_batchnorms(net: nn.Module) -> list[nn.Module]:
    """The batch-norm layers of ``net`` whose scale and shift are frozen."""
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and list(m.parameters(recurse=False)) and not any(p.requires_grad for p in m.parameters(recurse=False))]


def run_in_mode(strategy: str, name: str, data: TensorData, budget: Budget, seed: int, keep_statistics: bool,
                load: Callable[[str], nn.Module] | None = None) -> Run:
    """``strategy`` for one seed with every batch-norm layer's statistics kept fixed
    (``keep_statistics``) or updated while training, as d2l's loop does (it puts the whole network
    in train mode). The engine holds a frozen batch-norm layer's statistics whatever it is told, so
    for "updated" the frozen layers' scale and shift are handed to the optimizer at learning rate 0:
    the engine then runs them in train mode (their statistics move) while their weights stay as they
    are (they are frozen again afterwards). Nothing is cached in that case. (Head first, then
    unfreeze keeps the engine's rule in its head-only epochs.)"""
    net = prepare(strategy, name, len(data.classes), seed, load)
    frozen = frozen_batchnorms(net)
    if keep_statistics or not frozen or strategy == HEAD_THEN_UNFREEZE:
        return run_strategy(strategy, name, data, budget, seed, verbose=False, load=load,
                            keep_statistics=keep_statistics)
    optimizer = optimizer_for(strategy, net, budget)
    held = [p for m in frozen for p in m.parameters(recurse=False)]
    for p in held:
        p.requires_grad_(True)
    optimizer.add_param_group({"params": held, "lr": 0.0})
    history = train_whole(strategy, net, data, budget, seed, verbose=False, keep_statistics=False,
                          optimizer=optimizer)
    for p in held:
        p.requires_grad_(False)
    return Run(net, history)


def weights_moved(net: nn.Module, start: nn.Module) -> float:
    """How far training moved ``net``'s weights outside its head from those of ``start`` (the same
    network before training): the L2 norm of the change over the L2 norm of the start."""
    head = head_attr(net) + "."
    before = {n: p for n, p in start.named_parameters() if not n.startswith(head)}
    after = {n: p for n, p in net.named_parameters() if not n.startswith(head)}
    change = sum(float((after[n].detach().cpu() - p.detach().cpu()).pow(2).sum()) for n, p in before.items())
    size = sum(float(p.detach().pow(2).sum()) for p in before.values())
    return (change / size) ** 0.5


def optimizer_steps(num_images: int, budget: Budget) -> int:
    """Optimizer steps ``budget.num_epochs`` epochs give on ``num_images`` training images (the
    batches ``tensor_data.loaders`` makes, its dropped one-image batch included)."""
    train_iter, _ = loaders(torch.zeros(num_images, 1), torch.zeros(num_images), torch.zeros(1, 1),
                            torch.zeros(1), budget.batch_size, 0)
    return budget.num_epochs * len(train_iter)


def largest_class_share(y: torch.Tensor) -> float:
    """The share of the most frequent label in ``y``: the accuracy of always predicting it."""
    return float(torch.bincount(y).max()) / len(y)


def run_modes(name: str, data: TensorData, budget: Budget, seeds: Sequence[int],
              strategies: Sequence[str] = ("full_finetune", "scratch"),
              load: Callable[[str], nn.Module] | None = None, log: Callable[[str], None] = print,
              on_seed: Callable[[dict, list[int]], None] | None = None,
              modes: Sequence[str] = tuple(MODES)) -> dict:
    """Per strategy and batch-norm mode (names of ``MODES``): test accuracy over ``seeds`` and the
    classes predicted. Seeds run one after another (every strategy and mode for a seed, then the
    next seed); ``on_seed(results so far, seeds done)`` is called after each."""
    scores: dict = {s: {mode: [] for mode in modes} for s in strategies}
    done: list[int] = []

    def summary() -> dict:
        return {s: {mode: {"accuracy": mean_std([r["accuracy"] for r in runs]),
                           "classes_predicted": [r["classes_predicted"] for r in runs]}
                    for mode, runs in modes.items()} for s, modes in scores.items()}

    for seed in seeds:
        for strategy in strategies:
            for mode in modes:
                run = run_in_mode(strategy, name, data, budget, seed, MODES[mode], load)
                scores[strategy][mode].append(scored(run.net, data))
                log(f"{strategy} {mode} seed {seed}: {scores[strategy][mode][-1]}")
        done.append(seed)
        if on_seed:
            on_seed(summary(), list(done))
    return summary()


def run_sweep(name: str, data: TensorData, budget: Budget, seeds: Sequence[int], fractions: Sequence[float],
              log: Callable[[str], None] = print, on_fraction: Callable[[dict], None] | None = None) -> dict:
    """Scratch on each ``fraction`` of the training set: accuracy as trained and after
    ``recompute_batchnorm_statistics`` on its training images, optimizer steps, classes predicted.
    ``on_fraction(results so far)`` is called after each fraction."""
    rows = []
    for fraction in fractions:
        trained, recomputed, images = [], [], 0
        for seed in seeds:
            part = data.subset(fraction, seed) if fraction < 1 else data
            images = len(part.y_train)
            run = run_strategy("scratch", name, part, budget, seed, verbose=False)
            trained.append(scored(run.net, part))
            recomputed.append(scored(recompute_batchnorm_statistics(run.net, part.X_train), part))
            log(f"{fraction:.0%} seed {seed}: as trained {trained[-1]}, recomputed {recomputed[-1]}")
        rows.append({"fraction": fraction, "train_images": images, "optimizer_steps": optimizer_steps(images, budget),
                     "as_trained": mean_std([r["accuracy"] for r in trained]),
                     "as_trained_classes_predicted": [r["classes_predicted"] for r in trained],
                     "recomputed": mean_std([r["accuracy"] for r in recomputed]),
                     "recomputed_classes_predicted": [r["classes_predicted"] for r in recomputed]})
        if on_fraction:
            on_fraction({"rows": list(rows)})
    return {"rows": rows}


def rates_label(strategy: str, net: nn.Module, budget: Budget) -> str:
    """The learning rates ``strategy``'s optimizer gives ``net`` under ``budget``, in words."""
    lrs = [group["lr"] for group in optimizer_for(strategy, net, budget).param_groups]
    if not is_pretrained(strategy):
        return f"every layer {lrs[0]:g}"
    return ", ".join(f"{part} {lr:g}" for part, lr in zip(("head", "base"), lrs))


def run_rates(name: str, data: TensorData, budget: Budget, seeds: Sequence[int], rates: dict[str, float],
              strategies: Sequence[str] = ("feature_extraction", "full_finetune"),
              modes: Sequence[str] = tuple(MODES), load: Callable[[str], nn.Module] | None = None,
              log: Callable[[str], None] = print,
              on_seed: Callable[[dict, list[int]], None] | None = None) -> dict:
    """Each strategy at ``budget``'s learning rates and at ``rates`` (``{role: rate}``, put in by
    ``experiments.with_rates``; left out where they give the strategy the same rates), in each
    batch-norm mode (names of ``MODES``): test accuracy, accuracy on the training images, classes
    predicted on the test images, seconds, and ``weights_moved`` outside the head. Seeds run one
    after another; ``on_seed(results so far, seeds done)`` is called after each."""
    changed = with_rates(budget, rates)
    settings: list[tuple[str, Budget, str, str]] = []  # strategy, budget, label, mode
    for strategy in strategies:
        example = prepare(strategy, name, len(data.classes), 0, load)
        labels = [rates_label(strategy, example, budget), rates_label(strategy, example, changed)]
        for b, label in [(budget, labels[0])] + ([(changed, labels[1])] if labels[1] != labels[0] else []):
            settings += [(strategy, b, label, mode) for mode in modes]
    runs: dict[int, list[dict]] = {i: [] for i in range(len(settings))}
    done: list[int] = []

    def summary() -> dict:
        return {"rows": [{"strategy": s, "learning_rates": label, "batchnorm": mode, "course_rates": b == budget,
                          **{key: mean_std([r[key] for r in runs[i]])
                             for key in ("accuracy", "train_accuracy", "seconds", "weights_moved")},
                          "classes_predicted": [r["classes_predicted"] for r in runs[i]]}
                         for i, (s, b, label, mode) in enumerate(settings)]}

    for seed in seeds:
        for i, (strategy, b, label, mode) in enumerate(settings):
            run = run_in_mode(strategy, name, data, b, seed, MODES[mode], load)
            start = prepare(strategy, name, len(data.classes), seed, load)
            train_pred = predictions(run.net, data.X_train)
            runs[i].append({**scored(run.net, data), "seconds": sum(run.history.seconds),
                            "train_accuracy": float((train_pred == data.y_train).float().mean()),
                            "weights_moved": weights_moved(run.net, start)})
            log(f"{strategy} ({label}) {mode} seed {seed}: {runs[i][-1]}")
        done.append(seed)
        if on_seed:
            on_seed(summary(), list(done))
    return summary()


# --- the document -----------------------------------------------------------------------------------


def _pm(cell: dict) -> str:
    return f"{cell['mean']:.3f} ± {cell['std']:.3f}"


def _values(cell: dict) -> str:
    return ", ".join(f"{v:.3f}" for v in cell["values"])


def modes_table(results: dict) -> str:
    """One row per strategy and batch-norm mode (Markdown)."""
    n = len(results["seeds"])
    lines = [f"| strategy | batch-norm statistics | test accuracy (mean ± std, {n} seeds) | per seed | "
             "classes predicted per seed |", "|---|---|---|---|---|"]
    for strategy, modes in results["modes"].items():
        for mode, row in modes.items():
            lines.append(f"| {LABELS[strategy]} | {mode} | {_pm(row['accuracy'])} | {_values(row['accuracy'])} | "
                         f"{', '.join(map(str, row['classes_predicted']))} |")
    return "\n".join(lines) + "\n"


def sweep_table(results: dict) -> str:
    """One row per share of the training set (Markdown)."""
    n = len(results["seeds"])
    lines = ["| training images | optimizer steps | scratch as trained | classes predicted | "
             f"statistics recomputed on the training images | classes predicted |",
             "|---|---|---|---|---|---|"]
    for r in results["sweep"]["rows"]:
        lines.append(f"| {r['fraction']:.0%} ({r['train_images']}) | {r['optimizer_steps']} | "
                     f"{_pm(r['as_trained'])} ({_values(r['as_trained'])}) | "
                     f"{', '.join(map(str, r['as_trained_classes_predicted']))} | "
                     f"{_pm(r['recomputed'])} ({_values(r['recomputed'])}) | "
                     f"{', '.join(map(str, r['recomputed_classes_predicted']))} |")
    return f"Mean ± std over {n} seeds, then the value of each seed.\n\n" + "\n".join(lines) + "\n"


def rates_table(results: dict) -> str:
    """One row per strategy, learning rates and batch-norm mode (Markdown)."""
    n = len(results["seeds"])
    lines = [f"Mean ± std over {n} seeds, then the value of each seed. Accuracy on the training photos: the trained "
             "network's, in eval mode, after the last epoch. \"weights moved\": the L2 norm of the change of every "
             "weight outside the head over their L2 norm before training (0: the base did not change). Training "
             "times are wall-clock seconds on a shared machine.",
             "", "| strategy | learning rates | batch-norm statistics | test accuracy | accuracy on the training photos | "
             "weights moved | training time (s) | classes predicted |", "|---|---|---|---|---|---|---|---|"]
    for r in results["rates"]["rows"]:
        lines.append(f"| {LABELS[r['strategy']]} | {r['learning_rates']}{'' if r['course_rates'] else ' (--lr)'} | "
                     f"{r['batchnorm']} | {_pm(r['accuracy'])} ({_values(r['accuracy'])}) | "
                     f"{_pm(r['train_accuracy'])} ({_values(r['train_accuracy'])}) | "
                     f"{r['weights_moved']['mean']:.4f} ± {r['weights_moved']['std']:.4f} | "
                     f"{r['seconds']['mean']:.0f} ± {r['seconds']['std']:.0f} | "
                     f"{', '.join(map(str, r['classes_predicted']))} |")
    return "\n".join(lines) + "\n"


TITLES = {"modes": "Batch-norm statistics updated or kept fixed: full fine-tuning and scratch",
          "sweep": "Scratch on less data: optimizer steps and batch-norm statistics",
          "rates": "Learning rates of fine-tuning: the course's and others, batch-norm statistics both ways"}
TABLES = {"modes": modes_table, "sweep": sweep_table, "rates": rates_table}


def table(results: dict) -> str:
    """The results' table (Markdown)."""
    return TABLES[results["kind"]](results)


def truncated(part: dict, n: int) -> dict:
    """A ``modes`` result with only its first ``n`` seeds."""
    out = dict(part, seeds=part["seeds"][:n])
    out["modes"] = {s: {m: {"accuracy": mean_std(row["accuracy"]["values"][:n]),
                            "classes_predicted": row["classes_predicted"][:n]}
                        for m, row in modes.items()} for s, modes in part["modes"].items()}
    return out


def merge(parts: Sequence[dict], command: str) -> dict:
    """One ``modes`` result from parts run separately (each some strategies and modes, the same
    data and budget); ``command`` says how the parts were made and merged. Where a part has
    finished more seeds than another (a run cut off), only the seeds all parts finished are kept."""
    if not parts or any(p["kind"] != "modes" for p in parts):
        raise ValueError("merge takes the JSON results of `python -m tlcourse.ablations modes` runs.")
    n = min(len(p["seeds"]) for p in parts)
    most = max(len(p["seeds"]) for p in parts)
    parts = [truncated(p, n) for p in parts]
    first = parts[0]
    for p in parts[1:]:
        for key in ("seeds", "budget", "backbone", "data"):
            if p[key] != first[key]:
                raise ValueError(f"The parts differ in {key}: {first[key]!r} and {p[key]!r}; "
                                 "merge only runs with the same seeds, budget, backbone and data.")
    merged = {k: v for k, v in first.items() if k not in ("modes", "command", "machine")}
    merged["command"] = command
    merged["modes"] = {}
    for p in parts:
        for strategy, modes in p["modes"].items():
            merged["modes"].setdefault(strategy, {}).update(modes)
    merged["modes"] = {s: {m: merged["modes"][s][m] for m in MODES if m in merged["modes"][s]}
                       for s in merged["modes"]}
    merged["machine"] = dict(first["machine"], wall_seconds=max(p["machine"]["wall_seconds"] for p in parts))
    if n < most:
        merged["note"] = (f"some parts had finished {most} seeds, others {n}; the {n} seed(s) every part "
                          "finished are kept.")
    return merged


def summary_markdown(results: dict) -> str:
    """Title, seeds, the command and the table: what a notebook shows of the results."""
    n = len(results["seeds"])
    return (f"**{TITLES[results['kind']]}** ({results['backbone']}, {n} seed{'s' * (n != 1)}; the largest "
            f"class is {results['largest_class_share']:.3f} of the test photos). Reproduce: "
            f"`{results['command']}`\n\n" + table(results))


def document(results: dict) -> str:
    """The Markdown file written next to the JSON results."""
    b, machine = results["budget"], results["machine"]
    return (
        f"# {TITLES[results['kind']]}\n\n"
        f"Backbone: {results['backbone']} ({results['weights']}). Data: {results['data']}; the largest "
        f"class is {results['largest_class_share']:.3f} of the test images (the accuracy of always "
        f"predicting it). Budget, as in `scratch_vs_pretrained.md`: {b['num_epochs']} epochs, batch size "
        f"{b['batch_size']}, {b['image_size']} px, Adam (new head lr {b['head_lr']:g}, fine-tuned pretrained "
        f"layers lr {b['base_lr']:g}, scratch lr {b['scratch_lr']:g}), weight decay {b['weight_decay']:g}. "
        f"Seeds: {', '.join(map(str, results['seeds']))}; std is the sample standard deviation over seeds. "
        "Accuracy is the test accuracy after the last epoch; \"classes predicted\" counts the different "
        "classes the network predicts on the test images (1: it gives every photo the same class). "
        f"{machine['device']}, {machine['threads']} thread(s), torch {machine['torch']}; the command took "
        f"{machine['wall_seconds']} s.\n\n"
        f"Reproduce: `{results['command']}`\n\n"
        + (f"Note: {results['note']}\n\n" if results.get("note") else "") + table(results)
    )


# --- the command ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """The command: ``modes``, ``sweep`` or ``rates``, written as JSON and Markdown."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["merge"]:
        return merge_command(argv)
    parser = command_parser(__doc__)
    parser.add_argument("kind", choices=("modes", "sweep", "rates"))
    parser.add_argument("--strategies", nargs="+", default=["full_finetune", "scratch"], help="modes and rates")
    parser.add_argument("--bn", nargs="+", choices=tuple(MODE_NAMES), default=list(MODE_NAMES),
                        help="modes and rates: batch-norm statistics updated (train mode) and/or kept fixed (eval mode)")
    args = parser.parse_args(argv)
    rates = {}
    if args.kind == "rates":  # rates compares the course's learning rates with these; modes and sweep run at them
        if not args.lr:
            parser.error("rates compares the course's learning rates with others: give them with --lr ROLE=RATE "
                         "(e.g. --lr base=1e-3).")
        rates, args.lr = args.lr, {}
    start = time.perf_counter()
    backbone, budget, data = setup(args)
    command = "python -m tlcourse.ablations " + " ".join(argv)
    results = {"format": ABLATION_FORMAT, "kind": args.kind, "command": command, "backbone": backbone.name,
               "weights": backbone.source, "data": data.description,
               "largest_class_share": largest_class_share(data.y_test), "seeds": list(args.seeds),
               "budget": asdict(budget)}

    def write(part: dict, seeds_done: list[int]) -> None:  # after every seed, so a cut-off run keeps what finished
        results.update(part, seeds=seeds_done, machine=machine(start))
        write_results(args.out, results, document)

    if args.kind == "rates":
        results["rates_set"] = rates
        run_rates(backbone.name, data, budget, args.seeds, rates, args.strategies, [MODE_NAMES[m] for m in args.bn],
                  load=fresh_copies(backbone.net), on_seed=lambda part, done: write({"rates": part}, done))
    elif args.kind == "modes":
        run_modes(backbone.name, data, budget, args.seeds, args.strategies, load=fresh_copies(backbone.net),
                  on_seed=lambda modes, done: write({"modes": modes}, done), modes=[MODE_NAMES[m] for m in args.bn])
    else:
        run_sweep(backbone.name, data, budget, args.seeds, args.fractions,
                  on_fraction=lambda sweep: write({"sweep": sweep}, list(args.seeds)))
    print(document(results))
    return 0


def merge_command(argv: list[str]) -> int:
    """``merge --out FILE PART.json ...``: the parts' ``modes`` results as one JSON and Markdown."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m tlcourse.ablations merge")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("parts", nargs="+", type=Path)
    args = parser.parse_args(argv[1:])
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in args.parts]
    command = " && ".join([p["command"] for p in parts] + ["python -m tlcourse.ablations " + " ".join(argv)])
    write_results(args.out, merge(parts, command), document)
    print(document(json.loads(args.out.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
