"""Image data sets held in memory as tensors, so that many training runs decode each JPEG once."""

from __future__ import annotations

from dataclasses import dataclass

import torch


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


def _stack(ds) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = zip(*(ds[i] for i in range(len(ds))))
    return torch.stack(images), torch.tensor(labels)


def load_foodvision7(image_size: int = 96, mean=None, std=None, mode: str | None = None,
                     verbose: bool = True) -> TensorData:
    """FoodVision-7 (the smoke stand-in in smoke mode) as tensors at ``image_size`` pixels, through
    the fixed evaluation transform (ImageNet statistics unless ``mean``/``std`` are given)."""
    from tlcourse import data
    from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD, eval_transform

    transform = eval_transform(image_size, image_size, mean or IMAGENET_MEAN, std or IMAGENET_STD)
    folders = data.FOODVISION7.folders(mode=mode, verbose=verbose)
    train_ds, test_ds = folders.image_folders(transform)
    X_train, y_train = _stack(train_ds)
    X_test, y_test = _stack(test_ds)
    kind = "smoke stand-in" if folders.is_standin else "photos"
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
