"""The training loop in d2l's names (net, train_iter, test_iter, num_epochs): train, evaluate
accuracy, predict."""

from __future__ import annotations

import time

import torch
from torch import nn

from tlcourse import env
from tlcourse.history import History
from tlcourse.strategies import held_batchnorms
from tlcourse.training_view import TrainingView


def progress_bar(iterable, desc: str, total: int | None = None, show: bool = True):
    """A progress bar in notebooks and terminals; silent under nbgrader or when not ``show``."""
    if env.under_nbgrader() or not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)


def correct_count(y_hat: torch.Tensor, y: torch.Tensor) -> int:
    """How many rows of ``y_hat`` have their highest score at the label in ``y``."""
    return int((y_hat.argmax(dim=1) == y).sum())


@torch.no_grad()
def evaluate_accuracy(net: nn.Module, data_iter, device: torch.device | None = None,
                      progress: bool = False) -> float:
    """Accuracy of ``net`` over ``data_iter`` (eval mode, no gradients); ``progress`` shows a bar."""
    device = device or env.device()
    was_training = net.training
    net.eval()
    correct = seen = 0
    for X, y in progress_bar(data_iter, "testing", show=progress):
        X, y = X.to(device), y.to(device)
        correct += correct_count(net(X), y)
        seen += y.numel()
    net.train(was_training)
    return correct / max(seen, 1)


def train_mode(net: nn.Module, keep_statistics: bool = False) -> nn.Module:
    """``net.train()``, except that the batch-norm layers ``strategies.held_batchnorms`` names
    stay in eval mode: the frozen ones, or every one when ``keep_statistics``."""
    net.train()
    for module in held_batchnorms(net, keep_statistics):
        module.eval()
    return net


def train_epoch(net: nn.Module, train_iter, loss, optimizer, device: torch.device,
                desc: str = "train", progress: bool = True,
                keep_statistics: bool = False, batches=None) -> tuple[float, float]:
    """One pass over ``train_iter`` (in ``train_mode``); returns mean loss and accuracy.
    ``batches`` wraps ``train_iter`` instead of a bar of this epoch (``train``'s one bar)."""
    train_mode(net, keep_statistics)
    total_loss = correct = seen = 0.0
    wrapped = (batches(train_iter) if batches is not None
               else progress_bar(train_iter, desc, total=len(train_iter), show=progress))
    for X, y in wrapped:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        y_hat = net(X)
        l = loss(y_hat, y)
        l.backward()
        optimizer.step()
        total_loss += l.item() * y.numel()
        correct += correct_count(y_hat.detach(), y)
        seen += y.numel()
    return total_loss / max(seen, 1), correct / max(seen, 1)


def train(net: nn.Module, train_iter, test_iter, loss, optimizer, num_epochs: int,
          device: torch.device | None = None, verbose: bool = True,
          keep_statistics: bool = False, curves: bool = True) -> History:
    """Train ``net`` for ``num_epochs`` epochs and record loss and accuracies. With
    ``keep_statistics`` no batch-norm layer updates its running statistics (a pretrained network).
    ``verbose`` says what will run, shows one bar for the whole run (with its estimate), a bar
    for each test pass, a line per epoch and (``curves``) the curves redrawn after each epoch."""
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    device = device or env.device()
    net.to(device)
    history = History()
    view = TrainingView(num_epochs, len(train_iter), len(test_iter), show=verbose, curves=curves)
    view.start()
    try:
        for epoch in range(num_epochs):
            start = time.perf_counter()
            train_loss, train_acc = train_epoch(net, train_iter, loss, optimizer, device,
                                                keep_statistics=keep_statistics,
                                                batches=lambda it, e=epoch: view.train_batches(it, e))
            test_acc = evaluate_accuracy(net, view.test_batches_of(test_iter), device)
            seconds = time.perf_counter() - start
            for name, value in zip(("train_loss", "train_acc", "test_acc", "seconds"),
                                   (train_loss, train_acc, test_acc, seconds)):
                getattr(history, name).append(value)
            if verbose:
                view.note(f"epoch {epoch + 1}/{num_epochs}: loss {train_loss:.3f}, "
                          f"train acc {train_acc:.3f}, test acc {test_acc:.3f} ({seconds:.1f} s)")
            view.epoch_done(history)
    finally:
        view.close()
    return history


@torch.no_grad()
def predict(net: nn.Module, X: torch.Tensor, device: torch.device | None = None) -> torch.Tensor:
    """Predicted class indices for a batch of images."""
    device = device or env.device()
    net.eval()
    return net(X.to(device)).argmax(dim=1).cpu()
