"""Scratch vs pretrained: four ways to train the same network on the same budget.

Strategies (the network and the training budget are the same for all four):

- ``feature_extraction``: pretrained base frozen, only a new head learns;
- ``partial_finetune``: pretrained; the head and the last block(s) of the base learn;
- ``full_finetune``: pretrained; everything learns (the base with a smaller learning rate);
- ``scratch``: random initialisation; everything learns.

Batch-norm layers of a pretrained network keep their ImageNet statistics while training (eval
mode; their weights still learn when unfrozen), so a frozen part really is the pretrained
network and fine-tuning is not thrown off by the noisy statistics of small batches. The frozen front of a network can be cached: it
computes every image's output once, then the trainable rest trains on those outputs (for
feature extraction: the head trains on cached features). With fixed (non-random) input
transforms that is the same computation as running the frozen part in every step, just faster.

    python -m tlcourse.experiments --out data/results/scratch_vs_pretrained.json

runs every strategy for three seeds plus a data-size sweep and writes the JSON results and a
Markdown table next to them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import torch
from torch import nn

from tlcourse import engine, env
from tlcourse.engine import History

STRATEGIES = ("feature_extraction", "partial_finetune", "full_finetune", "scratch")
LABELS = {
    "feature_extraction": "feature extraction",
    "partial_finetune": "partial fine-tuning",
    "full_finetune": "full fine-tuning",
    "scratch": "scratch (random init)",
}
#: One colour per strategy in every figure.
COLORS = {"feature_extraction": "C0", "partial_finetune": "C1", "full_finetune": "C2", "scratch": "C3"}
#: How many blocks (counted from the head) partial fine-tuning unfreezes, per architecture.
PARTIAL_BLOCKS = {"resnet": 1, "efficientnet": 2}
RESULTS_FORMAT = 1


@dataclass(frozen=True)
class Budget:
    """What every strategy gets: the same epochs, batch size, images; learning rates per role."""

    num_epochs: int = 6
    batch_size: int = 32
    image_size: int = 96
    head_lr: float = 1e-3       # a new, randomly initialised head
    base_lr: float = 1e-4       # pretrained layers that are fine-tuned
    scratch_lr: float = 1e-3    # every layer of a randomly initialised network
    weight_decay: float = 1e-4


class Run(NamedTuple):
    """One training run: the trained network and its history (``net, history = run``)."""

    net: nn.Module
    history: History


# --- blocks and freezing ------------------------------------------------------------------


def family(net: nn.Module) -> str:
    """``"resnet"`` (torchvision) or ``"efficientnet"`` (timm); anything else raises."""
    if all(hasattr(net, a) for a in ("conv1", "bn1", "layer1", "layer4", "fc")):
        return "resnet"
    if all(hasattr(net, a) for a in ("conv_stem", "bn1", "blocks", "conv_head", "bn2", "classifier")):
        return "efficientnet"
    raise TypeError(f"{type(net).__name__} is neither a torchvision ResNet nor a timm EfficientNet.")


def head_attr(net: nn.Module) -> str:
    """The name of the classifier head: ``fc`` (ResNet) or ``classifier`` (EfficientNet)."""
    return "fc" if family(net) == "resnet" else "classifier"


def blocks(net: nn.Module) -> list[tuple[str, list[nn.Module]]]:
    """The base's blocks, named, from the head backwards.

    ResNet: ``layer4``, ``layer3``, ``layer2``, ``layer1``, ``stem`` (``conv1`` + ``bn1``).
    EfficientNet: ``conv_head`` (+ ``bn2``), ``blocks.6`` ... ``blocks.0``, ``stem``
    (``conv_stem`` + ``bn1``). Together with the head they hold every parameter.
    """
    if family(net) == "resnet":
        stages = [(f"layer{i}", [getattr(net, f"layer{i}")]) for i in (4, 3, 2, 1)]
        return stages + [("stem", [net.conv1, net.bn1])]
    stages = [(f"blocks.{i}", [stage]) for i, stage in reversed(list(enumerate(net.blocks)))]
    return [("conv_head", [net.conv_head, net.bn2])] + stages + [("stem", [net.conv_stem, net.bn1])]


def set_trainable(net: nn.Module, num_blocks: int) -> nn.Module:
    """Freeze everything, then unfreeze the head and the last ``num_blocks`` blocks."""
    parts = blocks(net)
    if not 0 <= num_blocks <= len(parts):
        raise ValueError(f"num_blocks must be between 0 and {len(parts)}, got {num_blocks}")
    net.requires_grad_(False)
    getattr(net, head_attr(net)).requires_grad_(True)
    for _, modules in parts[:num_blocks]:
        for module in modules:
            module.requires_grad_(True)
    return net


def count_params(net: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (only those with ``requires_grad`` when ``trainable_only``)."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable_only)


def blocks_for(strategy: str, net: nn.Module) -> int:
    """How many blocks ``strategy`` unfreezes on ``net``."""
    check_strategy(strategy)
    if strategy == "feature_extraction":
        return 0
    if strategy == "partial_finetune":
        return PARTIAL_BLOCKS[family(net)]
    return len(blocks(net))


def check_strategy(strategy: str) -> None:
    """Raise ValueError for an unknown strategy name."""
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.")


def held_batchnorms(net: nn.Module, strategy: str) -> list[nn.Module]:
    """The batch-norm layers whose statistics must not move while ``strategy`` trains: every
    one in a pretrained network (their ImageNet statistics are part of what is transferred;
    a few hundred photos in batches of 32 would only make them noisy), the frozen ones in any
    other network. A scratch network has no frozen layers, so its batch-norm layers learn
    their statistics as usual."""
    check_strategy(strategy)
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and (strategy != "scratch" or not any(p.requires_grad for p in m.parameters()))]


def hold_batchnorm_in_eval(module: nn.Module, batchnorms: list[nn.Module]):
    """Make every forward pass of ``module`` in training mode run ``batchnorms`` in eval mode
    (their running statistics stay as they are; their weights may still learn). Returns the
    hook handle; ``handle.remove()`` undoes it."""

    def hook(mod, inputs):
        if mod.training:
            for bn in batchnorms:
                bn.eval()

    return module.register_forward_pre_hook(hook)


# --- networks for each strategy -----------------------------------------------------------


def new_head(net: nn.Module, num_classes: int, seed: int) -> nn.Linear:
    """Put a fresh ``Linear(features, num_classes)`` (seeded) in place of the head."""
    attr = head_attr(net)
    torch.manual_seed(seed)
    head = nn.Linear(getattr(net, attr).in_features, num_classes)
    setattr(net, attr, head)
    return head


def prepare(strategy: str, name: str, num_classes: int, seed: int = 0,
            load: Callable[[str], nn.Module] | None = None) -> nn.Module:
    """The network for ``strategy``: backbone ``name`` pretrained (``load(name)``, default the
    course's ImageNet weights) or randomly initialised (scratch, seeded), with a new head and
    the right parameters trainable."""
    check_strategy(strategy)
    from tlcourse import backbones

    if strategy == "scratch":
        torch.manual_seed(seed)
        net = backbones.random_init(name).net
    else:
        net = (load or (lambda n: backbones.pretrained(n).net))(name)
    new_head(net, num_classes, seed)
    return set_trainable(net, blocks_for(strategy, net))


def optimizer_for(strategy: str, net: nn.Module, budget: Budget) -> torch.optim.Optimizer:
    """Adam: the new head at ``head_lr``, fine-tuned pretrained layers at ``base_lr``, every
    layer of a scratch network at ``scratch_lr``. Only trainable parameters are handed over."""
    head = list(getattr(net, head_attr(net)).parameters())
    head_ids = {id(p) for p in head}
    base = [p for p in net.parameters() if p.requires_grad and id(p) not in head_ids]
    if strategy == "scratch":
        groups = [{"params": head + base, "lr": budget.scratch_lr}]
    else:
        groups = [{"params": head, "lr": budget.head_lr}]
        if base:
            groups.append({"params": base, "lr": budget.base_lr})
    return torch.optim.Adam(groups, weight_decay=budget.weight_decay)


# --- data -----------------------------------------------------------------------------------


@dataclass
class TensorData:
    """Decoded, transformed images held in memory (so epochs do not decode JPEGs again)."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]
    description: str = ""

    def subset(self, fraction: float, seed: int) -> "TensorData":
        """A stratified ``fraction`` of the training set (at least one image per class);
        the test set stays whole."""
        idx = stratified_indices(self.y_train, fraction, seed)
        return TensorData(self.X_train[idx], self.y_train[idx], self.X_test, self.y_test,
                          self.classes, f"{self.description} [{fraction:.0%} of train: {len(idx)}]")


def stratified_indices(y: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """Indices of a seeded, per-class ``fraction`` of labels ``y`` (rounded, at least 1 each)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y).tolist():
        members = torch.nonzero(y == c).flatten()
        keep = max(1, round(len(members) * fraction))
        chosen.append(members[torch.randperm(len(members), generator=generator)[:keep]])
    return torch.sort(torch.cat(chosen)).values


def image_transform(image_size: int, mean, std):
    """Resize the short side, centre crop, normalise: fixed, so cached features stay valid."""
    from torchvision import transforms

    return transforms.Compose([transforms.Resize(image_size), transforms.CenterCrop(image_size),
                               transforms.ToTensor(), transforms.Normalize(list(mean), list(std))])


def _stack(ds) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = zip(*(ds[i] for i in range(len(ds))))
    return torch.stack(images), torch.tensor(labels)


def load_foodvision7(image_size: int = 96, mean=None, std=None, mode: str | None = None,
                     verbose: bool = True) -> TensorData:
    """FoodVision-7 (the smoke stand-in in smoke mode) as tensors at ``image_size`` pixels."""
    from tlcourse import backbones, data

    mean, std = mean or backbones.IMAGENET_MEAN, std or backbones.IMAGENET_STD
    train_ds, test_ds = data.foodvision7(mode=mode, transform=image_transform(image_size, mean, std),
                                         verbose=verbose)
    X_train, y_train = _stack(train_ds)
    X_test, y_test = _stack(test_ds)
    kind = "smoke stand-in" if getattr(train_ds, "is_standin", False) else "photos"
    return TensorData(X_train, y_train, X_test, y_test, list(train_ds.classes),
                      f"FoodVision-7 {kind}, {len(y_train)} train / {len(y_test)} test, {image_size} px")


def loaders(X: torch.Tensor, y: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor,
            batch_size: int, seed: int):
    """``train_iter`` (shuffled, seeded) and ``test_iter`` over in-memory tensors. A last
    training batch of a single image is dropped (batch-norm cannot train on one value)."""
    from torch.utils.data import DataLoader, TensorDataset

    train_iter = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                            drop_last=len(y) % batch_size == 1 and len(y) > 1,
                            generator=torch.Generator().manual_seed(seed))
    test_iter = DataLoader(TensorDataset(X_test, y_test), batch_size=max(batch_size, 64))
    return train_iter, test_iter


# --- training -------------------------------------------------------------------------------


def layers(net: nn.Module) -> list[nn.Module]:
    """The network as a flat list of modules in forward order (``nn.Sequential(*layers(net))``
    computes what ``net`` computes); the parameters are the network's own."""
    if family(net) == "resnet":
        return [net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3,
                net.layer4, net.avgpool, nn.Flatten(1), net.fc]
    return [net.conv_stem, net.bn1, *net.blocks, net.conv_head, net.bn2, net.global_pool,
            nn.Dropout(float(getattr(net, "drop_rate", 0.0))), net.classifier]


def frozen_prefix_length(parts: list[nn.Module]) -> int:
    """How many leading modules of ``parts`` are frozen and can be run once and cached: up to the
    first module with a trainable parameter (dropout stays in the trained part)."""
    cut = next((i for i, m in enumerate(parts) if any(p.requires_grad for p in m.parameters())),
               len(parts))
    while cut > 0 and isinstance(parts[cut - 1], nn.Dropout):
        cut -= 1
    return cut


@torch.no_grad()
def run_frozen(prefix: nn.Module, X: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """``prefix`` (eval mode, no gradients) applied to every image in ``X``."""
    prefix.eval()
    device = env.device()
    prefix.to(device)
    return torch.cat([prefix(X[i:i + batch_size].to(device)).cpu() for i in range(0, len(X), batch_size)])


def train_on_cache(strategy: str, net: nn.Module, data: TensorData, budget: Budget, seed: int,
                   verbose: bool = True) -> History:
    """Train ``net`` by running its frozen front part once per image and training the rest on
    the cached outputs (exact when the inputs are not randomly augmented). The caching time is
    counted in epoch 1."""
    parts = layers(net)
    cut = frozen_prefix_length(parts)
    start = time.perf_counter()
    prefix = nn.Sequential(*parts[:cut])
    F_train, F_test = run_frozen(prefix, data.X_train), run_frozen(prefix, data.X_test)
    cache_seconds = time.perf_counter() - start
    if verbose:
        print(f"frozen part run once: cached {tuple(F_train.shape[1:])} per image "
              f"({cache_seconds:.1f} s)")
    rest = nn.Sequential(*parts[cut:])
    train_iter, test_iter = loaders(F_train, data.y_train, F_test, data.y_test, budget.batch_size, seed)
    torch.manual_seed(seed)
    hook = hold_batchnorm_in_eval(rest, held_batchnorms(net, strategy))
    try:
        history = engine.train(rest, train_iter, test_iter, nn.CrossEntropyLoss(),
                               optimizer_for(strategy, net, budget), budget.num_epochs, verbose=verbose)
    finally:
        hook.remove()
    history.seconds[0] += cache_seconds
    return history


def run_strategy(strategy: str, name: str, data: TensorData, budget: Budget = Budget(),
                 seed: int = 0, cache: bool = True, verbose: bool = True,
                 load: Callable[[str], nn.Module] | None = None) -> Run:
    """Train backbone ``name`` with ``strategy`` on ``data`` for one seed. With ``cache`` the
    frozen front part of the network runs only once per image (``train_on_cache``)."""
    if verbose:
        print(f"--- {LABELS[strategy]} ({name}, seed {seed}) ---")
    net = prepare(strategy, name, len(data.classes), seed, load)
    if cache and frozen_prefix_length(layers(net)) > 0:
        return Run(net, train_on_cache(strategy, net, data, budget, seed, verbose))
    torch.manual_seed(seed)  # dropout and any other randomness in training
    hook = hold_batchnorm_in_eval(net, held_batchnorms(net, strategy))
    try:
        train_iter, test_iter = loaders(data.X_train, data.y_train, data.X_test, data.y_test,
                                        budget.batch_size, seed)
        history = engine.train(net, train_iter, test_iter, nn.CrossEntropyLoss(),
                               optimizer_for(strategy, net, budget), budget.num_epochs, verbose=verbose)
    finally:
        hook.remove()
    return Run(net, history)


def summary_row(run: Run) -> dict:
    """One strategy's row: last-epoch test accuracy, total seconds, parameter counts."""
    net, history = run
    return {"accuracy": history.test_acc[-1], "seconds": sum(history.seconds),
            "trainable_params": count_params(net, trainable_only=True),
            "total_params": count_params(net)}


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


# --- aggregated results ---------------------------------------------------------------------


def mean_std(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation (0 for a single value) and the values themselves."""
    values = [float(v) for v in values]
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0, "values": values}


def aggregate(runs_per_seed: dict[int, dict[str, Run]]) -> dict:
    """Per strategy: mean/std of accuracy and seconds over seeds, parameter counts, curves."""
    seeds = sorted(runs_per_seed)
    strategies = list(runs_per_seed[seeds[0]])
    out = {}
    for s in strategies:
        rows = [summary_row(runs_per_seed[seed][s]) for seed in seeds]
        histories = [runs_per_seed[seed][s].history for seed in seeds]
        out[s] = {
            "accuracy": mean_std([r["accuracy"] for r in rows]),
            "seconds": mean_std([r["seconds"] for r in rows]),
            "trainable_params": rows[0]["trainable_params"],
            "total_params": rows[0]["total_params"],
            "curves": {k: [getattr(h, k) for h in histories] for k in ("train_loss", "train_acc", "test_acc")},
        }
    return out


def aggregate_sweep(per_seed: dict[int, dict[str, list[float]]], fractions: Sequence[float]) -> dict:
    """Per strategy and fraction: mean/std of the final test accuracy over seeds."""
    seeds = sorted(per_seed)
    strategies = list(per_seed[seeds[0]])
    return {"fractions": list(fractions),
            "strategies": {s: [mean_std([per_seed[seed][s][i] for seed in seeds])
                               for i in range(len(fractions))] for s in strategies}}


def results_markdown(results: dict) -> str:
    """The results as a Markdown table (and the sweep as a second table when present)."""
    n = len(results.get("seeds", [])) or 1
    lines = [f"| strategy | test accuracy (mean ± std, {n} seeds) | training time (s) | "
             "trainable parameters |", "|---|---|---|---|"]
    for s, row in results["strategies"].items():
        acc, sec = row["accuracy"], row["seconds"]
        lines.append(f"| {LABELS.get(s, s)} | {acc['mean']:.3f} ± {acc['std']:.3f} | "
                     f"{sec['mean']:.0f} ± {sec['std']:.0f} | {row['trainable_params']:,} "
                     f"of {row['total_params']:,} |")
    sweep_results = results.get("sweep")
    if sweep_results:
        fractions = sweep_results["fractions"]
        counts = sweep_results.get("train_images", [""] * len(fractions))
        lines += ["", "| training images | " + " | ".join(LABELS.get(s, s) for s in sweep_results["strategies"])
                  + " | gap |", "|---|" + "---|" * (len(sweep_results["strategies"]) + 1)]
        for i, f in enumerate(fractions):
            cells = [sweep_results["strategies"][s][i] for s in sweep_results["strategies"]]
            gap = cells[0]["mean"] - cells[-1]["mean"]
            label = f"{f:.0%}" + (f" ({counts[i]})" if counts[i] != "" else "")
            lines.append(f"| {label} | " + " | ".join(f"{c['mean']:.3f} ± {c['std']:.3f}" for c in cells)
                         + f" | {gap:+.3f} |")
    return "\n".join(lines) + "\n"


def results_path() -> Path | None:
    """The committed results file in the course repository (None outside the repository)."""
    from tlcourse.data import find_repo_root

    root = find_repo_root()
    return root / "data" / "results" / "scratch_vs_pretrained.json" if root else None


def load_results(path: Path | None = None) -> dict | None:
    """The committed results, or None when the file is not there (e.g. on Colab)."""
    path = path or results_path()
    if path is None or not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --- figures --------------------------------------------------------------------------------


def plot_curves(curves: dict[str, dict[str, list]], title: str = ""):
    """Learning curves of every strategy in one figure: test accuracy and training loss per
    epoch. ``curves[strategy][key]`` is one list per seed (mean line, min-max band) or one list."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for s, c in curves.items():
        for ax, key in zip(axes, ("test_acc", "train_loss")):
            values = np.atleast_2d(np.asarray(c[key], dtype=float))
            epochs = np.arange(1, values.shape[1] + 1)
            line, = ax.plot(epochs, values.mean(axis=0), marker="o", ms=3, label=LABELS.get(s, s),
                            color=COLORS.get(s))
            if values.shape[0] > 1:
                ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), alpha=0.15,
                                color=line.get_color())
    axes[0].set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1), title="test accuracy")
    axes[1].set(xlabel="epoch", ylabel="training loss", title="training loss")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def curves_of(runs: dict[str, Run]) -> dict[str, dict[str, list]]:
    """The learning curves of one seed's runs, in ``plot_curves``'s format."""
    return {s: run.history.as_dict() for s, run in runs.items()}


def plot_sweep(sweep_results: dict, title: str = ""):
    """Final test accuracy against the share of the training set, one line per strategy
    (error bars: standard deviation over seeds when there are several)."""
    import matplotlib.pyplot as plt

    fractions = [100 * f for f in sweep_results["fractions"]]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for s, cells in sweep_results["strategies"].items():
        means = [c["mean"] if isinstance(c, dict) else c for c in cells]
        stds = [c.get("std", 0.0) if isinstance(c, dict) else 0.0 for c in cells]
        ax.errorbar(fractions, means, yerr=stds, marker="o", capsize=3, label=LABELS.get(s, s),
                    color=COLORS.get(s))
    ax.set(xscale="log", xlabel="share of the training set (%)", ylabel="test accuracy", ylim=(0, 1))
    ax.set_xticks(fractions, [f"{f:g}" for f in fractions])
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


# --- the command ------------------------------------------------------------------------------


def run_all(name: str, data: TensorData, budget: Budget, seeds: Sequence[int],
            fractions: Sequence[float], sweep_strategies: Sequence[str] = ("feature_extraction", "scratch"),
            load: Callable[[str], nn.Module] | None = None, log: Callable[[str], None] = print) -> dict:
    """Every strategy for every seed, then the sweep (reusing the 100 % runs)."""
    runs_per_seed: dict[int, dict[str, Run]] = {}
    sweep_per_seed: dict[int, dict[str, list[float]]] = {}
    for seed in seeds:
        runs_per_seed[seed] = compare(name, data, budget, seed, load=load)
        known = {(s, 1.0): runs_per_seed[seed][s].history.test_acc[-1] for s in sweep_strategies}
        sweep_per_seed[seed] = sweep(name, data, fractions, budget, seed, sweep_strategies,
                                     known=known, load=load)
        for s, run in runs_per_seed[seed].items():
            log(f"seed {seed}: {s:20s} accuracy {run.history.test_acc[-1]:.3f} "
                f"({sum(run.history.seconds):.0f} s)")
    sweep_results = aggregate_sweep(sweep_per_seed, fractions)
    sweep_results["train_images"] = [len(data.subset(f, seeds[0]).y_train) if f < 1 else len(data.y_train)
                                     for f in fractions]
    sweep_results["pretrained_strategy"] = sweep_strategies[0]
    return {"strategies": aggregate(runs_per_seed), "sweep": sweep_results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write (a .md table goes next to it)")
    parser.add_argument("--backbone", nargs="+", default=["resnet18", "efficientnet_lite0"],
                        help="backbones to try, first available wins")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.1, 0.25, 0.5, 1.0])
    parser.add_argument("--epochs", type=int, default=Budget.num_epochs)
    parser.add_argument("--image-size", type=int, default=Budget.image_size)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from tlcourse import backbones

    start = time.perf_counter()
    backbone = backbones.first_available(args.backbone)
    budget = Budget(num_epochs=args.epochs, image_size=args.image_size)
    data = load_foodvision7(budget.image_size, backbone.mean, backbone.std)
    print(f"Data: {data.description}")
    pretrained_net = backbone.net
    state = {k: v.clone() for k, v in pretrained_net.state_dict().items()}

    def load(_name: str) -> nn.Module:  # a fresh copy of the pretrained weights for every run
        import copy

        net = copy.deepcopy(pretrained_net)
        net.load_state_dict(state)
        return net

    results = {"format": RESULTS_FORMAT, "backbone": backbone.name, "weights": backbone.source,
               "data": data.description, "seeds": list(args.seeds), "budget": asdict(budget)}
    results.update(run_all(backbone.name, data, budget, args.seeds, args.fractions, load=load))
    results["machine"] = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                          "device": str(env.device()), "python": platform.python_version(),
                          "wall_seconds": round(time.perf_counter() - start),
                          "cpu_seconds": round(time.process_time())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    md = args.out.with_suffix(".md")
    md.write_text(_markdown_document(results), encoding="utf-8")
    print(results_markdown(results))
    print(f"Wrote {args.out} and {md} ({results['machine']['wall_seconds']} s)")
    return 0


def _markdown_document(results: dict) -> str:
    b = results["budget"]
    return (
        "# Scratch vs pretrained on FoodVision-7\n\n"
        f"Backbone: {results['backbone']} ({results['weights']}). Data: {results['data']}. "
        f"Budget for every strategy: {b['num_epochs']} epochs, batch size {b['batch_size']}, Adam "
        f"(new head lr {b['head_lr']:g}, fine-tuned pretrained layers lr {b['base_lr']:g}, scratch lr "
        f"{b['scratch_lr']:g}), weight decay {b['weight_decay']:g}. Seeds: "
        f"{', '.join(map(str, results['seeds']))}; std is the sample standard deviation over seeds. "
        f"Accuracy is the test accuracy after the last epoch. Times: {results['machine']['device']}, "
        f"{results['machine']['threads']} thread(s), torch {results['machine']['torch']}; training times are "
        "wall-clock seconds, so on a shared machine they also vary with its load. The whole "
        f"command took {results['machine']['wall_seconds']} s ({results['machine']['cpu_seconds']} s of CPU). "
        "Where a strategy has a frozen front part (feature extraction, partial fine-tuning), it "
        "runs once per image and its outputs are cached; that time is included.\n\n"
        "Reproduce (measured with one thread): `python -m tlcourse.experiments --out "
        "data/results/scratch_vs_pretrained.json --threads 1`\n\n"
        + results_markdown(results)
    )


if __name__ == "__main__":
    sys.exit(main())
