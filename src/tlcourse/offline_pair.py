"""Notebook 3's real task when d2l's hot-dog photos cannot be had: two classes of the FoodVision-7
photos (card: ``data/foodvision7_pair.md``), trained with d2l's fine-tuning recipe, fine-tuned vs
from scratch, and the committed multi-seed result of that run.

The recipe is d2l's ("Fine-Tuning"): ``RandomResizedCrop`` + flip for training, ``Resize([256, 256])``
+ ``CenterCrop`` for testing, ImageNet normalisation; a new Xavier-initialised two-class head; SGD
with weight decay 0.001, the head at 10x the base's learning rate (5e-5), scratch at 5e-4 in one
group; d2l's own batch step (``d2l.train_batch_ch13``: batch norm in train mode, the sum of the
per-image losses). Offline the pretrained network is EfficientNet-Lite0 (ResNet-18's ImageNet weights
cannot be had), so the head is ``Linear(1280, 2)``.

    python -m tlcourse.offline_pair --out data/results/foodvision7_pair_d2l.json --threads 1
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

#: The two FoodVision-7 classes: the two with the most photos (69 + 58 training, 23 + 20 test).
CLASSES = ("Marine Fish", "Other Vegetables")
#: What the notebook trains on a CPU and the committed run used: d2l's 5 epochs; 96-pixel crops (notebook
#: 4's size: a fifth of the work of d2l's 224, so it runs in minutes on a shared CPU); batch 32, because
#: 127 training photos in batches of 128 would be one step per epoch.
BUDGET = {"size": 96, "num_epochs": 5, "batch_size": 32}
FINETUNE_LR = 5e-5   # d2l's: the base; the head gets 10x
SCRATCH_LR = 5e-4    # d2l's: every layer of the scratch network
WEIGHT_DECAY = 1e-3  # d2l's
RESULTS_FILE = "foodvision7_pair_d2l.json"


@dataclass(frozen=True)
class PairFolders:
    """The two classes of the FoodVision-7 folders (real photos, or the stand-in in smoke mode)."""

    folders: object  # tlcourse.data.dataset.Folders
    classes: tuple[str, str] = CLASSES

    @property
    def is_standin(self) -> bool:
        return self.folders.is_standin

    def image_folders(self, transform: Callable | None = None, test_transform: Callable | None = None):
        """``(train_ds, test_ds)``: ImageFolders of FoodVision-7 keeping only ``classes``, labelled
        0 and 1 in that order."""
        return tuple(keep_classes(ds, self.classes) for ds in self.folders.image_folders(transform, test_transform))


def keep_classes(ds, classes: Sequence[str]):
    """A copy of ImageFolder ``ds`` with only the images of ``classes``, relabelled 0, 1, ..."""
    import copy

    missing = [c for c in classes if c not in ds.class_to_idx]
    if missing:
        raise ValueError(f"{ds.root} has no class {missing}; it has {ds.classes}.")
    old = [ds.class_to_idx[c] for c in classes]
    out = copy.copy(ds)
    out.samples = [(path, old.index(t)) for path, t in ds.samples if t in old]
    out.imgs, out.targets = out.samples, [t for _, t in out.samples]
    out.classes, out.class_to_idx = list(classes), {c: i for i, c in enumerate(classes)}
    return out


def folders(mode: str | None = None, verbose: bool = True) -> PairFolders:
    """The two-class task's folders; prints FoodVision-7's ``Data: ...`` line."""
    from tlcourse import data

    return PairFolders(data.FOODVISION7.folders(mode=mode, verbose=verbose))


# --- the recipe ------------------------------------------------------------------------------------


def d2l_transforms(size: int = 224):
    """d2l's ``train_augs`` and ``test_augs`` at ``size`` pixels (resize scaled as 256/224)."""
    from torchvision import transforms

    from tlcourse.imagenet import normalize

    resize = round(size * 256 / 224)
    return (transforms.Compose([transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(),
                                transforms.ToTensor(), normalize()]),
            transforms.Compose([transforms.Resize([resize, resize]), transforms.CenterCrop(size),
                                transforms.ToTensor(), normalize()]))


class BaseAndHead(nn.Module):
    """Any feature extractor as ``base``, followed by a linear head named ``fc`` (ResNet's layout,
    so code written for ``net.fc`` works unchanged)."""

    def __init__(self, base: nn.Module, fc: nn.Linear):
        super().__init__()
        self.base, self.fc = base, fc

    def forward(self, X):
        return self.fc(self.base(X))


def with_fc(backbone, num_classes: int = 2, xavier: bool = True) -> BaseAndHead:
    """``backbone``'s network without its ImageNet head, plus a new ``Linear(features, num_classes)``
    named ``fc`` (Xavier-uniform weights, as d2l initialises the fine-tuned head; PyTorch's default
    with ``xavier=False``, as d2l's scratch network has)."""
    setattr(backbone.net, backbone.head_attr, nn.Identity())
    fc = nn.Linear(backbone.feature_size, num_classes)
    if xavier:
        nn.init.xavier_uniform_(fc.weight)
    return BaseAndHead(backbone.net, fc)


def d2l_trainer(net: nn.Module, learning_rate: float, param_group: bool = True) -> torch.optim.SGD:
    """d2l's optimizer: SGD, weight decay 0.001, ``net.fc`` at 10x ``learning_rate`` (one group
    at ``learning_rate`` without ``param_group``)."""
    if not param_group:
        return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=WEIGHT_DECAY)
    head = {id(p) for p in net.fc.parameters()}
    base = [p for p in net.parameters() if id(p) not in head]
    return torch.optim.SGD([{"params": base}, {"params": list(net.fc.parameters()), "lr": learning_rate * 10}],
                           lr=learning_rate, weight_decay=WEIGHT_DECAY)


def train_d2l(net: nn.Module, trainer: torch.optim.Optimizer, train_set, test_set, num_epochs: int,
              batch_size: int, seed: int) -> dict:
    """d2l's ``train_ch13`` without its plot: ``d2l.train_batch_ch13`` for every batch, then the
    test accuracy and the number of different classes predicted on the test photos."""
    from d2l import torch as d2l

    from tlcourse import env

    device = env.device()
    net.to(device)
    torch.manual_seed(seed)  # shuffling and the random crops
    train_iter = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
    test_iter = torch.utils.data.DataLoader(test_set, batch_size=batch_size)
    loss = nn.CrossEntropyLoss(reduction="none")
    for _ in range(num_epochs):
        for X, y in train_iter:
            d2l.train_batch_ch13(net, X, y, loss, trainer, [device])
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(X.to(device)).argmax(1).cpu() for X, _ in test_iter])
    y_test = torch.tensor([y for _, y in test_set.samples])
    return {"accuracy": float((pred == y_test).float().mean()), "classes_predicted": len(pred.unique())}


def run_seed(seed: int, pair: PairFolders, budget: dict = BUDGET) -> dict:
    """Fine-tuned (pretrained EfficientNet-Lite0) and scratch, one seed, d2l's recipe."""
    from tlcourse import backbones

    train_tf, test_tf = d2l_transforms(budget["size"])
    train_set, test_set = pair.image_folders(train_tf, test_tf)
    out = {}
    for kind in ("fine-tuned", "scratch"):
        torch.manual_seed(seed)
        start = time.perf_counter()
        if kind == "fine-tuned":
            net = with_fc(backbones.pretrained("efficientnet_lite0"))
            trainer = d2l_trainer(net, FINETUNE_LR)
        else:
            net = with_fc(backbones.random_init("efficientnet_lite0"), xavier=False)
            trainer = d2l_trainer(net, SCRATCH_LR, param_group=False)
        out[kind] = train_d2l(net, trainer, train_set, test_set, budget["num_epochs"], budget["batch_size"], seed)
        out[kind]["seconds"] = time.perf_counter() - start
    return out


# --- results ---------------------------------------------------------------------------------------


def summary(results: dict) -> dict[str, str]:
    """``mean ± std (values)`` of each kind's accuracy over the committed seeds."""
    from tlcourse.results import mean_std

    out = {}
    for kind in ("fine-tuned", "scratch"):
        cell = mean_std([r[kind]["accuracy"] for r in results["runs"]])
        out[kind] = (f"{cell['mean']:.3f} ± {cell['std']:.3f} "
                     f"({', '.join(f'{v:.3f}' for v in cell['values'])})")
    return out


def setting(results: dict) -> str:
    """The setting column of the committed run."""
    b = results["budget"]
    return (f"EfficientNet-Lite0; FoodVision-7 photos, {' vs '.join(results['classes'])} "
            f"({results['train_images']} train / {results['test_images']} test); {b['size']} px, "
            f"{b['num_epochs']} epochs, batch {b['batch_size']}; {len(results['seeds'])} seeds; "
            f"{results['machine']['device']}")


def document(results: dict) -> str:
    """The Markdown file written next to the JSON results."""
    s = summary(results)
    rows = "\n".join(
        f"| {seed} | {r['fine-tuned']['accuracy']:.3f} | {r['fine-tuned']['classes_predicted']} | "
        f"{r['scratch']['accuracy']:.3f} | {r['scratch']['classes_predicted']} |"
        for seed, r in zip(results["seeds"], results["runs"]))
    return (
        "# d2l's fine-tuning recipe on two FoodVision-7 classes (notebook 3 offline)\n\n"
        f"Task: {' vs '.join(results['classes'])}, real photos (card: `data/foodvision7_pair.md`), "
        f"{results['train_images']} training / {results['test_images']} test images; always predicting "
        f"the larger class scores {results['largest_class_share']:.3f}. Recipe: d2l's transforms at "
        f"{results['budget']['size']} px, SGD with weight decay {WEIGHT_DECAY:g}, fine-tuned: "
        f"{results['weights']}, base lr {FINETUNE_LR:g}, new Xavier-initialised `Linear(1280, 2)` head at "
        f"{FINETUNE_LR * 10:g}; scratch: the same architecture with random weights, one group at "
        f"{SCRATCH_LR:g}; {results['budget']['num_epochs']} epochs, batch size "
        f"{results['budget']['batch_size']}, d2l's batch step (batch norm in train mode). Accuracy: test "
        "accuracy after the last epoch; \"classes\" counts the classes predicted on the test photos. "
        f"{results['machine']['device']}, {results['machine']['threads']} thread(s), torch "
        f"{results['machine']['torch']}; the command took {results['machine']['wall_seconds']} s.\n\n"
        f"Reproduce: `{results['command']}`\n\n"
        f"| | fine-tuned | scratch |\n|---|---|---|\n| test accuracy, mean ± std (per seed) | "
        f"{s['fine-tuned']} | {s['scratch']} |\n\n"
        "| seed | fine-tuned | classes | scratch | classes |\n|---|---|---|---|---|\n" + rows + "\n"
    )


def load_results(path: Path | None = None) -> dict | None:
    """The committed results, or None where they are not (outside the repository, e.g. on Colab)."""
    from tlcourse.results import load_results as load

    return load(path, name=RESULTS_FILE)


def main(argv: list[str] | None = None) -> int:
    """The command: fine-tuned vs scratch for every seed, written as JSON and Markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write (a .md document goes next to it)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--size", type=int, default=BUDGET["size"])
    parser.add_argument("--epochs", type=int, default=BUDGET["num_epochs"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from tlcourse import backbones
    from tlcourse.results import machine, write_results

    start = time.perf_counter()
    pair = folders()
    if pair.is_standin:
        print("FoodVision-7's photos are not here (generated stand-in): nothing to measure.")
        return 2
    budget = dict(BUDGET, size=args.size, num_epochs=args.epochs)
    train_set, test_set = pair.image_folders()
    y_test = torch.tensor(test_set.targets)
    results = {"command": "python -m tlcourse.offline_pair " + " ".join(argv if argv is not None else sys.argv[1:]),
               "classes": list(CLASSES), "train_images": len(train_set), "test_images": len(test_set),
               "largest_class_share": float(torch.bincount(y_test).max()) / len(y_test),
               "weights": backbones.pretrained("efficientnet_lite0").source,
               "budget": budget, "runs": []}
    results["seeds"] = []
    for seed in args.seeds:  # written after every seed, so a cut-off run keeps what finished
        results["runs"].append(run_seed(seed, pair, budget))
        results["seeds"].append(seed)
        print(f"seed {seed}: {results['runs'][-1]}")
        results["machine"] = machine(start)
        write_results(args.out, results, document)
    print(document(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
