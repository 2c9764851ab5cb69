"""Do the FoodVision checks accept right answers and teach on wrong ones?"""

import pytest
import torch
import torchvision
from torch import nn

from tlcourse.checks import CheckFailed
from tlcourse.checks.heads import (check_base_frozen, check_head_in_place, check_in_features,
                                   check_linear, check_optimizer)


@pytest.fixture
def net():
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None)


def frozen_with_head(net, classes=7):
    net.requires_grad_(False)
    net.fc = nn.Linear(512, classes)
    return net


def test_in_features_accepts_512():
    check_in_features(512)


@pytest.mark.parametrize("value, words", [(1000, "ImageNet classes"), (7, "512"), ("512", "int"),
                                          (512.0, "int"), (True, "int")])
def test_in_features_wrong_values_are_explained(value, words):
    with pytest.raises(CheckFailed, match=words):
        check_in_features(value)


def test_linear_accepts_keyword_and_positional_forms():
    check_linear(nn.Linear(512, 7))
    check_linear(torch.nn.Linear(in_features=512, out_features=7))


@pytest.mark.parametrize("layer, words", [
    (nn.Linear(1000, 7), "not the 1000 ImageNet scores"),
    (nn.Linear(512, 5), "7 classes"),
    (nn.Linear(7, 512), "swapped"),
    (nn.Conv2d(512, 7, 1), "torch.nn.Linear"),
    (nn.Linear(512, 7, bias=False), "bias"),
])
def test_linear_mistakes_are_named(layer, words):
    with pytest.raises(CheckFailed, match=words):
        check_linear(layer)


def test_unfrozen_base_is_reported_with_names(net):
    with pytest.raises(CheckFailed, match=r"62 of 62 base tensors still trainable: conv1.weight"):
        check_base_frozen(net, head_attr="none")
    with pytest.raises(CheckFailed, match=r"60 of 60 base tensors still trainable"):
        check_base_frozen(net)


def test_freezing_any_way_passes(net):
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith("fc.")
    check_base_frozen(net)


def test_head_frozen_too_is_explained(net):
    net.fc = nn.Linear(512, 7)
    net.requires_grad_(False)
    with pytest.raises(CheckFailed, match="runs after the new layer was put in place"):
        check_head_in_place(net, net.fc)


def test_head_not_assigned_is_explained(net):
    frozen_with_head(net)
    with pytest.raises(CheckFailed, match=r"net.fc to be your new_layer(.|\n)*See: +the section \"Exercise 4 \(2 points\): put the new head in place\""):
        check_head_in_place(net, nn.Linear(512, 7))


def test_optimizer_over_head_passes(net):
    frozen_with_head(net)
    check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=1e-3), net)
    check_optimizer(torch.optim.Adam(params=[net.fc.weight, net.fc.bias], lr=0.001), net)


def test_optimizer_over_all_parameters_is_explained(net):
    frozen_with_head(net)
    with pytest.raises(CheckFailed, match="including base tensors: conv1.weight"):
        check_optimizer(torch.optim.Adam(net.parameters(), lr=1e-3), net)


def test_optimizer_wrong_kind_or_rate_is_explained(net):
    frozen_with_head(net)
    with pytest.raises(CheckFailed, match="Adam"):
        check_optimizer(torch.optim.SGD(net.fc.parameters(), lr=1e-3), net)
    with pytest.raises(CheckFailed, match="lr=0.01"):
        check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=1e-2), net)


def test_optimizer_of_a_replaced_layer_is_explained(net):
    frozen_with_head(net)
    stale = torch.optim.Adam(net.fc.parameters(), lr=1e-3)
    net.fc = nn.Linear(512, 7)
    with pytest.raises(CheckFailed, match="no longer net.fc"):
        check_optimizer(stale, net)


def test_head_in_place_on_a_trainable_base_passes_and_sends_to_exercise_2(net, capsys):
    net.fc = nn.Linear(512, 7)  # exercise 2 skipped: the base is still trainable
    check_head_in_place(net, net.fc)
    assert "fix exercise 2 first" in capsys.readouterr().out


def test_in_features_compares_the_value_not_the_objects_eq():
    import numpy as np

    from tests.checks.test_base import AlwaysEqualInt

    with pytest.raises(CheckFailed, match="512"):
        check_in_features(AlwaysEqualInt(7))
    check_in_features(np.int64(512))


def test_optimizer_rate_compares_the_value_not_the_objects_eq(net):
    import numpy as np

    from tests.checks.test_base import AlwaysEqualFloat

    frozen_with_head(net)
    with pytest.raises(CheckFailed, match="lr=0.5"):
        check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=AlwaysEqualFloat(0.5)), net)
    check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=np.float64(1e-3)), net)
