"""The transfer strategies as rules on a network: which parameters train, which batch-norm
layers keep their statistics, which learning rate each part gets, and how it is counted.

- ``feature_extraction``: pretrained base frozen, only a new head learns;
- ``partial_finetune``: pretrained; the head and the last block(s) of the base learn;
- ``full_finetune``: pretrained; everything learns (the base with a smaller learning rate);
- ``scratch``: random initialisation; everything learns;
- ``head_then_unfreeze`` (a fifth, in the same budget): pretrained; the head alone learns for
  ``Budget.head_epochs`` epochs, then everything learns with layer-wise (discriminative) learning
  rates, smaller the further a block is from the head (``layer_lrs``).

Batch-norm layers of a pretrained network keep their ImageNet statistics while training (eval
mode; their weights still learn when unfrozen), so a frozen part really is the pretrained
network and fine-tuning is not thrown off by the noisy statistics of small batches. In any
network a frozen batch-norm layer keeps its statistics. Only torch is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

#: The four basic strategies (the graded exercises and the notebook's own run use these).
STRATEGIES = ("feature_extraction", "partial_finetune", "full_finetune", "scratch")
#: The fifth: head first, then unfreeze everything with layer-wise learning rates.
HEAD_THEN_UNFREEZE = "head_then_unfreeze"
#: Every strategy of the budgeted comparison (``python -m tlcourse.experiments``).
ALL_STRATEGIES = STRATEGIES + (HEAD_THEN_UNFREEZE,)
LABELS = {
    "feature_extraction": "feature extraction",
    "partial_finetune": "partial fine-tuning",
    "full_finetune": "full fine-tuning",
    "scratch": "scratch (random init)",
    HEAD_THEN_UNFREEZE: "head first, then layer-wise lrs",
}
#: How many blocks (counted from the head) partial fine-tuning unfreezes, per architecture.
PARTIAL_BLOCKS = {"resnet": 1, "efficientnet": 2}


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
    head_epochs: int = 2        # head_then_unfreeze: epochs of the head alone (of num_epochs)
    layer_lr_ratio: float = 10.0  # head_then_unfreeze: lr of the block next to the head / lr of the stem

    def head_only_epochs(self) -> int:
        """How many of ``num_epochs`` ``head_then_unfreeze`` trains the head alone: ``head_epochs``,
        but at least one epoch is left for the unfrozen network."""
        return max(0, min(self.head_epochs, self.num_epochs - 1))


def check_strategy(strategy: str) -> None:
    """Raise ValueError for an unknown strategy name."""
    if strategy not in ALL_STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; use one of {', '.join(ALL_STRATEGIES)}.")


def is_pretrained(strategy: str) -> bool:
    """Whether ``strategy`` starts from pretrained weights (every one but ``scratch``)."""
    check_strategy(strategy)
    return strategy != "scratch"


# --- architecture ---------------------------------------------------------------------------


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


def layers(net: nn.Module) -> list[nn.Module]:
    """The network as a flat list of modules in forward order (``nn.Sequential(*layers(net))``
    computes what ``net`` computes); the parameters are the network's own."""
    if family(net) == "resnet":
        return [net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3,
                net.layer4, net.avgpool, nn.Flatten(1), net.fc]
    return [net.conv_stem, net.bn1, *net.blocks, net.conv_head, net.bn2, net.global_pool,
            nn.Dropout(float(getattr(net, "drop_rate", 0.0))), net.classifier]


# --- freezing -------------------------------------------------------------------------------


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


def blocks_for(strategy: str, net: nn.Module) -> int:
    """How many blocks ``strategy`` unfreezes on ``net``."""
    check_strategy(strategy)
    if strategy in ("feature_extraction", HEAD_THEN_UNFREEZE):  # the latter unfreezes later: unfreeze()
        return 0
    if strategy == "partial_finetune":
        return PARTIAL_BLOCKS[family(net)]
    return len(blocks(net))


def set_up(strategy: str, net: nn.Module, num_classes: int, seed: int) -> nn.Module:
    """``net`` ready for ``strategy``: a fresh seeded ``Linear(features, num_classes)`` head in
    place of the old one, and the strategy's parameters trainable."""
    attr = head_attr(net)
    torch.manual_seed(seed)
    setattr(net, attr, nn.Linear(getattr(net, attr).in_features, num_classes))
    return set_trainable(net, blocks_for(strategy, net))


def frozen_prefix_length(parts: list[nn.Module]) -> int:
    """How many leading modules of ``parts`` are frozen and can be run once and cached: up to the
    first module with a trainable parameter (dropout stays in the trained part)."""
    cut = next((i for i, m in enumerate(parts) if any(p.requires_grad for p in m.parameters())),
               len(parts))
    while cut > 0 and isinstance(parts[cut - 1], nn.Dropout):
        cut -= 1
    return cut


def held_batchnorms(net: nn.Module, keep_statistics: bool = False) -> list[nn.Module]:
    """The batch-norm layers of ``net`` that stay in eval mode while it trains (their running
    statistics do not move; their weights may still learn).

    Every one when ``keep_statistics`` (a pretrained network: its ImageNet statistics are part
    of what is transferred; a few hundred photos in batches of 32 would only make them noisy);
    otherwise the frozen ones, since batch norm updates its statistics (buffers, not parameters)
    in train mode whatever ``requires_grad`` says.
    """
    held = []
    for module in net.modules():
        if not isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        params = list(module.parameters(recurse=False))
        if keep_statistics or (params and not any(p.requires_grad for p in params)):
            held.append(module)
    return held


# --- optimisation and counting ----------------------------------------------------------------


def optimizer_for(strategy: str, net: nn.Module, budget: Budget) -> torch.optim.Optimizer:
    """Adam: the new head at ``head_lr``, fine-tuned pretrained layers at ``base_lr``, every
    layer of a scratch network at ``scratch_lr``. Only trainable parameters are handed over."""
    head = list(getattr(net, head_attr(net)).parameters())
    head_ids = {id(p) for p in head}
    base = [p for p in net.parameters() if p.requires_grad and id(p) not in head_ids]
    if not is_pretrained(strategy):
        groups = [{"params": head + base, "lr": budget.scratch_lr}]
    else:
        groups = [{"params": head, "lr": budget.head_lr}]
        if base:
            groups.append({"params": base, "lr": budget.base_lr})
    return torch.optim.Adam(groups, weight_decay=budget.weight_decay)


def unfreeze(net: nn.Module) -> nn.Module:
    """Every block of ``net`` and its head trainable (``head_then_unfreeze`` after its head epochs)."""
    return set_trainable(net, len(blocks(net)))


def layer_lrs(net: nn.Module, budget: Budget) -> list[tuple[str, float]]:
    """Layer-wise (discriminative) learning rates: the head at ``head_lr``; the base's blocks,
    from the head backwards, from ``base_lr`` (the block next to the head) down to
    ``base_lr / layer_lr_ratio`` (the stem), spaced geometrically (each block a constant factor
    below the one after it): early layers hold general features that should move least."""
    names = [name for name, _ in blocks(net)]
    steps = max(len(names) - 1, 1)
    return [("head", budget.head_lr)] + [
        (name, budget.base_lr * budget.layer_lr_ratio ** (-i / steps)) for i, name in enumerate(names)]


def layerwise_optimizer(net: nn.Module, budget: Budget) -> torch.optim.Optimizer:
    """Adam with one parameter group per block and the head, at the rates of ``layer_lrs``
    (only trainable parameters are handed over; a group with none is left out)."""
    modules = dict(blocks(net))
    modules["head"] = [getattr(net, head_attr(net))]
    groups = []
    for name, lr in layer_lrs(net, budget):
        params = [p for m in modules[name] for p in m.parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr": lr, "name": name})
    return torch.optim.Adam(groups, weight_decay=budget.weight_decay)


def count_params(net: nn.Module, trainable: bool | None = None) -> int:
    """Number of parameters (elements, each shared tensor once): all of them, or only the
    trainable (``trainable=True``) or the frozen (``trainable=False``) ones."""
    return sum(p.numel() for p in net.parameters() if trainable is None or p.requires_grad == trainable)
