"""Network factories for the training tests: untrained torchvision and timm networks that stand
in for pretrained ones."""

from __future__ import annotations

import torch
import torchvision


def resnet(_name="resnet18"):
    """Stands in for a pretrained ResNet-18: the same random weights on every call."""
    torch.manual_seed(1234)
    return torchvision.models.resnet18(weights=None)


def lite0():
    import timm

    return timm.create_model("efficientnet_lite0", pretrained=False)
