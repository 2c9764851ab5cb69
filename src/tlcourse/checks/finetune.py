"""Checks for the hot-dog fine-tuning notebook: transforms, the new head, parameter groups."""

from __future__ import annotations

import copy
import math
from typing import Any, Callable

import torch
from torch import nn, optim

from tlcourse.checks.base import CheckFailed, fail, grading_check, note_earlier, require, short_list
from tlcourse.checks.heads import check_linear
from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD

_MEAN, _STD = list(IMAGENET_MEAN), list(IMAGENET_STD)  # as the messages show them

CROP = 224
RESIZE = 256
WEIGHT_DECAY = 1e-3
HEAD_LR_FACTOR = 10
#: A plain colour stays that colour under any crop, resize or flip, so the normalised output
#: of a uniform image is known exactly: (value / 255 - mean) / std per channel.
PROBE_COLOUR = (200, 120, 40)
#: The sections of the hot-dog notebook that explain each idea (the messages point there).
TRANSFORMS = "2. Normalisation and augmentation"
HEAD = "3. The model: ResNet-18 with a new two-class head"
GROUPS = "4. Parameter groups: a fast head and a slow base"

#: What each graded cell of the hot-dog notebook must achieve (one contract per cell); the checks
#: below verify them by behaviour, tests/checks/test_finetune.py shows both directions.
CONTRACT = {
    "ex1_train_augs_tests":
        "normalize is Normalize with ImageNet's mean and std (lists, tuples or tensors, in that order); "
        "train_augs turns any photo into a float tensor of 3 x 224 x 224, random from call to call, with "
        "RandomResizedCrop(224) and RandomHorizontalFlip(p=0.5), normalised once with ImageNet's "
        "statistics after the conversion to a tensor. Equally right: nested Composes, transforms.v2 with "
        "ToImage + ToDtype(float32, scale=True), size 224 or (224, 224). Not: a vertical flip, RandomCrop, "
        "Normalize before ToTensor, mean and std swapped, no normalisation.",
    "ex2_test_augs_tests":
        "test_augs gives the same 3 x 224 x 224 float tensor every time: Resize to 256 (256 or [256, 256]), "
        "CenterCrop(224), to tensor, normalised with ImageNet's statistics; no random step. Judged on its "
        "own: when exercise 1's normalize is wrong and test_augs reuses it, ImageNet's statistics are put "
        "in its place and a note sends the student to exercise 1.",
    "ex3_head_tests":
        "finetune_net.fc is a new Linear(512, 2) with a bias whose weight is drawn by Xavier-uniform (gain 1; "
        "nn.init or torch.nn.init, on the layer before or after it is attached, 512 read or typed); every "
        "parameter stays trainable and no parameter outside fc changes (the pretrained base as loaded). "
        "Not: PyTorch's default init, xavier_normal_, a kaiming init, a frozen base, an init applied to the "
        "whole network, a network loaded anew.",
    "ex4_make_trainer_tests":
        "make_trainer(net, learning_rate, param_group) returns torch.optim.SGD itself with weight_decay "
        "0.001 in every group, for whatever net it is given: with param_group True two groups, every "
        "parameter outside net.fc at learning_rate and exactly net.fc's at 10 x learning_rate, none twice "
        "(names, ids, or a filter on the head's parameters; the group's lr or the default); with False one "
        "group of every parameter at learning_rate. Judged on fresh networks, never on exercise 3's.",
}


# --- transforms --------------------------------------------------------------------------


def steps(transform: Any) -> list:
    """The individual transforms inside (possibly nested) ``Compose`` / ``nn.Sequential``."""
    inner = getattr(transform, "transforms", None)
    if isinstance(transform, nn.Sequential):
        inner = list(transform)
    if inner is None:
        return [transform]
    return [step for t in inner for step in steps(t)]


def _names(transform: Any) -> list[str]:
    return [type(t).__name__ for t in steps(transform)]


def _show_size(size) -> str:
    """``224`` for an int size, ``[256, 256]`` for a sequence."""
    return str(size) if isinstance(size, int) else str(list(_size(size)))


def describe(transform: Any) -> str:
    """``Resize([256, 256]) -> CenterCrop([224, 224]) -> ToTensor -> Normalize``."""
    parts = []
    for t in steps(transform):
        size = getattr(t, "size", None)
        parts.append(type(t).__name__ + (f"({_show_size(size)})" if size is not None else ""))
    return " -> ".join(parts)


def _find(transform: Any, name: str) -> list:
    return [t for t in steps(transform) if type(t).__name__ == name]


def _size(value) -> tuple[int, ...]:
    """``224`` / ``[224]`` / ``(224, 224)`` as a tuple of ints."""
    if isinstance(value, int):
        return (value,)
    return tuple(int(v) for v in value)


def _uniform_image(width: int = 300, height: int = 200):
    from PIL import Image

    return Image.new("RGB", (width, height), PROBE_COLOUR)


def _noise_image(width: int = 300, height: int = 200, seed: int = 0):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def _apply(transform: Callable, image, name: str):
    """``transform(image)``, with a teaching message when it fails or gives no image tensor."""
    try:
        out = transform(image)
    except Exception as exc:  # noqa: BLE001 - whatever the composition raises
        order = _names(transform)
        why = ("every step must accept what the step before it returns: geometric steps work on "
               "the photo, the conversion makes a tensor of it, normalisation works on that tensor.")
        if "Normalize" in order and "ToTensor" in order and order.index("Normalize") < order.index("ToTensor"):
            why = "Normalize works on tensors, so it has to come after ToTensor()."
        raise fail(f"{name}(a PIL photo) to return a tensor", f"{type(exc).__name__}: {exc}", why, TRANSFORMS) from None
    require(
        isinstance(out, torch.Tensor) and out.is_floating_point(),
        expected=f"{name}(photo) to be a float tensor",
        found=f"{type(out).__name__}" + (f" of dtype {out.dtype}" if isinstance(out, torch.Tensor) else ""),
        why="the network takes float tensors; ToTensor() turns a PIL image into one with values in [0, 1].",
        see=TRANSFORMS,
    )
    require(
        tuple(out.shape) == (3, CROP, CROP),
        expected=f"a tensor of shape (3, {CROP}, {CROP}) from a 300 x 200 photo",
        found=f"shape {tuple(out.shape)}",
        why=f"ResNet-18 was pretrained on {CROP} x {CROP} crops, and a batch needs images of one size.",
        see=TRANSFORMS,
    )
    return out


def _channel_means(out: torch.Tensor) -> list[float]:
    return [float(out[c].mean()) for c in range(3)]


def _close(a, b, tol: float = 0.02) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def check_normalized_output(out: torch.Tensor, name: str) -> None:
    """The output of a uniform photo shows which normalisation (if any) was applied."""
    raw = [v / 255 for v in PROBE_COLOUR]
    want = [(v - m) / s for v, m, s in zip(raw, IMAGENET_MEAN, IMAGENET_STD)]
    found = _channel_means(out)
    shown = "[" + ", ".join(f"{v:.3f}" for v in found) + "]"
    if _close(found, want):
        return
    if _close(found, raw):
        raise fail(f"normalised values {[round(v, 3) for v in want]} for a plain colour {PROBE_COLOUR}",
                   f"{shown}: the pixel values in [0, 1], not normalised",
                   "the pretrained network saw inputs with the ImageNet mean subtracted and divided "
                   "by the ImageNet std; without it every feature is shifted. Normalisation is the "
                   "last step, after the conversion to a tensor.",
                   TRANSFORMS)
    swapped = [(v - s) / m for v, m, s in zip(raw, IMAGENET_MEAN, IMAGENET_STD)]
    if _close(found, swapped):
        raise fail(f"Normalize(mean={_MEAN}, std={_STD})",
                   f"{shown}: what you get with mean and std swapped",
                   "the first argument of Normalize is the mean, the second the standard deviation.",
                   TRANSFORMS)
    raise fail(f"normalised values {[round(v, 3) for v in want]} for a plain colour {PROBE_COLOUR}",
               shown,
               f"each channel must be normalised with ImageNet's statistics: mean {_MEAN}, "
               f"std {_STD} - the values the network was pretrained with; {name} normalises once, "
               "after the conversion to a tensor, with the same statistics as normalize.",
               TRANSFORMS)


@grading_check
def check_normalize(normalize) -> None:
    """``normalize`` is ``Normalize`` with the ImageNet mean and std."""
    require(
        type(normalize).__name__ == "Normalize",
        expected="torchvision.transforms.Normalize(mean, std)",
        found=f"{type(normalize).__name__}: {normalize!r}",
        why="per-channel normalisation is one transform: (x - mean) / std for each colour channel.",
        see=TRANSFORMS,
    )
    mean, std = tuple(normalize.mean), tuple(normalize.std)
    if _close(mean, IMAGENET_STD, 1e-6) and _close(std, IMAGENET_MEAN, 1e-6):
        raise fail(f"mean={_MEAN}, std={_STD}",
                   f"mean={list(mean)}, std={list(std)}",
                   "mean and std are swapped: Normalize(mean, std) takes the mean first.", TRANSFORMS)
    require(
        len(mean) == 3 and _close(mean, IMAGENET_MEAN, 1e-6) and len(std) == 3 and _close(std, IMAGENET_STD, 1e-6),
        expected=f"mean={_MEAN}, std={_STD}",
        found=f"mean={list(mean)}, std={list(std)}",
        why="these are the per-channel statistics of ImageNet's training images, the inputs "
        "ResNet-18 learned from; other values shift every feature the base computes.",
        see=TRANSFORMS,
    )


@grading_check
def check_train_augs(train_augs) -> None:
    """d2l's training augmentation, in any equivalent composition."""
    require(callable(train_augs), "a transform (e.g. torchvision.transforms.Compose([...]))",
            f"{train_augs!r}", "train_augs is applied to every training photo.", see=TRANSFORMS)
    names = _names(train_augs)
    require(
        "RandomVerticalFlip" not in names,
        expected="RandomHorizontalFlip()",
        found=f"RandomVerticalFlip in {names}",
        why="a mirrored hot dog is still a natural photo, an upside-down plate usually is not: "
        "augment with changes the test photos can really show.",
        see=TRANSFORMS,
    )
    crops = _find(train_augs, "RandomResizedCrop")
    require(
        bool(crops),
        expected=f"RandomResizedCrop({CROP}) in train_augs",
        found=describe(train_augs),
        why="the training augmentation crops a random area with a random aspect ratio and resizes it to "
        f"{CROP} x {CROP}: every epoch the network sees new views of the same photo"
        + (" (RandomCrop only shifts a fixed-size window)." if "RandomCrop" in names else "."),
        see=TRANSFORMS,
    )
    require(
        all(_size(c.size) in ((CROP,), (CROP, CROP)) for c in crops),
        expected=f"RandomResizedCrop({CROP})",
        found=", ".join(f"RandomResizedCrop(size={c.size})" for c in crops),
        why=f"ResNet-18 was pretrained on {CROP} x {CROP} crops.",
        see=TRANSFORMS,
    )
    flips = _find(train_augs, "RandomHorizontalFlip")
    require(
        bool(flips) and all(math.isclose(float(f.p), 0.5) for f in flips),
        expected="RandomHorizontalFlip() (p=0.5)",
        found=", ".join(f"RandomHorizontalFlip(p={f.p})" for f in flips) or describe(train_augs),
        why="half of the photos are mirrored at random, so the network does not learn that hot dogs "
        "point one way.",
        see=TRANSFORMS,
    )
    out = _apply(train_augs, _uniform_image(), "train_augs")
    check_normalized_output(out, "train_augs")


def normalize_is_right(normalize) -> bool:
    """``normalize`` passes ``check_normalize`` (exercise 1's job)."""
    try:
        check_normalize(normalize)
    except CheckFailed:
        return False
    return True


def with_reference_normalize(transform):
    """A copy of ``transform`` whose Normalize steps use ImageNet's mean and std: the student's
    composition judged on its own, whatever exercise 1's ``normalize`` holds."""
    copied = copy.deepcopy(transform)
    for step in steps(copied):
        if type(step).__name__ == "Normalize":
            step.mean, step.std = list(IMAGENET_MEAN), list(IMAGENET_STD)
    return copied


@grading_check
def check_test_augs(test_augs, normalize=None) -> None:
    """d2l's test transform: resize to 256, centre crop 224, tensor, normalise; no randomness.
    Given exercise 1's ``normalize``: when that one is wrong and ``test_augs`` uses it, the
    composition is judged with ImageNet's statistics in its Normalize steps, and a note sends the
    student back to exercise 1 (no cascade)."""
    if normalize is not None and not normalize_is_right(normalize) and \
            any(step is normalize for step in steps(test_augs)):
        note_earlier("exercise 1", "normalize does not hold ImageNet's statistics, and test_augs uses it")
        test_augs = with_reference_normalize(test_augs)
    require(callable(test_augs), "a transform (e.g. torchvision.transforms.Compose([...]))",
            f"{test_augs!r}", "test_augs is applied to every test photo.", see=TRANSFORMS)
    names = _names(test_augs)
    random_steps = [n for n in names if n.startswith("Random")]
    require(
        not random_steps,
        expected="no random steps at test time",
        found=", ".join(random_steps),
        why="a test photo must give the same input every time, or the test accuracy changes from run "
        "to run; augmentation is for training only.",
        see=TRANSFORMS,
    )
    resizes = _find(test_augs, "Resize")
    require(
        any(_size(r.size) in ((RESIZE,), (RESIZE, RESIZE)) for r in resizes),
        expected=f"Resize([{RESIZE}, {RESIZE}]) (or Resize({RESIZE})) before the crop",
        found=describe(test_augs),
        why=f"d2l scales the photo to {RESIZE} pixels first and then keeps the central {CROP} x {CROP}: "
        "the same scale the training crops have on average, with a little border trimmed.",
        see=TRANSFORMS,
    )
    centre = _find(test_augs, "CenterCrop")
    require(
        any(_size(c.size) in ((CROP,), (CROP, CROP)) for c in centre),
        expected=f"CenterCrop({CROP}) after the resize",
        found=describe(test_augs),
        why=f"the network takes {CROP} x {CROP} inputs; the test crop is the central one.",
        see=TRANSFORMS,
    )
    out = _apply(test_augs, _uniform_image(), "test_augs")
    check_normalized_output(out, "test_augs")
    photo = _noise_image()
    require(
        torch.equal(_apply(test_augs, photo, "test_augs"), _apply(test_augs, photo, "test_augs")),
        expected="the same tensor every time test_augs sees the same photo",
        found="two different results",
        why="test transforms must be deterministic.",
        see=TRANSFORMS,
    )


# --- the new head ------------------------------------------------------------------------


def xavier_bound(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """The half-width of Xavier-uniform's range: gain * sqrt(6 / (fan_in + fan_out))."""
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


#: Chance that a statistical check rejects a right answer, per test (bound and KS test each).
FALSE_REJECT = 1e-9


def ks_uniform(values: torch.Tensor, bound: float) -> float:
    """Kolmogorov-Smirnov distance between the values and the uniform distribution on [-bound, bound]."""
    x = ((values.flatten().double() + bound) / (2 * bound)).sort().values
    n = x.numel()
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(ranks / n - x, x - (ranks - 1) / n).max())


def ks_limit(n: int, alpha: float = FALSE_REJECT) -> float:
    """The KS distance that n uniform draws exceed with probability at most ``alpha`` (DKW bound)."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def top_limit(n: int, alpha: float = FALSE_REJECT) -> float:
    """The fraction f of the bound with P(max |w| < f * bound) = f ** n = ``alpha`` for n uniform draws."""
    return alpha ** (1 / n)


def variance_limit(n: int, alpha: float = FALSE_REJECT) -> float:
    """The relative distance |mean(w^2) / (bound^2 / 3) - 1| that n uniform draws exceed with
    probability at most ``alpha`` (Bernstein's inequality: w^2 / bound^2 lies in [0, 1] with
    variance 4/45)."""
    log_term = math.log(2 / alpha)
    return 3 * (math.sqrt(2 * (4 / 45) * log_term / n) + 2 * log_term / (3 * n))


def variance_ratio(values: torch.Tensor, bound: float) -> float:
    """mean(w^2) relative to a uniform distribution's bound^2 / 3, minus one."""
    return float(values.double().pow(2).mean()) / (bound ** 2 / 3) - 1


def _uniform_on(w: torch.Tensor, bound: float) -> bool:
    """The values look uniform on [-bound, bound]: none beyond it, the largest close to it, their
    second moment and their KS distance within what true uniform draws exceed with probability
    ``FALSE_REJECT`` each."""
    n, top = w.numel(), float(w.abs().max())
    return (top_limit(n) * bound <= top <= bound * (1 + 1e-6)
            and abs(variance_ratio(w, bound)) <= variance_limit(n)
            and ks_uniform(w, bound) <= ks_limit(n))


@grading_check
def check_xavier_uniform(weight: torch.Tensor) -> None:
    """``weight`` is drawn from Xavier-uniform (gain 1). Four tests, each with a false-reject
    chance of at most ``FALSE_REJECT`` for a true Xavier-uniform draw: no value beyond the bound
    (exact), the largest value within a factor ``top_limit(n)`` of the bound, the mean square
    within ``variance_limit(n)`` of bound^2 / 3, and the KS distance to the uniform distribution
    on [-bound, bound] at most ``ks_limit(n)``. The rates measured
    over many seeds are in tests/checks/test_xavier_power.py."""
    fan_out, fan_in = weight.shape
    bound = xavier_bound(fan_in, fan_out)
    w = weight.detach().double()
    n, top, std = w.numel(), float(w.abs().max()), float(w.std())
    see = HEAD
    require(
        float(w.max()) != float(w.min()),
        expected="random weights from nn.init.xavier_uniform_",
        found="all weights are zero" if top == 0 else f"every weight equal to {float(w.max()):.4f}",
        why="with equal weights every output gets the same gradient and the outputs never become "
        "different.",
        see=see,
    )
    default = 1 / math.sqrt(fan_in)
    if _uniform_on(w, default):
        raise fail(
            expected=f"weights spread over [-{bound:.4f}, {bound:.4f}] (Xavier-uniform for {fan_in} -> {fan_out})",
            found=f"largest |weight| {top:.4f}: PyTorch's default range [-{default:.4f}, {default:.4f}]",
            why="a new nn.Linear starts with PyTorch's default initialisation; the recipe re-draws the "
            "head's weight with Xavier-uniform, which keeps the output scale equal to the input scale.",
            see=see,
        )
    kaiming = math.sqrt(6 / fan_in)  # kaiming_uniform_'s bound with its default a=0 (gain sqrt(2))
    if top > bound * (1 + 1e-6) and _uniform_on(w, kaiming):
        raise fail(
            expected=f"weights spread over [-{bound:.4f}, {bound:.4f}] (Xavier-uniform for {fan_in} -> {fan_out})",
            found=f"largest |weight| {top:.4f}: uniform over [-{kaiming:.4f}, {kaiming:.4f}], Kaiming-uniform's range",
            why="Kaiming (He) initialisation scales by the layer's inputs only and is made for ReLU layers; "
            "the recipe's Xavier-uniform scales by inputs and outputs together.",
            see=see,
        )
    require(
        top <= bound * (1 + 1e-6),
        expected=f"every weight within +-{bound:.4f} (Xavier-uniform: sqrt(6 / ({fan_in} + {fan_out})))",
        found=f"largest |weight| {top:.4f}, std {std:.4f}",
        why="weights beyond the bound cannot come from Xavier-uniform with gain 1"
        + ("; a bell-shaped spread like this one is what xavier_normal_ gives." if top < 5 * bound else "."),
        see=see,
    )
    distance = ks_uniform(w, bound)
    require(
        top >= top_limit(n) * bound and distance <= ks_limit(n)
        and abs(variance_ratio(w, bound)) <= variance_limit(n),
        expected=f"weights filling [-{bound:.4f}, {bound:.4f}] evenly (std about {bound / math.sqrt(3):.4f})",
        found=f"largest |weight| {top:.4f}, std {std:.4f}, distance to the uniform spread {distance:.3f}",
        why="Xavier-uniform draws every weight uniformly from the whole range"
        + (" (a narrower range means another gain or another initialisation)." if top < top_limit(n) * bound
           else "; these weights are bunched up, not spread evenly."),
        see=see,
    )


@grading_check
def check_finetune_head(net: nn.Module, num_classes: int = 2, in_features: int = 512,
                        head_attr: str = "fc") -> None:
    """``net.fc`` is a fresh ``Linear(512, 2)`` with Xavier-uniform weights; nothing is frozen."""
    layer = getattr(net, head_attr)
    check_linear(layer, in_features, num_classes,
                 classes=f"the {num_classes} hot-dog classes (hotdog, not-hotdog)",
                 see=HEAD)
    check_xavier_uniform(layer.weight)
    frozen = [name for name, p in net.named_parameters() if not p.requires_grad]
    require(
        not frozen,
        expected="every parameter trainable (fine-tuning updates the base too)",
        found=f"{len(frozen)} frozen tensors: {short_list(frozen)}",
        why="in fine-tuning the pretrained layers keep learning, only slowly (small learning rate); "
        "freezing them would make this feature extraction.",
        see=HEAD,
    )


@grading_check
def check_base_unchanged(net: nn.Module, loaded: nn.Module, head_attr: str = "fc") -> None:
    """Every parameter outside the head still holds the value it had when the network was loaded
    (``loaded``: the same network rebuilt as the notebook loads it): exercise 3 may change the head only."""
    before = {name: p for name, p in loaded.named_parameters() if not name.startswith(head_attr + ".")}
    now = {name: p for name, p in net.named_parameters() if not name.startswith(head_attr + ".")}
    changed = [name for name, p in before.items()
               if name not in now or now[name].shape != p.shape or not torch.equal(now[name].detach(), p.detach())]
    require(
        not changed,
        expected=f"every layer outside net.{head_attr} as it was loaded (its pretrained weights)",
        found=f"{len(changed)} of {len(before)} base tensors changed or gone: {short_list(changed)}",
        why="the pretrained base is what transfer learning reuses: re-initialising or re-loading it throws "
        "the ImageNet features away. Only the new head's weight gets Xavier-uniform.",
        see=HEAD,
    )


# --- the optimizer ------------------------------------------------------------------------


def _names_of(net: nn.Module, params) -> list[str]:
    ids = {id(p) for p in params}
    return [name for name, p in net.named_parameters() if id(p) in ids]


@grading_check
def check_sgd(trainer, weight_decay: float = WEIGHT_DECAY) -> None:
    """An SGD optimizer whose every group has the given weight decay."""
    require(
        type(trainer) is optim.SGD,
        expected="torch.optim.SGD",
        found=type(trainer).__name__ + (" (a subclass of SGD with its own update rule)"
                                        if isinstance(trainer, optim.SGD) else ""),
        why="d2l's fine-tuning recipe uses plain SGD; its small steps are what keeps the pretrained "
        "weights close to where they started.",
        see=GROUPS,
    )
    decays = [g.get("weight_decay", 0) for g in trainer.param_groups]
    require(
        all(math.isclose(d, weight_decay, rel_tol=1e-9) for d in decays),
        expected=f"weight_decay={weight_decay:g} in every group",
        found="weight_decay=" + ", ".join(f"{d:g}" for d in decays),
        why="weight decay pulls every weight a little towards zero at each step, which limits "
        "over-fitting on 2,000 training photos.",
        see=GROUPS,
    )


@grading_check
def check_param_groups(trainer, net: nn.Module, lr: float, head_attr: str = "fc",
                       factor: float = HEAD_LR_FACTOR) -> None:
    """Two groups: every base parameter at ``lr``, exactly the head's at ``factor * lr``."""
    check_sgd(trainer)
    groups = trainer.param_groups
    require(
        len(groups) == 2,
        expected="2 parameter groups: the base at lr, the head at 10 * lr",
        found=f"{len(groups)} group" + ("s" if len(groups) != 1 else ""),
        why="the base is pretrained and only needs small corrections; the head starts from random "
        "numbers and needs bigger steps. A separate group lets it have its own learning rate.",
        see=GROUPS,
    )
    head_ids = {id(p) for p in getattr(net, head_attr).parameters()}
    net_ids = {id(p) for p in net.parameters()}
    held = [id(p) for g in groups for p in g["params"]]
    require(len(held) == len(set(held)), "each tensor in one group, once", "a tensor listed twice",
            "a tensor in two groups would get two different learning rates.", see=GROUPS)
    strangers = [i for i in held if i not in net_ids]
    require(
        not strangers,
        expected="only parameters of this network",
        found=f"{len(strangers)} tensors that are not in net",
        why="the optimizer must update the network being trained.",
        see=GROUPS,
    )
    with_head = [i for i, g in enumerate(groups) if any(id(p) in head_ids for p in g["params"])]
    require(
        len(with_head) == 1,
        expected=f"the head's tensors (net.{head_attr}) in the fast group only",
        found=f"head tensors in {len(with_head)} groups",
        why="the head gets one learning rate: 10 times the base's.",
        see=GROUPS,
    )
    fast, slow = groups[with_head[0]], groups[1 - with_head[0]]
    fast_names, slow_names = _names_of(net, fast["params"]), _names_of(net, slow["params"])
    base_in_fast = [n for n in fast_names if not n.startswith(head_attr + ".")]
    require(
        not base_in_fast,
        expected=f"only net.{head_attr}'s tensors in the fast group",
        found=f"base tensors there too: {short_list(base_in_fast)}",
        why="base tensors in the fast group would change 10 times faster than the recipe allows and "
        "lose their pretrained features.",
        see=GROUPS,
    )
    missing_head = [n for n, p in getattr(net, head_attr).named_parameters() if id(p) not in {id(q) for q in fast["params"]}]
    require(not missing_head, f"all of net.{head_attr} in the fast group",
            f"missing: {short_list(head_attr + '.' + n for n in missing_head)}",
            "a tensor the optimizer does not hold is never updated.", see=GROUPS)
    base_names = [n for n in (name for name, _ in net.named_parameters()) if not n.startswith(head_attr + ".")]
    missing = [n for n in base_names if n not in set(slow_names)]
    require(
        not missing,
        expected=f"every one of the {len(base_names)} base tensors in the base group",
        found=f"{len(missing)} missing: {short_list(missing)}",
        why="fine-tuning updates the whole base (slowly); a tensor left out of the optimizer stays "
        "frozen without anyone noticing.",
        see=GROUPS,
    )
    require(
        math.isclose(slow["lr"], lr, rel_tol=1e-9),
        expected=f"the base group at lr={lr:g} (the learning rate passed in)",
        found=f"lr={slow['lr']:g}",
        why="the base's rate is the one the caller chooses (5e-5 for fine-tuning).",
        see=GROUPS,
    )
    ratio = fast["lr"] / slow["lr"] if slow["lr"] else math.inf
    require(
        math.isclose(ratio, factor, rel_tol=1e-9),
        expected=f"the head at {factor:g} x the base rate ({factor * lr:g})",
        found=f"the head at lr={fast['lr']:g}, {ratio:g} x the base rate"
        + (" - the wrong way round" if math.isclose(ratio, 1 / factor, rel_tol=1e-9) else ""),
        why="the head is new and random, so it takes the larger steps; the pretrained base the small ones.",
        see=GROUPS,
    )


@grading_check
def check_single_group(trainer, net: nn.Module, lr: float) -> None:
    """``param_group=False``: one SGD group over every parameter at ``lr``."""
    check_sgd(trainer)
    held = {id(p) for g in trainer.param_groups for p in g["params"]}
    missing = [name for name, p in net.named_parameters() if id(p) not in held]
    rates = sorted({g["lr"] for g in trainer.param_groups})
    require(
        not missing,
        expected="with param_group=False: every parameter of net",
        found=f"{len(missing)} missing: {short_list(missing)}",
        why="training from scratch (or without groups) updates the whole network at one rate.",
        see=GROUPS,
    )
    require(
        len(rates) == 1 and math.isclose(rates[0], lr, rel_tol=1e-9),
        expected=f"with param_group=False: lr={lr:g} for everything",
        found="lr=" + ", ".join(f"{r:g}" for r in rates),
        why="without parameter groups there is one learning rate, the one passed in.",
        see=GROUPS,
    )
