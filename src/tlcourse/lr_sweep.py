"""A learning-rate sweep of a new head: train the same head on the same cached features at a
few learning rates, keep each one's training loss per epoch, draw the curves, and the committed
three-seed run of it on FoodVision-7.

    python -m tlcourse.lr_sweep --out data/results/lr_sweep_head.json --threads 1

writes the JSON results and a Markdown document next to them. The rule the notebook's exercise
asks students to write (of the rates whose loss falls in every epoch, the one that ends lowest)
lives with its check (``tlcourse.checks.lr_rule``); the results report what it picks in each seed.
"""

from __future__ import annotations

import sys
import time
from typing import Sequence

import torch
from torch import nn
from torch.utils.data import TensorDataset

from tlcourse.features import base_of, extract
from tlcourse.results import machine, mean_std, write_results
from tlcourse.strategies import Budget, head_attr
from tlcourse.tensor_data import loaders

#: The rates the sweep tries: a factor of 10 apart, from too small to too large for Adam on a head.
LEARNING_RATES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
LR_SWEEP_FORMAT = 1


def head_loss_histories(F_train: torch.Tensor, y_train: torch.Tensor, num_classes: int,
                        lrs: Sequence[float] = LEARNING_RATES, num_epochs: int = Budget.num_epochs,
                        batch_size: int = Budget.batch_size, seed: int = 0,
                        weight_decay: float = Budget.weight_decay) -> dict[float, list[float]]:
    """For each learning rate: a new ``Linear`` head (the same seeded start for every rate)
    trained with Adam on the features ``F_train``; its mean training loss in each epoch."""
    return {lr: train_head(F_train, y_train, num_classes, lr, num_epochs, batch_size, seed, weight_decay)[1]
            for lr in lrs}


def train_head(F_train: torch.Tensor, y_train: torch.Tensor, num_classes: int, lr: float,
               num_epochs: int, batch_size: int, seed: int, weight_decay: float) -> tuple[nn.Module, list[float]]:
    """A new seeded ``Linear`` head trained with Adam at ``lr`` on ``F_train``: the head and its
    mean training loss in each epoch."""
    torch.manual_seed(seed)
    head = nn.Linear(F_train.shape[1], num_classes)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    train_iter, _ = loaders(F_train, y_train, F_train[:1], y_train[:1], batch_size, seed)
    loss = nn.CrossEntropyLoss()
    losses = []
    for _ in range(num_epochs):
        total = seen = 0.0
        for X, y in train_iter:
            optimizer.zero_grad()
            l = loss(head(X), y)
            l.backward()
            optimizer.step()
            total += l.item() * len(y)
            seen += len(y)
        losses.append(total / max(seen, 1))
    return head, losses


def plot_lr_sweep(histories: dict[float, Sequence[float]], title: str = ""):
    """Training loss per epoch, one line per learning rate (log scale: losses that explode stay
    readable next to the ones that fall)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for lr in sorted(histories):
        losses = histories[lr]
        ax.plot(range(1, len(losses) + 1), losses, marker="o", ms=3, label=f"lr {lr:g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (log scale)")
    ax.set_title(title or "learning-rate sweep of the head")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- the command ------------------------------------------------------------------------------


def run(F_train: torch.Tensor, y_train: torch.Tensor, F_test: torch.Tensor, y_test: torch.Tensor,
        num_classes: int, seeds: Sequence[int], lrs: Sequence[float], budget: Budget) -> dict:
    """Every rate for every seed: the loss histories, and per rate the final loss and the test
    accuracy of the trained head (mean ± std), how many seeds' losses fell in every epoch, and
    which rate ``pick_steady_lr`` picks per seed."""
    # the exercise's rule, imported here so that it is not one of this module's names
    from tlcourse.checks.lr_rule import pick_steady_lr, steadily_decreasing

    per_seed: dict[int, dict[float, list[float]]] = {}
    accuracy: dict[float, list[float]] = {lr: [] for lr in lrs}
    for seed in seeds:
        per_seed[seed] = {}
        for lr in lrs:
            head, losses = train_head(F_train, y_train, num_classes, lr, budget.num_epochs, budget.batch_size,
                                      seed, budget.weight_decay)
            per_seed[seed][lr] = losses
            with torch.no_grad():
                accuracy[lr].append(float((head(F_test).argmax(1) == y_test).float().mean()))
    rows = {}
    for lr in lrs:
        histories = [per_seed[seed][lr] for seed in seeds]
        rows[f"{lr:g}"] = {"final_loss": mean_std([h[-1] for h in histories]),
                           "test_accuracy": mean_std(accuracy[lr]),
                           "steady_seeds": sum(steadily_decreasing(h) for h in histories),
                           "losses": histories}
    picks = [pick_steady_lr(per_seed[seed]) for seed in seeds]
    return {"rates": rows, "picked": [None if p is None else f"{p:g}" for p in picks]}


def document(results: dict) -> str:
    """The Markdown file written next to the JSON: how it was measured, then the table."""
    b = results["budget"]
    n = len(results["seeds"])
    lines = [
        "# Learning-rate sweep of the head on FoodVision-7", "",
        f"Backbone: {results['backbone']} ({results['weights']}), frozen; its features of every training "
        f"photo computed once. Data: {results['data']}. A new Linear head, the same seeded start for "
        f"every rate, trained with Adam (weight decay {b['weight_decay']:g}) for {b['num_epochs']} epochs "
        f"in batches of {b['batch_size']}. Seeds: {', '.join(map(str, results['seeds']))} (head "
        "initialisation and batch order); std is the sample standard deviation over seeds. Loss is the "
        "mean training loss of an epoch; test accuracy is the trained head's on the 89 test photos. 'Falls every epoch' counts the seeds whose loss is lower in "
        f"every epoch than in the one before. The command took {results['machine']['wall_seconds']} s.", "",
        "Reproduce: `python -m tlcourse.lr_sweep --out data/results/lr_sweep_head.json --threads 1`", "",
        f"| learning rate | final training loss (mean ± std, {n} seeds) | falls every epoch | "
        f"test accuracy of the head (mean ± std) | loss per epoch (seed {results['seeds'][0]}) |",
        "|---|---|---|---|---|",
    ]
    for lr, row in results["rates"].items():
        cell, acc = row["final_loss"], row["test_accuracy"]
        first = ", ".join(f"{v:.3g}" for v in row["losses"][0])
        lines.append(f"| {lr} | {cell['mean']:.3f} ± {cell['std']:.3f} | {row['steady_seeds']} of {n} | "
                     f"{acc['mean']:.3f} ± {acc['std']:.3f} | {first} |")
    lines += ["", "Of the rates whose loss falls in every epoch, the one that ends lowest, per seed: "
              + ", ".join(str(p) for p in results["picked"]) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """The command: the sweep for every seed on FoodVision-7's cached features."""
    from tlcourse.experiments import command_parser, setup

    parser = command_parser(__doc__)
    parser.add_argument("--lrs", nargs="+", type=float, default=list(LEARNING_RATES))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    backbone, budget, data = setup(args)
    base = base_of(backbone.net, head_attr(backbone.net)).eval()
    F_train, y_train = extract(base, TensorDataset(data.X_train, data.y_train), progress=False)
    F_test, y_test = extract(base, TensorDataset(data.X_test, data.y_test), progress=False)
    results = {"format": LR_SWEEP_FORMAT, "backbone": backbone.name, "weights": backbone.source,
               "data": data.description, "seeds": list(args.seeds), "lrs": list(args.lrs),
               "budget": {"num_epochs": budget.num_epochs, "batch_size": budget.batch_size,
                          "weight_decay": budget.weight_decay}}
    results.update(run(F_train, y_train, F_test, y_test, len(data.classes), args.seeds, args.lrs, budget))
    results["machine"] = machine(start)
    write_results(args.out, results, document)
    print(document(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
