"""Are cached features the same as recomputed ones, and never stale or half-written?"""

import shutil

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms

from tlcourse.data import smoke
from tlcourse.features import FeatureCacheError, base_of, cached_features, extract

EVAL = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.25] * 3)])


class TinyNet(nn.Module):
    """A small two-part network: a convolutional base and a head called fc."""

    def __init__(self, classes=7):
        super().__init__()
        torch.manual_seed(0)
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                      nn.Flatten())
        self.fc = nn.Linear(8, classes)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.fc(self.features(x))


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def folder(tmp_path):
    return smoke.ensure(smoke.FOODVISION7_SPEC, tmp_path / "smoke")


@pytest.fixture
def dataset(folder):
    from torchvision.datasets import ImageFolder

    return ImageFolder(folder / "train", transform=EVAL)


def test_base_of_leaves_the_network_its_head():
    net = TinyNet()
    base = base_of(net, "fc")
    assert isinstance(base.fc, nn.Identity) and isinstance(net.fc, nn.Linear)
    assert base.features is net.features


def test_cached_features_equal_recomputed_ones(dataset, cache):
    net = TinyNet()
    cached = cached_features("tiny", base_of(net, "fc"), dataset, cache=cache, verbose=False)
    X, y = extract(base_of(net, "fc"), dataset)
    assert torch.equal(cached.tensors[0], X) and torch.equal(cached.tensors[1], y)


def test_second_call_reads_the_cache_without_running_the_base(dataset, cache):
    net = TinyNet()
    cached_features("tiny", base_of(net, "fc"), dataset, cache=cache, verbose=False)
    base = base_of(net, "fc")
    before = base.calls
    cached_features("tiny", base, dataset, cache=cache, verbose=False)
    assert base.calls == before


def runs_base(net, dataset, cache):
    base = base_of(net, "fc")
    before = base.calls
    cached_features("tiny", base, dataset, cache=cache, verbose=False)
    return base.calls > before


def test_changed_weights_are_never_served_stale_features(dataset, cache):
    net = TinyNet()
    runs_base(net, dataset, cache)
    with torch.no_grad():
        net.features[0].weight.add_(0.01)
    assert runs_base(net, dataset, cache)
    assert len(list(cache.glob("*.pt"))) == 2


def test_changed_transform_or_data_recomputes(dataset, folder, cache):
    from torchvision.datasets import ImageFolder

    net = TinyNet()
    runs_base(net, dataset, cache)
    other = ImageFolder(folder / "train", transform=transforms.Compose([transforms.Resize(32), EVAL]))
    assert runs_base(net, other, cache)
    images = sorted(folder.glob("train/*/*"))
    shutil.copy(images[1], images[0])  # one image's content changes
    assert runs_base(net, ImageFolder(folder / "train", transform=EVAL), cache)


def test_a_half_written_cache_file_is_not_trusted(dataset, cache):
    net = TinyNet()
    cached_features("tiny", base_of(net, "fc"), dataset, cache=cache, verbose=False)
    path = next(cache.glob("*.pt"))
    path.write_bytes(path.read_bytes()[:200])  # what a killed writer could leave
    assert runs_base(net, dataset, cache)
    again = cached_features("tiny", base_of(net, "fc"), dataset, cache=cache, verbose=False)
    assert torch.equal(again.tensors[0], extract(base_of(net, "fc"), dataset)[0])


def test_no_partial_files_are_left_behind(dataset, cache):
    cached_features("tiny", base_of(TinyNet(), "fc"), dataset, cache=cache, verbose=False)
    assert [p.suffix for p in cache.iterdir()] == [".pt"]


def test_random_augmentation_is_refused_with_a_reason(folder, cache):
    from torchvision.datasets import ImageFolder

    augmented = ImageFolder(folder / "train", transform=transforms.Compose(
        [transforms.RandomHorizontalFlip(), EVAL]))
    with pytest.raises(FeatureCacheError, match="RandomHorizontalFlip.*one random view"):
        cached_features("tiny", base_of(TinyNet(), "fc"), augmented, cache=cache)


def test_head_trained_on_cached_features_matches_end_to_end_training(dataset, cache):
    torch.manual_seed(1)
    head = nn.Linear(8, 7)
    net = TinyNet()
    net.requires_grad_(False)
    net.fc = head
    cached_head = nn.Linear(8, 7)
    cached_head.load_state_dict(head.state_dict())
    feats = cached_features("tiny", base_of(net, "fc"), dataset, cache=cache, verbose=False)
    opt_a = torch.optim.SGD(net.fc.parameters(), lr=0.1)
    opt_b = torch.optim.SGD(cached_head.parameters(), lr=0.1)
    net.eval()
    for (X, y), (F, y2) in zip(DataLoader(dataset, batch_size=8), DataLoader(feats, batch_size=8)):
        for model, inputs, opt in ((net, X, opt_a), (cached_head, F, opt_b)):
            opt.zero_grad()
            nn.functional.cross_entropy(model(inputs), y).backward()
            opt.step()
    assert torch.allclose(net.fc.weight, cached_head.weight, atol=1e-6)


def test_training_a_head_leaves_frozen_batch_norm_statistics_alone():
    from tlcourse.engine import train_epoch

    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 2))
    net[0].requires_grad_(False)
    net[1].requires_grad_(False)
    before = net[1].running_mean.clone()
    data = [(torch.randn(8, 3, 16, 16) + 3, torch.randint(0, 2, (8,)))]
    train_epoch(net, data, nn.CrossEntropyLoss(), torch.optim.SGD(net[4].parameters(), lr=0.1),
                torch.device("cpu"))
    assert torch.equal(net[1].running_mean, before)
    assert net[4].training and not net[1].training
