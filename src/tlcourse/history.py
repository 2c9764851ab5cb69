"""The record of a training run: per-epoch figures (``History``) kept with the network they
describe (``Run``). Only torch's ``nn.Module`` type is needed, so the checks can build runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from torch import nn


@dataclass
class History:
    """Per-epoch figures of one training run."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        """The four lists by name (the format figures and JSON results use)."""
        return {"train_loss": self.train_loss, "train_acc": self.train_acc,
                "test_acc": self.test_acc, "seconds": self.seconds}


class Run(NamedTuple):
    """One training run: the trained network and its history (``net, history = run``)."""

    net: nn.Module
    history: History
