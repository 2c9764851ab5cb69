"""Do the checks' messages teach without giving the answer?

Every check is called with the mistakes of the demo class and the corpus (and a few more);
each message must keep the Expected/Found/Why shape, point to a section of its notebook that
exists (``See:``), and contain no line of the instructor's solutions (read from the source
notebooks' ``### BEGIN SOLUTION`` regions) - neither a whole line nor the right-hand side of
an assignment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn
from torchvision import transforms as T

from tlcourse.checks import CheckFailed
from tlcourse.checks import concepts, confusion, finetune, heads, transfer

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {"concepts": "01_concepts/concepts.ipynb", "heads": "02_foodvision_head/foodvision_head.ipynb",
             "confusion": "02_foodvision_head/foodvision_head.ipynb",
             "finetune": "03_hotdog_finetune/hotdog_finetune.ipynb",
             "transfer": "04_scratch_vs_pretrained/scratch_vs_pretrained.ipynb"}
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
#: Shorter solution fragments are names or keywords ("else:", "return net"), not answers.
MIN_FRAGMENT = 12


def _cells(notebook: str) -> list[dict]:
    return json.loads((ROOT / "source" / notebook).read_text())["cells"]


def solution_fragments() -> set[str]:
    """Every line of every solution region, and the right-hand side of each assignment in them."""
    fragments = set()
    for notebook in NOTEBOOKS.values():
        for cell in _cells(notebook):
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside:
                    code = line.strip().rstrip(",")
                    fragments.add(code)
                    if re.match(r"^[\w.\[\]\"' ]+ = ", code):
                        fragments.add(code.split(" = ", 1)[1])
    return {f for f in fragments if len(f) >= MIN_FRAGMENT}


def headings(notebook: str) -> set[str]:
    found = set()
    for cell in _cells(notebook):
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    found.add(line.lstrip("#").strip().replace("`", ""))
    return found


# --- the mistakes ------------------------------------------------------------------------------

def resnet(head: int = 7) -> nn.Module:
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    net.fc = nn.Linear(512, head)
    return net


def frozen(head: int = 7) -> nn.Module:
    net = resnet(head)
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith("fc.")
    return net


def head_frozen_too() -> nn.Module:
    net = resnet()
    net.requires_grad_(False)
    return net


def stale_optimizer():
    net = frozen()
    optimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-3)
    net.fc = nn.Linear(512, 7)
    return optimizer, net


def off_by_one(n, similarity, same):
    if not same or similarity == "none" or n >= 1_000_000:
        return "don't transfer"
    if n <= 1000:
        return "feature extraction" if similarity == "high" else "partial fine-tuning"
    return "partial fine-tuning" if similarity == "high" else "full fine-tuning"


def finetune_head(init=None, make=lambda: nn.Linear(512, 2), freeze=False) -> nn.Module:
    net = resnet(2)
    net.fc = make()
    if init is not None:
        init(net.fc.weight)
    if freeze:
        net.requires_grad_(False)
    return net


def one_group(net, lr):
    return torch.optim.SGD(net.parameters(), lr=lr, weight_decay=1e-3)


def groups(net, base_lr, head_lr, decay=1e-3, base=None):
    base = base if base is not None else [p for n, p in net.named_parameters() if not n.startswith("fc.")]
    return torch.optim.SGD([{"params": base, "lr": base_lr}, {"params": net.fc.parameters(), "lr": head_lr}],
                           lr=base_lr, weight_decay=decay)


def from_input_side(net, k):
    blocks = [nn.ModuleList([net.conv1, net.bn1]), net.layer1, net.layer2, net.layer3, net.layer4]
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net


def no_freezing(net, k):
    return net


def summary(runs, **change):
    rows = {}
    for strategy, (net, history) in runs.items():
        rows[strategy] = {"accuracy": history.test_acc[-1], "seconds": sum(history.seconds),
                          "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                          "total_params": sum(p.numel() for p in net.parameters())}
        for key, make in change.items():
            rows[strategy][key] = make(net, history)
    return rows


def off_diagonal_pair(cm, classes, swap=False, keep_diagonal=False, in_place=False, ties_last=False):
    """most_confused with one of the mistakes students make (the right rule when none is asked for)."""
    off = cm if in_place else cm.clone()
    if not keep_diagonal:
        off.fill_diagonal_(0)
    if off.max() == 0:
        return None
    flat = off.flatten()
    k = len(flat) - 1 - int(flat.flip(0).argmax()) if ties_last else int(flat.argmax())
    i, j = divmod(k, len(classes))
    return (classes[j], classes[i]) if swap else (classes[i], classes[j])


def _check_most_confused(matrices=confusion.VISIBLE, **mistake):
    confusion.check_most_confused(lambda cm, classes: off_diagonal_pair(cm, classes, **mistake), matrices)


def _check_summary(**change):
    runs = transfer.synthetic_runs(seed=0)
    transfer.check_summary(summary(runs, **change), runs)


H = heads
MISTAKES = {
    "heads": [
        lambda: H.check_in_features(1000), lambda: H.check_in_features("512"), lambda: H.check_in_features(500),
        lambda: H.check_linear(nn.Linear(1000, 7)), lambda: H.check_linear(nn.Linear(7, 512)),
        lambda: H.check_linear(nn.Linear(512, 5)), lambda: H.check_linear(nn.Linear(512, 7, bias=False)),
        lambda: H.check_linear(nn.Sequential(nn.Linear(512, 7))),
        lambda: H.check_base_frozen(resnet()),
        lambda: H.check_head_in_place(frozen(), nn.Linear(512, 7)),
        lambda: (lambda net: H.check_head_in_place(net, net.fc))(head_frozen_too()),
        lambda: (lambda net: H.check_optimizer(torch.optim.Adam(net.parameters(), lr=1e-3), net))(frozen()),
        lambda: (lambda net: H.check_optimizer(torch.optim.SGD(net.fc.parameters(), lr=1e-3), net))(frozen()),
        lambda: (lambda net: H.check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=1e-2), net))(frozen()),
        lambda: H.check_optimizer(*stale_optimizer()),
    ],
    "confusion": [
        lambda: _check_most_confused(keep_diagonal=True),
        lambda: _check_most_confused(swap=True),
        lambda: _check_most_confused(in_place=True),
        lambda: _check_most_confused(confusion.HIDDEN, ties_last=True),
        lambda: confusion.check_most_confused(lambda cm, classes: (0, 1)),
        lambda: confusion.check_most_confused(lambda cm, classes: ("cereals", "greens")),
        lambda: confusion.check_most_confused(lambda cm, classes: None),
        lambda: confusion.check_most_confused(lambda cm, classes: cm[3]),
        lambda: confusion.check_most_confused(("legumes", "cereals")),
    ],
    "concepts": [
        lambda: concepts.check_only_head_trainable(resnet(5)),
        lambda: concepts.check_only_head_trainable(head_frozen_too()),
        lambda: (lambda net: (net.layer4.requires_grad_(True), concepts.check_only_head_trainable(net)))(frozen(5)),
        lambda: concepts.check_counts(frozen(5), 2, 60),
        lambda: concepts.check_counts(frozen(5), 11_176_512, 2_565),
        lambda: concepts.check_counts(frozen(5), 11_179_077, 11_176_512),
        lambda: concepts.check_counts(frozen(5), 2_565.0, 11_176_512),
        lambda: concepts.check_counts(frozen(5), 2_560, 11_176_512),
        lambda: concepts.check_counts(frozen(5), 2_565, 11_176_000),
        lambda: concepts.check_choose_strategy(off_by_one, [concepts.Case(1_000, "high", True)]),
        lambda: concepts.check_choose_strategy(lambda *a: "Feature extraction", concepts.EXAMPLE_CASES),
        lambda: concepts.check_choose_strategy(lambda n, s: "x", concepts.EXAMPLE_CASES),
        lambda: concepts.check_choose_strategy("feature extraction", concepts.EXAMPLE_CASES),
    ],
    "finetune": [
        lambda: finetune.check_normalize(T.Normalize(STD, MEAN)),
        lambda: finetune.check_normalize(T.Normalize([0.5] * 3, [0.5] * 3)),
        lambda: finetune.check_normalize(T.ToTensor()),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(224), T.RandomVerticalFlip(),
                                                     T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomCrop(224), T.RandomHorizontalFlip(),
                                                     T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(256), T.RandomHorizontalFlip(),
                                                     T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(224), T.ToTensor(),
                                                     T.Normalize(MEAN, STD)])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(),
                                                     T.Normalize(MEAN, STD), T.ToTensor()])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(),
                                                     T.ToTensor()])),
        lambda: finetune.check_train_augs(T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip()])),
        lambda: finetune.check_test_augs(T.Compose([T.RandomResizedCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_test_augs(T.Compose([T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_test_augs(T.Compose([T.Resize([256, 256]), T.ToTensor(), T.Normalize(MEAN, STD)])),
        lambda: finetune.check_test_augs(T.Compose([T.Resize([256, 256]), T.CenterCrop(224), T.ToTensor(),
                                                    T.Normalize(STD, MEAN)])),
        lambda: finetune.check_finetune_head(finetune_head()),
        lambda: finetune.check_finetune_head(finetune_head(nn.init.zeros_)),
        lambda: finetune.check_finetune_head(finetune_head(nn.init.xavier_normal_)),
        lambda: finetune.check_finetune_head(finetune_head(lambda w: nn.init.xavier_uniform_(w, gain=0.5))),
        lambda: finetune.check_finetune_head(finetune_head(make=lambda: nn.Linear(1000, 2))),
        lambda: finetune.check_finetune_head(finetune_head(nn.init.xavier_uniform_, freeze=True)),
        lambda: (lambda net: finetune.check_param_groups(one_group(net, 5e-5), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_param_groups(groups(net, 5e-4, 5e-5), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_param_groups(groups(net, 5e-5, 5e-4, decay=0), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_param_groups(
            groups(net, 5e-5, 5e-4, base=list(net.layer1.parameters())), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_param_groups(
            torch.optim.Adam([{"params": net.layer1.parameters()}, {"params": net.fc.parameters()}]), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_single_group(groups(net, 5e-5, 5e-4), net, 5e-5))(resnet(2)),
        lambda: (lambda net: finetune.check_single_group(
            torch.optim.SGD(net.fc.parameters(), lr=5e-5, weight_decay=1e-3), net, 5e-5))(resnet(2)),
    ],
    "transfer": [
        lambda: transfer.check_unfreeze_last_blocks(from_input_side, ks=[2]),
        lambda: transfer.check_unfreeze_last_blocks(no_freezing, ks=[1]),
        lambda: transfer.check_unfreeze_last_blocks(None),
        lambda: _check_summary(accuracy=lambda net, h: max(h.test_acc)),
        lambda: _check_summary(accuracy=lambda net, h: h.test_acc),
        lambda: _check_summary(accuracy=lambda net, h: 100 * h.test_acc[-1]),
        lambda: _check_summary(seconds=lambda net, h: h.seconds[-1]),
        lambda: _check_summary(trainable_params=lambda net, h: sum(p.numel() for p in net.parameters())),
        lambda: _check_summary(trainable_params=lambda net, h: sum(1 for p in net.parameters() if p.requires_grad)),
        lambda: _check_summary(total_params=lambda net, h: 0),
    ],
}
CALLS = [(module, i) for module, calls in MISTAKES.items() for i in range(len(calls))]


@pytest.fixture(scope="module")
def fragments():
    found = solution_fragments()
    assert {"in_features = net.fc.in_features", "net.fc = new_layer",
            "transforms.Resize([256, 256])"} <= found, "the solution regions were not read"
    return found


@pytest.mark.parametrize("module, index", CALLS, ids=[f"{m}-{i}" for m, i in CALLS])
def test_a_message_teaches_without_the_answer(fragments, module, index):
    with pytest.raises(CheckFailed) as err:
        MISTAKES[module][index]()
    text = str(err.value)
    assert re.match(r"Expected: .+^Found: +.+^Why: +.+^See: ", text, re.M | re.S), text
    assert "Try:" not in text
    leaked = [f for f in fragments if f in text]
    assert not leaked, f"the message prints solution code {leaked}:\n{text}"
    see = re.search(r'^See: +the section "(.+)" of this notebook$', text, re.M)
    assert see, f"the message names no section of the notebook:\n{text}"
    assert see.group(1) in headings(NOTEBOOKS[module]), f"no section {see.group(1)!r} in {NOTEBOOKS[module]}"


def test_the_scan_would_see_a_leaked_solution(fragments):
    """The scan is not blind: the old hint of check_linear held a solution line of notebook 3."""
    old_hint = "Try:      nn.Linear(finetune_net.fc.in_features, 2)"
    assert any(f in old_hint for f in fragments)
