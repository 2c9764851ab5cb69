"""Do the FoodVision checks accept right answers and teach on wrong ones?"""

import pytest
import torch
import torchvision
from torch import nn

from tlcourse.checks import CheckFailed
from tlcourse.checks.heads import (CONTRACT, check_base_frozen, check_head_in_place, check_in_features,
                                   check_linear, check_new_layer, check_optimizer, judged_head)


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
    with pytest.raises(CheckFailed, match=r"net.fc to be your new_layer(.|\n)*See: +the section \"Exercise 4 \(1 point\): put the new head in place\""):
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


# --- exercise 3 judged on its own (check_new_layer) ------------------------------------------

def test_new_layer_from_a_right_in_features_passes_in_every_spelling(capsys):
    import numpy as np

    check_new_layer(nn.Linear(512, 7), 512)
    check_new_layer(torch.nn.Linear(in_features=512, out_features=7), np.int64(512))
    assert "Note" not in capsys.readouterr().out


def test_new_layer_built_from_a_wrong_in_features_passes_and_sends_to_exercise_1(capsys):
    check_new_layer(nn.Linear(1000, 7), 1000)
    assert "fix exercise 1 first" in capsys.readouterr().out
    check_new_layer(nn.Linear(512, 7), 1000)  # the right layer is right whatever exercise 1 holds


@pytest.mark.parametrize("layer, in_features, words", [
    (nn.Linear(1000, 7), 512, "not the 1000 ImageNet scores"),   # ex1 right, the layer typed wrong
    (nn.Linear(7, 1000), 1000, "in_features=512"),                # arguments swapped: not built from ex1
    (nn.Linear(1000, 5), 1000, "7 classes"),                      # built from ex1, but 5 classes
    (nn.Linear(1000, 7, bias=False), 1000, "bias"),
    (nn.Sequential(nn.Linear(512, 7)), 512, "torch.nn.Linear"),
])
def test_new_layer_mistakes_fail_with_their_own_message(layer, in_features, words, capsys):
    with pytest.raises(CheckFailed, match=words):
        check_new_layer(layer, in_features)


# --- exercise 5: the optimizer's class, an old head kept, exercise 4 never done ---------------

def test_adamw_is_not_the_adam_the_task_names(net):
    frozen_with_head(net)
    assert isinstance(torch.optim.AdamW(net.fc.parameters()), torch.optim.Adam), "the trap this guards"
    with pytest.raises(CheckFailed, match="Found:    AdamW \\(a variant of Adam"):
        check_optimizer(torch.optim.AdamW(net.fc.parameters(), lr=1e-3), net)


def test_an_old_head_kept_in_the_optimizer_is_explained(net):
    net.requires_grad_(False)
    old_fc = net.fc
    net.fc = nn.Linear(512, 7)
    both = torch.optim.Adam(list(old_fc.parameters()) + list(net.fc.parameters()), lr=1e-3)
    with pytest.raises(CheckFailed, match="2 of them in no layer of net"):
        check_optimizer(both, net)


def test_optimizer_over_new_layer_when_exercise_4_was_skipped_passes_with_a_note(net, capsys):
    net.requires_grad_(False)
    new_layer = nn.Linear(512, 7)  # exercise 4 never ran: net.fc is the old head
    check_optimizer(torch.optim.Adam(new_layer.parameters(), lr=1e-3), net, new_layer=new_layer)
    assert "fix exercise 4 first" in capsys.readouterr().out
    assert judged_head(net, torch.optim.Adam(new_layer.parameters()), new_layer) is new_layer
    # the written answer (net.fc.parameters()) is right on its own as well
    check_optimizer(torch.optim.Adam(net.fc.parameters(), lr=1e-3), net, new_layer=new_layer)


def test_optimizer_over_new_layer_with_a_base_tensor_still_fails_when_exercise_4_was_skipped(net):
    net.requires_grad_(False)
    new_layer = nn.Linear(512, 7)
    wrong = torch.optim.Adam(list(new_layer.parameters()) + [net.conv1.weight], lr=1e-3)
    with pytest.raises(CheckFailed, match="including base tensors: conv1.weight"):
        check_optimizer(wrong, net, new_layer=new_layer)


def test_the_contract_names_every_graded_cell_of_the_notebook():
    from tests.corpus.build import graded_test_cells
    from tlcourse.checks import confusion

    # exercises 1-5 (the head) here, exercise 6 (reading the confusion matrix) in checks.confusion
    assert not set(CONTRACT) & set(confusion.CONTRACT)
    assert set(CONTRACT) | set(confusion.CONTRACT) == set(graded_test_cells("02_foodvision_head"))
