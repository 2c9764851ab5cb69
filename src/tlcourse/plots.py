"""Figures the notebooks show."""

from __future__ import annotations

import torch

from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD
from tlcourse.strategies import LABELS

#: One colour per strategy in every figure.
COLORS = {"feature_extraction": "C0", "partial_finetune": "C1", "full_finetune": "C2", "scratch": "C3"}


def denormalize(X: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Undo per-channel normalisation so a batch can be shown as images (values in [0, 1])."""
    mean = torch.tensor(mean).view(1, 3, 1, 1)
    std = torch.tensor(std).view(1, 3, 1, 1)
    return (X.cpu() * std + mean).clamp(0, 1)


def show_predictions(X: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor,
                     classes: list[str], num_cols: int = 4, scale: float = 2.2,
                     prob: torch.Tensor | None = None):
    """A grid of images titled with the predicted and the true class (red when wrong) and, when
    ``prob`` is given, the probability of the predicted class."""
    import matplotlib.pyplot as plt

    images = denormalize(X)
    n = len(images)
    num_rows = (n + num_cols - 1) // num_cols
    fig, axes = plt.subplots(num_rows, num_cols, figsize=(num_cols * scale, num_rows * scale),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    probs = [None] * n if prob is None else prob.tolist()
    for ax, img, true, pred, p in zip(axes.flat, images, y.tolist(), y_hat.tolist(), probs):
        ax.imshow(img.permute(1, 2, 0).numpy())
        said = classes[pred] if p is None else f"{classes[pred]} ({p:.0%})"
        ax.set_title(f"{said}\n(true: {classes[true]})", fontsize=8,
                     color="black" if pred == true else "red")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm: torch.Tensor, classes: list[str], title: str = ""):
    """The confusion matrix as a grid of counts: rows are the true classes, columns the predicted
    ones; the diagonal holds the correct predictions."""
    import matplotlib.pyplot as plt

    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * n, 0.8 + 0.6 * n))
    ax.imshow(cm.numpy(), cmap="Blues")
    top = int(cm.max()) if cm.numel() else 0
    for i in range(n):
        for j in range(n):
            value = int(cm[i, j])
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                    color="white" if value > top / 2 else "black")
    ax.set_xticks(range(n), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), classes, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def curves_of(runs: dict) -> dict[str, dict[str, list]]:
    """The learning curves of one seed's runs (strategy -> ``(net, history)``), in
    ``plot_curves``'s format."""
    return {s: run.history.as_dict() for s, run in runs.items()}


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
