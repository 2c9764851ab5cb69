"""Where a trained classifier goes wrong on a test set: its predictions with their
probabilities, the confusion matrix, per-class accuracy and the most confident mistakes.

The confusion matrix has one row per TRUE class and one column per PREDICTED class:
``cm[i, j]`` counts the photos of class ``i`` predicted as class ``j``; the diagonal holds the
correct predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tlcourse import env


@dataclass(frozen=True)
class Predictions:
    """A classifier's answers on a data set, in the data set's order."""

    y: torch.Tensor       # true labels
    y_hat: torch.Tensor   # predicted labels
    prob: torch.Tensor    # softmax probability of the predicted label

    @property
    def wrong(self) -> torch.Tensor:
        """Indices of the mistakes."""
        return (self.y != self.y_hat).nonzero().flatten()


def predictions(net: nn.Module, data_iter, device: torch.device | None = None) -> Predictions:
    """Run ``net`` (eval mode, no gradients) over ``data_iter`` (not shuffled, so index ``i`` is
    the data set's item ``i``): predicted labels and their softmax probabilities."""
    device = device or env.device()
    net.eval().to(device)
    ys, y_hats, probs = [], [], []
    with torch.no_grad():
        for X, y in data_iter:
            p = torch.softmax(net(X.to(device)), dim=1).cpu()
            prob, y_hat = p.max(dim=1)
            ys.append(torch.as_tensor(y))
            y_hats.append(y_hat)
            probs.append(prob)
    return Predictions(torch.cat(ys), torch.cat(y_hats), torch.cat(probs))


def confusion_matrix(y: torch.Tensor, y_hat: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``cm[true, predicted]``: how many items of each true class got each predicted class."""
    if y.shape != y_hat.shape:
        raise ValueError(f"y has {tuple(y.shape)} labels but y_hat {tuple(y_hat.shape)}: give one prediction per label.")
    index = y.long() * num_classes + y_hat.long()
    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """The share of each true class predicted correctly (the diagonal over the row sums; the
    recall of each class). A class with no items gets ``nan``."""
    totals = cm.sum(dim=1).double()
    return cm.diagonal().double() / totals  # 0 / 0 is nan: no photos of that class


def most_confident_mistakes(found: Predictions, k: int = 8) -> torch.Tensor:
    """Indices of at most ``k`` mistakes, the most confident first (ties: the earlier item first)."""
    wrong = found.wrong
    order = torch.sort(found.prob[wrong], descending=True, stable=True).indices
    return wrong[order][:k]
