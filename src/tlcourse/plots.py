"""Figures the notebooks show."""

from __future__ import annotations

import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def denormalize(X: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Undo per-channel normalisation so a batch can be shown as images (values in [0, 1])."""
    mean = torch.tensor(mean).view(1, 3, 1, 1)
    std = torch.tensor(std).view(1, 3, 1, 1)
    return (X.cpu() * std + mean).clamp(0, 1)


def show_predictions(X: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor,
                     classes: list[str], num_cols: int = 4, scale: float = 2.2):
    """A grid of images titled with the predicted and the true class (red when wrong)."""
    import matplotlib.pyplot as plt

    images = denormalize(X)
    n = len(images)
    num_rows = (n + num_cols - 1) // num_cols
    fig, axes = plt.subplots(num_rows, num_cols, figsize=(num_cols * scale, num_rows * scale),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, true, pred in zip(axes.flat, images, y.tolist(), y_hat.tolist()):
        ax.imshow(img.permute(1, 2, 0).numpy())
        ax.set_title(f"{classes[pred]}\n(true: {classes[true]})", fontsize=8,
                     color="black" if pred == true else "red")
    fig.tight_layout()
    return fig
