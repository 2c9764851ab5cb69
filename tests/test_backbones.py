"""Pretrained backbones: real Lite0 weights on real photos, ResNets from a pre-filled cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from tlcourse import backbones, notices
from tlcourse.data.cache import verify
from tlcourse.data.registry import DATA_HUB

#: ImageNet-1k classes that are fish (rays and sharks included).
FISH = {
    "tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray",
    "stingray", "barracouta", "eel", "coho", "rock beauty", "anemone fish", "sturgeon", "gar",
    "lionfish", "puffer",
}


@pytest.fixture(scope="module")
def lite0() -> backbones.Backbone:
    return backbones.pretrained("efficientnet_lite0")


def test_lite0_has_a_classifier_head_with_1280_features(lite0):
    assert lite0.head_attr == "classifier" and lite0.feature_size == 1280
    assert isinstance(lite0.head, torch.nn.Linear) and lite0.head.out_features == 1000
    assert len(lite0.categories) == 1000 and lite0.categories[0] == "tench"
    assert "sha256 verified" in lite0.source
    assert not lite0.net.training


def test_lite0_weights_are_the_packaged_ones(lite0):
    raw = torch.load(backbones.lite0_weights_file(), map_location="cpu", weights_only=True)
    assert torch.equal(lite0.net.conv_stem.weight, raw["_conv_stem.weight"])
    assert torch.equal(lite0.net.classifier.bias, raw["_fc.bias"])


def test_remap_refuses_a_shape_mismatch():
    target = {"a": torch.zeros(2, 3), "b": torch.zeros(4)}
    with pytest.raises(backbones.WeightsUnavailableError, match="does not fit"):
        backbones.remap_lite0({"x": torch.zeros(2, 3), "y": torch.zeros(5)}, target)
    with pytest.raises(backbones.WeightsUnavailableError, match="tensors"):
        backbones.remap_lite0({"x": torch.zeros(2, 3)}, target)


def test_corrupted_cached_lite0_copy_is_deleted_and_the_package_file_used(cache, capsys):
    entry = DATA_HUB["efficientnet_lite0"]
    bad = cache / "weights" / entry.filename
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not weights")
    path = backbones.lite0_weights_file()
    assert path != bad and not bad.exists()
    assert verify(path, entry.checksum) is None
    assert "Cached file" in capsys.readouterr().out


@pytest.mark.network
@pytest.mark.slow
def test_lite0_sees_fish_in_real_fish_photos(lite0, npm_cache):
    from PIL import Image

    photos = sorted((npm_cache / "foodvision7" / "test" / "Marine Fish").glob("*.jpeg"))
    assert len(photos) == 23
    with torch.no_grad():
        batch = torch.stack([lite0.transform(Image.open(p).convert("RGB")) for p in photos])
        top5 = lite0.net(batch).topk(5, dim=1).indices
    hits = sum(bool(FISH & {lite0.categories[i] for i in row.tolist()}) for row in top5)
    assert hits >= 0.7 * len(photos), f"only {hits}/{len(photos)} fish photos got a fish class in their top 5"


# --- torchvision ResNets from a pre-filled TORCH_HOME ----------------------------------------


def _filename(name: str) -> str:
    return DATA_HUB[name].filename


@pytest.fixture
def torch_home(tmp_path, monkeypatch, no_internet, cache) -> Path:
    folder = tmp_path / "torch-home"
    monkeypatch.setenv("TORCH_HOME", str(folder))
    return folder


def _fake_checkpoint(name: str, folder: Path) -> dict[str, torch.Tensor]:
    """A randomly initialised state dict saved under torchvision's file name."""
    import torchvision

    torch.manual_seed(1)
    state = getattr(torchvision.models, name)(weights=None).state_dict()
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state, folder / _filename(name))
    return state


def test_prefilled_torch_home_checkpoint_is_loaded(torch_home):
    state = _fake_checkpoint("resnet18", torch_home / "hub" / "checkpoints")
    backbone = backbones.pretrained("resnet18", verify=False, progress=False)
    assert backbone.head_attr == "fc" and backbone.feature_size == 512
    assert torch.equal(backbone.net.conv1.weight, state["conv1.weight"])
    assert str(torch_home) in backbone.source


def test_course_cache_checkpoint_folder_is_used_too(torch_home, cache):
    state = _fake_checkpoint("resnet34", cache / "torch" / "hub" / "checkpoints")
    backbone = backbones.pretrained("resnet34", verify=False, progress=False)
    assert backbone.feature_size == 512
    assert torch.equal(backbone.net.fc.weight, state["fc.weight"])


def test_checkpoint_failing_its_hash_prefix_is_rejected_clearly(torch_home):
    folder = torch_home / "hub" / "checkpoints"
    _fake_checkpoint("resnet18", folder)
    with pytest.raises(backbones.WeightsUnavailableError) as err:
        backbones.pretrained("resnet18", progress=False)
    message = str(err.value)
    assert str(folder / _filename("resnet18")) in message and "f37072fd" in message
    assert "Deleted" in message and not (folder / _filename("resnet18")).exists()


def test_missing_resnet_weights_raise_quickly_and_say_what_to_do(torch_home):
    import torchvision  # noqa: F401 - imported before timing

    start = time.monotonic()
    with pytest.raises(backbones.WeightsUnavailableError) as err:
        backbones.pretrained("resnet18")
    assert time.monotonic() - start < 1.0
    message = str(err.value)
    assert _filename("resnet18") in message and str(torch_home / "hub" / "checkpoints") in message
    assert "tlcourse-prepare-offline" in message and "efficientnet_lite0" in message


def test_first_available_says_what_it_skipped_and_what_it_uses(torch_home, capsys):
    backbone = backbones.first_available(["resnet18", "efficientnet_lite0"])
    said = capsys.readouterr().out
    assert backbone.name == "efficientnet_lite0"
    assert "Backbone skipped - resnet18" in said and "Backbone: efficientnet_lite0" in said
    assert "sha256" not in said and "gaierror" not in said and "tlcourse.why()" in said
    assert any(d.startswith("resnet18 skipped: ") and "resnet18-f37072fd.pth" in d for d in notices.details())


def test_first_available_raises_when_nothing_can_be_had(torch_home):
    with pytest.raises(backbones.WeightsUnavailableError, match="No pretrained backbone"):
        backbones.first_available(["resnet18", "resnet34"])


def test_unknown_names_and_random_init():
    with pytest.raises(ValueError, match="resnet18, resnet34, efficientnet_lite0"):
        backbones.pretrained("vgg16")
    scratch = backbones.random_init("resnet18")
    assert scratch.feature_size == 512 and "random" in scratch.source


# --- the standard torchvision path and its offline fallback (notebook 3) -----------------------

def test_the_standard_weights_call_is_possible_when_torch_hub_holds_the_file(torch_home):
    from torchvision.models import ResNet18_Weights

    weights = ResNet18_Weights.DEFAULT
    assert backbones.standard_download_problem(weights) is not None  # nothing cached, no internet
    _fake_checkpoint("resnet18", torch_home / "hub" / "checkpoints")
    assert backbones.standard_download_problem(weights) is None


def test_without_internet_the_standard_call_is_skipped_with_a_reason_and_the_fallback_named(torch_home):
    from torchvision.models import ResNet18_Weights

    start = time.monotonic()
    problem = backbones.standard_download_problem(ResNet18_Weights.DEFAULT)
    assert time.monotonic() - start < 2.0
    assert _filename("resnet18") in problem and "torch.hub" in problem
    with pytest.raises(backbones.WeightsUnavailableError, match="tlcourse-prepare-offline"):
        backbones.pretrained("resnet18", progress=False)  # the fallback says what to do when it fails too


def test_weights_transforms_need_no_download(torch_home):
    from PIL import Image
    from torchvision.models import ResNet18_Weights

    from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD

    preprocess = ResNet18_Weights.DEFAULT.transforms()
    X = preprocess(Image.new("RGB", (300, 180), (200, 120, 40)))
    assert tuple(X.shape) == (3, 224, 224)
    assert list(preprocess.mean) == list(IMAGENET_MEAN) and list(preprocess.std) == list(IMAGENET_STD)
    assert (preprocess.resize_size, preprocess.crop_size) == ([256], [224])
    assert not any((torch_home / "hub" / "checkpoints").glob("*"))  # nothing was downloaded
