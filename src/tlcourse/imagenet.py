"""The ImageNet input convention: the channel statistics pretrained networks expect and the
evaluation transform that applies them.

The constants need no torch, so the checks can import them without loading any network.
"""

from __future__ import annotations

from typing import Sequence

#: Per-channel mean and standard deviation of ImageNet's training images (RGB, values in [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def normalize(mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD):
    """``transforms.Normalize`` with ``mean`` and ``std``."""
    from torchvision import transforms

    return transforms.Normalize(list(mean), list(std))


def eval_transform(resize_size: int, crop_size: int, mean: Sequence[float] = IMAGENET_MEAN,
                   std: Sequence[float] = IMAGENET_STD):
    """Resize the short side, centre crop, tensor, normalise: fixed (no randomness), so
    features computed through it can be cached."""
    from torchvision import transforms

    return transforms.Compose([transforms.Resize(resize_size), transforms.CenterCrop(crop_size),
                               transforms.ToTensor(), normalize(mean, std)])
