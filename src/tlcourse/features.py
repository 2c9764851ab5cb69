"""Frozen features computed once: the frozen part of a network runs over a data set a single
time (``extract``), its outputs kept in memory or in a keyed disk cache (``cached_features``).

With a frozen base, every epoch would recompute exactly the same features. Computing
them once (eval mode, no gradients) and training the head on the cached tensors gives
the same head in a fraction of the time (the experiments cache a frozen front part of any
depth the same way). The cache is keyed by backbone, weights, transform and data, so a
change to any of them is never served stale features; files are written to a temporary
name and renamed, so a killed run leaves nothing that is later trusted.

Caching is wrong with random augmentation: it would freeze one random view of each
image for every epoch. ``cached_features`` refuses such a transform.
"""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tlcourse import engine, env

FORMAT_VERSION = 1


class FeatureCacheError(RuntimeError):
    """Features cannot be cached for this setup; the message says why and what to do."""


@dataclass(frozen=True)
class FeatureKey:
    """Everything the cached features depend on."""

    backbone: str
    weights: str
    transform: str
    data: str
    version: int = FORMAT_VERSION

    def digest(self) -> str:
        text = "\n".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))
        return hashlib.sha256(text.encode()).hexdigest()[:24]


def base_of(net: nn.Module, head_attr: str) -> nn.Module:
    """``net`` without its head: a shallow copy whose head is ``nn.Identity`` (weights shared)."""
    if "." in head_attr or not hasattr(net, head_attr):
        raise FeatureCacheError(f"{type(net).__name__} has no top-level head {head_attr!r}")
    base = copy.copy(net)
    base._modules = dict(net._modules)  # a new module table: the original keeps its head
    setattr(base, head_attr, nn.Identity())
    return base


def weights_digest(module: nn.Module) -> str:
    """A digest of every parameter and buffer (names, shapes and values)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


def dataset_digest(dataset) -> str:
    """A digest of an ImageFolder-style data set: file names, labels and contents."""
    samples = getattr(dataset, "samples", None)
    if samples is None:
        raise FeatureCacheError(
            f"cannot fingerprint a {type(dataset).__name__}; cache features of an ImageFolder-style "
            "data set (with .samples) or pass cache=False to keep them in memory only")
    digest = hashlib.sha256()
    for path, label in samples:
        digest.update(f"{Path(path).parent.name}/{Path(path).name}:{label}:".encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:24]


def random_steps(transform) -> list[str]:
    """Names of random augmentation steps in a (composed) transform."""
    steps = getattr(transform, "transforms", [transform])
    return [type(t).__name__ for t in steps if type(t).__name__.startswith("Random")
            or type(t).__name__ in {"ColorJitter", "AutoAugment", "RandAugment", "TrivialAugmentWide",
                                    "AugMix", "RandomErasing", "ElasticTransform"}]


@torch.no_grad()
def extract(base: nn.Module, dataset, batch_size: int = 64, device: torch.device | None = None,
            progress: bool = True, flatten: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the frozen ``base`` (eval mode, no gradients) once over ``dataset``: its outputs
    (flattened to one vector per image unless ``flatten`` is False) and the labels. A progress
    bar shows unless ``progress`` is False or nbgrader runs the notebook."""
    device = device or env.device()
    was_training = base.training
    base.eval().to(device)
    feats, labels = [], []
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    for X, y in engine.progress_bar(loader, "features", show=progress):
        out = base(X.to(device))
        feats.append((out.flatten(1) if flatten else out).cpu())
        labels.append(torch.as_tensor(y))
    base.train(was_training)
    return torch.cat(feats), torch.cat(labels)


def feature_key(backbone_name: str, base: nn.Module, dataset) -> FeatureKey:
    """What features of ``dataset`` under ``base`` depend on; refuses a randomly augmenting transform."""
    transform = getattr(dataset, "transform", None)
    random = random_steps(transform) if transform is not None else []
    if random:
        raise FeatureCacheError(
            f"the data set's transform has random augmentation ({', '.join(random)}): cached "
            "features would freeze one random view of each image for every epoch. Cache with the "
            "evaluation transform, or train end to end when you want augmentation.")
    return FeatureKey(backbone_name, weights_digest(base), repr(transform), dataset_digest(dataset))


def _load(path: Path, key: FeatureKey) -> TensorDataset | None:
    """The cached features at ``path`` if the file is whole and was made for ``key``."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved.get("key") != asdict(key) or len(saved["features"]) != len(saved["labels"]):
            return None
        return TensorDataset(saved["features"], saved["labels"])
    except Exception:  # a truncated or foreign file: never trusted
        return None


def _save(path: Path, key: FeatureKey, features: torch.Tensor, labels: torch.Tensor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    os.close(fd)
    try:
        torch.save({"key": asdict(key), "features": features, "labels": labels}, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def cached_features(backbone_name: str, base: nn.Module, dataset, cache: Path | bool | None = None,
                    batch_size: int = 64, verbose: bool = True) -> TensorDataset:
    """Features of ``dataset`` under the frozen ``base``, computed once and cached.

    ``cache``: a folder, ``None`` for ``<data cache>/features``, or ``False`` for memory only.
    """
    say = print if verbose else (lambda *_: None)
    if cache is False:
        return TensorDataset(*extract(base, dataset, batch_size, progress=verbose))
    key = feature_key(backbone_name, base, dataset)
    if cache is None or cache is True:
        from tlcourse.data import cache_dir

        cache = cache_dir() / "features"
    path = Path(cache) / f"{backbone_name}-{key.digest()}.pt"
    if path.exists():
        found = _load(path, key)
        if found is not None:
            say(f"features: loaded {len(found)} cached vectors from {path.name}")
            return found
        say(f"features: {path.name} is damaged or stale; computing again")
        path.unlink(missing_ok=True)
    features, labels = extract(base, dataset, batch_size, progress=verbose)
    _save(path, key, features, labels)
    say(f"features: computed {len(labels)} vectors of size {features.shape[1]} -> {path.name}")
    return TensorDataset(features, labels)
