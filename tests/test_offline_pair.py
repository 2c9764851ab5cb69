"""Notebook 3's real task offline: two FoodVision-7 classes, d2l's recipe on them, the committed
three-seed result, and the notebook never reporting accuracies measured on generated stand-ins."""

import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from torch import nn
from torchvision.datasets import ImageFolder

from tlcourse import offline_pair as op
from tlcourse.backbones import random_init

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "data" / "results" / op.RESULTS_FILE


def image_folder(root: Path, counts: dict[str, int], size: int = 40) -> ImageFolder:
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (size, size + 7), (60 * k, 200 - 40 * k, 17 * i)).save(root / name / f"{i}.png")
    return ImageFolder(str(root))


def test_keep_classes_keeps_two_classes_relabelled_in_the_given_order(tmp_path):
    ds = image_folder(tmp_path, {"Fruits": 2, "Marine Fish": 3, "Other Vegetables": 4})
    pair = op.keep_classes(ds, ("Other Vegetables", "Marine Fish"))
    assert pair.classes == ["Other Vegetables", "Marine Fish"] and len(pair) == 7
    assert sorted(pair.targets) == [0] * 4 + [1] * 3
    assert all(Path(path).parent.name == pair.classes[label] for path, label in pair.samples)
    assert len(ds) == 9 and ds.classes[0] == "Fruits"  # the original is untouched
    with pytest.raises(ValueError, match="no class"):
        op.keep_classes(ds, ("Marine Fish", "Hot dogs"))


def test_the_smoke_standin_gives_the_same_two_classes_and_is_marked():
    pair = op.folders(mode="smoke", verbose=False)
    assert pair.is_standin
    train_ds, test_ds = pair.image_folders()
    assert train_ds.classes == test_ds.classes == list(op.CLASSES)
    assert set(train_ds.targets) == {0, 1}


def test_the_command_refuses_to_measure_on_the_standin(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_MODE", "smoke")
    out = tmp_path / "r.json"
    assert op.main(["--out", str(out), "--seeds", "0"]) == 2
    assert not out.exists()


def test_d2l_trainer_groups():
    net = op.with_fc(random_init("efficientnet_lite0"))
    trainer = op.d2l_trainer(net, 5e-5)
    base, head = trainer.param_groups
    assert base["lr"] == 5e-5 and head["lr"] == pytest.approx(5e-4)
    assert {id(p) for p in head["params"]} == {id(p) for p in net.fc.parameters()}
    assert not {id(p) for p in base["params"]} & {id(p) for p in head["params"]}
    assert len(base["params"]) + len(head["params"]) == len(list(net.parameters()))
    assert all(g["weight_decay"] == 1e-3 for g in trainer.param_groups)
    (single,) = op.d2l_trainer(net, 5e-4, param_group=False).param_groups
    assert single["lr"] == 5e-4 and len(single["params"]) == len(list(net.parameters()))


def test_with_fc_puts_a_xavier_two_class_head_named_fc():
    torch.manual_seed(0)
    net = op.with_fc(random_init("efficientnet_lite0"))
    assert (net.fc.in_features, net.fc.out_features) == (1280, 2)
    bound = (6 / 1282) ** 0.5
    assert net.fc.weight.abs().max() <= bound and net.fc.weight.abs().max() > 1 / 1280 ** 0.5
    assert tuple(net.eval()(torch.randn(2, 3, 64, 64)).shape) == (2, 2)


def test_train_d2l_learns_an_easy_two_class_task(tmp_path):
    image_folder(tmp_path / "train", {"a": 8, "b": 8})
    image_folder(tmp_path / "test", {"a": 4, "b": 4})
    train_tf, test_tf = op.d2l_transforms(32)
    train_set = ImageFolder(str(tmp_path / "train"), transform=train_tf)
    test_set = ImageFolder(str(tmp_path / "test"), transform=test_tf)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    net = op.BaseAndHead(net, nn.Linear(8, 2))
    out = op.train_d2l(net, op.d2l_trainer(net, 0.05), train_set, test_set, num_epochs=8, batch_size=4, seed=0)
    assert out == {"accuracy": 1.0, "classes_predicted": 2}  # the two colours are easy to tell apart


@pytest.mark.skipif(not RESULTS.exists(), reason="no committed run of the FoodVision-7 pair")
def test_the_committed_run_is_consistent_and_its_markdown_is_generated_from_it():
    results = json.loads(RESULTS.read_text())
    assert results["classes"] == list(op.CLASSES)
    assert (results["train_images"], results["test_images"]) == (127, 43)  # as data/foodvision7_pair.md says
    assert len(results["runs"]) == len(results["seeds"]) >= 1
    assert results["command"].startswith("python -m tlcourse.offline_pair ")
    for run in results["runs"]:
        for kind in ("fine-tuned", "scratch"):
            assert 0 <= run[kind]["accuracy"] <= 1 and run[kind]["classes_predicted"] in (1, 2)
    assert RESULTS.with_suffix(".md").read_text() == op.document(results)  # byte for byte
    summary = op.summary(results)
    assert summary["fine-tuned"].startswith(f"{sum(r['fine-tuned']['accuracy'] for r in results['runs']) / len(results['runs']):.3f}")


@pytest.mark.slow
def test_notebook_3_on_standins_trains_nothing_and_prints_a_dash_with_the_reason(monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    from autograder.scratch_run import scratch_copy
    from autograder.submissions import solution_code

    path = ROOT / "source" / "03_hotdog_finetune" / "hotdog_finetune.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = solution_code(cell.source)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # not a grading run: only the data are stand-ins
    monkeypatch.setenv("TLCOURSE_MODE", "smoke")
    with scratch_copy(path) as copy:  # what the notebook writes stays out of source/
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(copy.parent)}}).execute()
    errors = [o.evalue for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    rows = {line.split("  ")[0]: line for line in text.splitlines() if line.startswith(("here,", "committed,"))}
    for run in ("here, fine-tuned, lr 5e-5", "here, from scratch, lr 5e-4"):
        assert run in rows and " - " in rows[run] and "not trained: no real photos here" in rows[run]
    assert "budget: none (no real photos here" in text  # nothing was trained
    if RESULTS.exists():  # the committed real result is shown next to the dashes, with its setting
        assert "committed, fine-tuned, lr 5e-5" in rows and "FoodVision-7 photos, Marine Fish vs Other Vegetables" in text
