"""The strategies' rules: blocks and the head, freezing, held batch-norm layers, learning rates
per role, the flat layer list and its frozen prefix, the parameter counter."""

import pytest
import torch
from torch import nn

from tests.networks import lite0, resnet
from tlcourse import engine
from tlcourse import strategies as st
from tlcourse.checks.transfer import expected_trainable


@pytest.mark.parametrize("make, names", [
    (resnet, ["layer4", "layer3", "layer2", "layer1", "stem"]),
    (lite0, ["conv_head"] + [f"blocks.{i}" for i in range(6, -1, -1)] + ["stem"]),
])
def test_blocks_and_head_hold_every_parameter_once(make, names):
    net = make()
    parts = st.blocks(net)
    assert [n for n, _ in parts] == names
    ids = [id(p) for _, modules in parts for m in modules for p in m.parameters()]
    ids += [id(p) for p in getattr(net, st.head_attr(net)).parameters()]
    assert sorted(ids) == sorted(id(p) for p in net.parameters())


def test_set_trainable_on_a_resnet_matches_the_graded_definition():
    net = resnet()
    net.fc = nn.Linear(512, 7)
    for k in [5, 0, 3, 1, 4, 2]:
        st.set_trainable(net, k)
        assert {n for n, p in net.named_parameters() if p.requires_grad} == expected_trainable(net, k)
    with pytest.raises(ValueError, match="between 0 and 5"):
        st.set_trainable(net, 6)


def test_unknown_network_and_strategy_are_refused():
    with pytest.raises(TypeError, match="neither a torchvision ResNet nor a timm EfficientNet"):
        st.blocks(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Unknown strategy"):
        st.set_up("fine_tune", resnet(), 7, seed=0)


def test_optimizer_learning_rates_per_role():
    budget = st.Budget(head_lr=1e-3, base_lr=1e-4, scratch_lr=5e-4)
    full = st.set_up("full_finetune", resnet(), 7, seed=0)
    groups = st.optimizer_for("full_finetune", full, budget).param_groups
    assert [g["lr"] for g in groups] == [1e-3, 1e-4]
    assert [len(g["params"]) for g in groups] == [2, len(list(full.parameters())) - 2]
    fe = st.set_up("feature_extraction", resnet(), 7, seed=0)
    assert [len(g["params"]) for g in st.optimizer_for("feature_extraction", fe, budget).param_groups] == [2]
    scratch = st.set_up("scratch", resnet(), 7, seed=0)
    assert [g["lr"] for g in st.optimizer_for("scratch", scratch, budget).param_groups] == [5e-4]


def test_count_params_counts_all_trainable_or_frozen_elements():
    net = resnet()
    net.fc = nn.Linear(512, 5)
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    assert st.count_params(net, trainable=True) == 512 * 5 + 5
    assert st.count_params(net, trainable=False) == 11_176_512
    assert st.count_params(net) == 512 * 5 + 5 + 11_176_512


# --- held batch-norm layers --------------------------------------------------------------------

def bn_means(net):
    return [m.running_mean.clone() for m in net.modules() if isinstance(m, nn.BatchNorm2d)]


@pytest.mark.parametrize("strategy, moves", [("feature_extraction", False), ("partial_finetune", False),
                                             ("full_finetune", False), ("scratch", True)])
def test_batchnorm_statistics_move_only_when_training_from_scratch(strategy, moves):
    net = st.set_up(strategy, resnet(), 3, seed=0)
    before = bn_means(net)
    engine.train_mode(net, keep_statistics=st.is_pretrained(strategy))
    net(torch.randn(4, 3, 32, 32) + 3)
    changed = [not torch.equal(a, b) for a, b in zip(before, bn_means(net))]
    assert all(changed) if moves else not any(changed)
    net.train()  # held layers are in eval mode while train_mode says so, not for good
    assert net.layer1[0].bn1.training


def test_held_batchnorm_weights_still_learn():
    net = st.set_up("full_finetune", resnet(), 3, seed=0)
    weight = net.layer4[0].bn1.weight.detach().clone()
    optimizer = st.optimizer_for("full_finetune", net, st.Budget())
    engine.train_mode(net, keep_statistics=True)
    nn.functional.cross_entropy(net(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 0])).backward()
    optimizer.step()
    assert not torch.equal(net.layer4[0].bn1.weight, weight)


def test_only_frozen_batchnorms_are_held_unless_statistics_are_kept():
    net = st.set_up("partial_finetune", resnet(), 3, seed=0)
    held = st.held_batchnorms(net)
    assert net.layer3[0].bn1 in held and net.bn1 in held
    assert not any(bn is net.layer4[0].bn1 for bn in held)
    everything = st.held_batchnorms(net, keep_statistics=True)
    assert len(everything) == sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) > len(held)


# --- the flat layer list --------------------------------------------------------------------------

def test_layers_compute_what_the_network_computes():
    for net in (resnet(), lite0()):
        net.eval()
        X = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            assert torch.allclose(nn.Sequential(*st.layers(net))(X), net(X), atol=1e-5)


def test_nothing_frozen_means_no_cache():
    net = st.set_up("full_finetune", resnet(), 3, seed=0)
    assert st.frozen_prefix_length(st.layers(net)) == 0
    fe = st.set_up("feature_extraction", resnet(), 3, seed=0)
    parts = st.layers(fe)
    assert parts[st.frozen_prefix_length(parts)] is fe.fc


# --- the fifth strategy: head first, then layer-wise learning rates ---------------------------

@pytest.mark.parametrize("make", [resnet, lite0])
def test_head_then_unfreeze_starts_with_the_head_alone(make):
    net = st.set_up(st.HEAD_THEN_UNFREEZE, make(), 7, seed=0)
    head = st.head_attr(net)
    assert {n.split(".")[0] for n, p in net.named_parameters() if p.requires_grad} == {head}
    groups = st.optimizer_for(st.HEAD_THEN_UNFREEZE, net, st.Budget()).param_groups
    assert [g["lr"] for g in groups] == [st.Budget().head_lr]
    st.unfreeze(net)
    assert all(p.requires_grad for p in net.parameters())


def test_layer_lrs_fall_geometrically_from_base_lr_to_base_lr_over_the_ratio():
    budget = st.Budget(head_lr=1e-3, base_lr=1e-4, layer_lr_ratio=16.0)
    lrs = st.layer_lrs(resnet(), budget)
    assert [n for n, _ in lrs] == ["head", "layer4", "layer3", "layer2", "layer1", "stem"]
    assert [lr for _, lr in lrs] == pytest.approx([1e-3, 1e-4, 5e-5, 2.5e-5, 1.25e-5, 6.25e-6])
    lite = dict(st.layer_lrs(lite0(), budget))
    assert lite["conv_head"] == pytest.approx(1e-4) and lite["stem"] == pytest.approx(1e-4 / 16)
    assert len(lite) == 1 + 9


def test_layerwise_optimizer_gives_each_block_its_own_rate():
    budget = st.Budget(head_lr=1e-3, base_lr=1e-4, layer_lr_ratio=10.0)
    net = st.unfreeze(st.set_up(st.HEAD_THEN_UNFREEZE, resnet(), 7, seed=0))
    groups = st.layerwise_optimizer(net, budget).param_groups
    assert [g["name"] for g in groups] == ["head", "layer4", "layer3", "layer2", "layer1", "stem"]
    by_name = {g["name"]: g for g in groups}
    for name, lr in st.layer_lrs(net, budget):
        assert by_name[name]["lr"] == pytest.approx(lr)
    assert {id(p) for p in by_name["layer4"]["params"]} == {id(p) for p in net.layer4.parameters()}
    assert {id(p) for p in by_name["stem"]["params"]} == {id(p) for m in (net.conv1, net.bn1) for p in m.parameters()}
    assert sorted(id(p) for g in groups for p in g["params"]) == sorted(id(p) for p in net.parameters())
    assert all(g["weight_decay"] == budget.weight_decay for g in groups)


@pytest.mark.parametrize("epochs, head_epochs, expected", [(6, 2, 2), (3, 2, 2), (2, 2, 1), (1, 2, 0), (6, 0, 0)])
def test_head_only_epochs_leave_at_least_one_epoch_unfrozen(epochs, head_epochs, expected):
    assert st.Budget(num_epochs=epochs, head_epochs=head_epochs).head_only_epochs() == expected


def test_the_fifth_strategy_is_in_the_comparison_but_not_among_the_four():
    assert st.ALL_STRATEGIES == st.STRATEGIES + (st.HEAD_THEN_UNFREEZE,)
    assert len(st.STRATEGIES) == 4 and st.is_pretrained(st.HEAD_THEN_UNFREEZE)
    assert st.HEAD_THEN_UNFREEZE in st.LABELS
