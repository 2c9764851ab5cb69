"""Do the hot-dog fine-tuning checks accept right answers and teach on wrong ones?"""

import pytest
import torch
import torchvision
from torch import nn
from torchvision import transforms as T
from torchvision.transforms import v2

from tlcourse.checks import CheckFailed
from tlcourse.checks.finetune import (CONTRACT, check_base_unchanged, check_finetune_head, check_normalize,
                                      check_param_groups,
                                      check_single_group, check_test_augs, check_train_augs,
                                      describe, xavier_bound)

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
normalize = T.Normalize(MEAN, STD)
TRAIN = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), normalize])
TEST = T.Compose([T.Resize([256, 256]), T.CenterCrop(224), T.ToTensor(), normalize])


# --- transforms ----------------------------------------------------------------------------

def test_d2l_transforms_pass():
    check_normalize(normalize)
    check_train_augs(TRAIN)
    check_test_augs(TEST)


@pytest.mark.parametrize("train_augs", [
    T.Compose([T.RandomHorizontalFlip(), T.RandomResizedCrop((224, 224)), T.ToTensor(), normalize]),
    T.Compose([T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(p=0.5)]),
               T.Compose([T.ToTensor(), T.Normalize(mean=MEAN, std=STD)])]),
    v2.Compose([v2.ToImage(), v2.RandomResizedCrop(224), v2.RandomHorizontalFlip(),
                v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]),
], ids=["flip-first", "nested", "v2"])
def test_equivalent_train_compositions_pass(train_augs):
    check_train_augs(train_augs)


@pytest.mark.parametrize("test_augs", [
    T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), normalize]),
    T.Compose([T.Resize((256, 256)), T.CenterCrop((224, 224)), T.ToTensor(), T.Normalize(MEAN, STD)]),
    v2.Compose([v2.ToImage(), v2.Resize([256, 256]), v2.CenterCrop(224),
                v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]),
], ids=["resize-int", "tuples", "v2"])
def test_equivalent_test_compositions_pass(test_augs):
    check_test_augs(test_augs)


@pytest.mark.parametrize("value, words", [
    (T.Normalize(STD, MEAN), "swapped"),
    (T.Normalize([0.5] * 3, [0.5] * 3), r"per-channel statistics of ImageNet"),
    (T.ToTensor(), "torchvision.transforms.Normalize"),
])
def test_wrong_normalize_is_explained(value, words):
    with pytest.raises(CheckFailed, match=words):
        check_normalize(value)


@pytest.mark.parametrize("train_augs, words", [
    (T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()]),
     "the pixel values in \\[0, 1\\], not normalised"),
    (T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), normalize, T.ToTensor()]),
     "Normalize works on tensors, so it has to come after ToTensor"),
    (T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(STD, MEAN)]),
     "mean and std swapped"),
    (T.Compose([T.RandomCrop(224, pad_if_needed=True), T.RandomHorizontalFlip(), T.ToTensor(), normalize]),
     "RandomCrop only shifts a fixed-size window"),
    (T.Compose([T.RandomResizedCrop(224), T.RandomVerticalFlip(), T.ToTensor(), normalize]),
     "upside-down"),
    (T.Compose([T.RandomResizedCrop(224), T.ToTensor(), normalize]), "RandomHorizontalFlip\\(\\) \\(p=0.5\\)"),
    (T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(p=1.0), T.ToTensor(), normalize]),
     "RandomHorizontalFlip\\(p=1.0\\)"),
    (T.Compose([T.RandomResizedCrop(256), T.RandomHorizontalFlip(), T.ToTensor(), normalize]),
     "size=\\(256, 256\\)"),
    (TEST, "Resize\\(\\[256, 256\\]\\) -> CenterCrop\\(\\[224, 224\\]\\)"),
    (T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.PILToTensor(), normalize]),
     "float tensor|Normalize"),
])
def test_wrong_train_augs_are_explained(train_augs, words):
    with pytest.raises(CheckFailed, match=words):
        check_train_augs(train_augs)


@pytest.mark.parametrize("test_augs, words", [
    (TRAIN, "no random steps at test time(.|\n)*RandomResizedCrop, RandomHorizontalFlip"),
    (T.Compose([T.Resize(224), T.CenterCrop(224), T.ToTensor(), normalize]),
     "Found:    Resize\\(224\\) -> CenterCrop"),
    (T.Compose([T.Resize([224, 224]), T.ToTensor(), normalize]), "Resize\\(\\[256, 256\\]\\)"),
    (T.Compose([T.Resize(256), T.ToTensor(), normalize]), "CenterCrop\\(224\\) after the resize"),
    (T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()]), "not normalised"),
    (T.Compose([T.Resize(256), T.CenterCrop(200), T.Resize(224), T.ToTensor(), normalize]),
     "CenterCrop\\(224\\)"),
])
def test_wrong_test_augs_are_explained(test_augs, words):
    with pytest.raises(CheckFailed, match=words):
        check_test_augs(test_augs)


def test_describe_names_steps_and_sizes():
    assert describe(TEST) == "Resize([256, 256]) -> CenterCrop([224, 224]) -> ToTensor -> Normalize"


# --- the head ------------------------------------------------------------------------------

@pytest.fixture
def net():
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None)


def test_xavier_bound_for_512_to_2():
    assert xavier_bound(512, 2) == pytest.approx((6 / 514) ** 0.5)


@pytest.mark.parametrize("seed", range(5))
def test_xavier_uniform_head_passes_whatever_the_seed(net, seed):
    torch.manual_seed(seed)
    net.fc = nn.Linear(net.fc.in_features, 2)
    nn.init.xavier_uniform_(net.fc.weight)
    check_finetune_head(net)


def test_xavier_on_a_weight_drawn_another_way_passes(net):
    layer = nn.Linear(512, 2)
    with torch.no_grad():
        layer.weight.uniform_(-xavier_bound(512, 2), xavier_bound(512, 2))
    net.fc = layer
    check_finetune_head(net)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.Linear(512, 2), "PyTorch's default range"),
    (lambda: nn.Linear(1000, 2), "not the 1000 ImageNet scores of the old head"),
    (lambda: nn.Linear(512, 1000), "2 hot-dog classes"),
    (lambda: nn.Linear(512, 2, bias=False), "bias"),
    (lambda: nn.Sequential(nn.Linear(512, 2)), "Sequential"),
])
def test_wrong_heads_are_explained(net, make, words):
    net.fc = make()
    with pytest.raises(CheckFailed, match=words):
        check_finetune_head(net)


@pytest.mark.parametrize("init, words", [
    (nn.init.xavier_normal_, "xavier_normal_ gives"),
    (nn.init.zeros_, "all weights are zero"),
    (lambda w: nn.init.xavier_uniform_(w, gain=0.5), "filling \\[-0.1080, 0.1080\\] evenly"),
    (lambda w: nn.init.xavier_uniform_(w, gain=2.0), "within \\+-0.1080"),
    (nn.init.kaiming_uniform_, "Kaiming-uniform's range"),
])
def test_wrong_initialisations_are_explained(net, init, words):
    net.fc = nn.Linear(512, 2)
    init(net.fc.weight)
    with pytest.raises(CheckFailed, match=words):
        check_finetune_head(net)


def test_frozen_base_is_not_fine_tuning(net):
    net.requires_grad_(False)
    net.fc = nn.Linear(512, 2)
    nn.init.xavier_uniform_(net.fc.weight)
    with pytest.raises(CheckFailed, match="60 frozen tensors: conv1.weight(.|\n)*feature extraction"):
        check_finetune_head(net)


# --- the optimizer ---------------------------------------------------------------------------

@pytest.fixture
def finetune_net(net):
    net.fc = nn.Linear(512, 2)
    nn.init.xavier_uniform_(net.fc.weight)
    return net


def d2l_trainer(net, lr):
    params_1x = [p for name, p in net.named_parameters() if name not in ["fc.weight", "fc.bias"]]
    return torch.optim.SGD([{"params": params_1x}, {"params": net.fc.parameters(), "lr": lr * 10}],
                           lr=lr, weight_decay=0.001)


def test_d2l_param_groups_pass(finetune_net):
    check_param_groups(d2l_trainer(finetune_net, 5e-5), finetune_net, 5e-5)


def test_equivalent_param_groups_pass(finetune_net):
    lr = 5e-5
    head = list(finetune_net.fc.parameters())
    ids = {id(p) for p in head}
    base = [p for p in finetune_net.parameters() if id(p) not in ids]
    # head group first, explicit rates and decay in each group, momentum allowed
    trainer = torch.optim.SGD([{"params": head, "lr": 10 * lr, "weight_decay": 1e-3},
                               {"params": base, "lr": lr, "weight_decay": 1e-3}], lr=lr, momentum=0.9)
    check_param_groups(trainer, finetune_net, lr)


def test_no_groups_passes_the_single_group_check(finetune_net):
    check_single_group(torch.optim.SGD(finetune_net.parameters(), lr=5e-4, weight_decay=1e-3), finetune_net, 5e-4)


def test_single_group_with_a_missing_tensor_or_wrong_rate_is_explained(finetune_net):
    with pytest.raises(CheckFailed, match="2 missing: fc.weight, fc.bias"):
        check_single_group(torch.optim.SGD(list(finetune_net.parameters())[:-2], lr=5e-4, weight_decay=1e-3),
                           finetune_net, 5e-4)
    with pytest.raises(CheckFailed, match="lr=0.005"):
        check_single_group(torch.optim.SGD(finetune_net.parameters(), lr=5e-3, weight_decay=1e-3),
                           finetune_net, 5e-4)


def groups(net, lr, *, head_lr=None, decay=1e-3, base=None, head=None, kind=torch.optim.SGD):
    base = base if base is not None else [p for n, p in net.named_parameters() if not n.startswith("fc.")]
    head = head if head is not None else list(net.fc.parameters())
    return kind([{"params": base}, {"params": head, "lr": head_lr if head_lr is not None else 10 * lr}],
                lr=lr, weight_decay=decay)


@pytest.mark.parametrize("build, words", [
    (lambda net: torch.optim.SGD(net.parameters(), lr=5e-5, weight_decay=1e-3), "Found:    1 group"),
    (lambda net: groups(net, 5e-5, head_lr=5e-6), "0.1 x the base rate - the wrong way round"),
    (lambda net: groups(net, 5e-5, head_lr=5e-5 * 100), "100 x the base rate"),
    (lambda net: groups(net, 5e-5, decay=0), "weight_decay=0, 0"),
    (lambda net: groups(net, 5e-5, kind=torch.optim.Adam), "torch.optim.SGD(.|\n)*Found:    Adam"),
    (lambda net: groups(net, 5e-4), "base group at lr=5e-05(.|\n)*lr=0.0005"),
    (lambda net: groups(net, 5e-5, base=[p for n, p in net.named_parameters() if n.startswith("layer")]),
     "62 base tensors|missing: conv1.weight, bn1.weight, bn1.bias"),
    (lambda net: groups(net, 5e-5, base=[p for n, p in net.named_parameters() if n != "fc.weight" and
                                          not n.startswith("layer4")], head=[net.fc.weight]),
     "head tensors in 2 groups"),
    (lambda net: groups(net, 5e-5, base=[p for n, p in net.named_parameters() if not n.startswith(("fc", "layer4"))],
                        head=list(net.layer4.parameters()) + list(net.fc.parameters())),
     "base tensors there too: layer4.0.conv1.weight"),
    (lambda net: groups(net, 5e-5, head=[net.fc.weight],
                        base=[p for n, p in net.named_parameters() if not n.startswith("fc.")]),
     "missing: fc.bias"),
    (lambda net: groups(net, 5e-5, head=list(nn.Linear(512, 2).parameters())),
     "2 tensors that are not in net"),
])
def test_wrong_param_groups_are_explained(finetune_net, build, words):
    with pytest.raises(CheckFailed, match=words):
        check_param_groups(build(finetune_net), finetune_net, 5e-5)


def test_test_augs_judged_on_their_own_when_normalize_is_wrong(capsys):
    wrong = T.Normalize([0.5] * 3, [0.5] * 3)
    test_augs = T.Compose([T.Resize([256, 256]), T.CenterCrop(224), T.ToTensor(), wrong])
    check_test_augs(test_augs, normalize=wrong)
    assert "fix exercise 1 first" in capsys.readouterr().out
    assert list(wrong.mean) == [0.5] * 3, "the student's normalize is left as it is"
    with pytest.raises(CheckFailed, match="ImageNet's statistics"):
        check_test_augs(test_augs)  # without normalize: the values are judged as they are
    with pytest.raises(CheckFailed, match="no random steps"):
        check_test_augs(T.Compose([T.RandomResizedCrop(224), T.ToTensor(), wrong]), normalize=wrong)


# --- exercise 3 may change the head only (check_base_unchanged) ---------------------------------

def loaded_resnet18():
    """ResNet-18 as the notebook loads it in a grading run: drawn after torch.manual_seed(0)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return torchvision.models.resnet18(weights=None)


@pytest.mark.parametrize("answer", ["reference", "init-first", "manual-bound"])
def test_a_new_head_alone_leaves_the_base_as_loaded(answer):
    net = loaded_resnet18()
    if answer == "reference":
        net.fc = nn.Linear(net.fc.in_features, 2)
        nn.init.xavier_uniform_(net.fc.weight)
    elif answer == "init-first":
        head = nn.Linear(512, 2)
        torch.nn.init.xavier_uniform_(head.weight, gain=1.0)
        setattr(net, "fc", head)
    else:
        net.fc = nn.Linear(512, 2)
        with torch.no_grad():
            net.fc.weight.uniform_(-xavier_bound(512, 2), xavier_bound(512, 2))
    check_finetune_head(net)
    check_base_unchanged(net, loaded_resnet18())


def test_an_init_applied_to_the_whole_network_is_explained():
    net = loaded_resnet18()
    net.fc = nn.Linear(512, 2)

    def init_weights(m):
        if type(m) in (nn.Linear, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)

    net.apply(init_weights)
    check_finetune_head(net)  # the head alone looks right: this is what the comparison catches
    with pytest.raises(CheckFailed, match="20 of 60 base tensors changed or gone: conv1.weight"):
        check_base_unchanged(net, loaded_resnet18())


def test_a_network_loaded_anew_is_explained():
    torch.manual_seed(123)
    net = torchvision.models.resnet18()
    net.fc = nn.Linear(512, 2)
    nn.init.xavier_uniform_(net.fc.weight)
    with pytest.raises(CheckFailed, match="pretrained base is what transfer learning reuses"):
        check_base_unchanged(net, loaded_resnet18())


def test_an_sgd_subclass_is_not_plain_sgd(finetune_net):
    class Nesterov(torch.optim.SGD):
        pass

    params_1x = [p for name, p in finetune_net.named_parameters() if not name.startswith("fc.")]
    trainer = Nesterov([{"params": params_1x}, {"params": finetune_net.fc.parameters(), "lr": 5e-4}],
                       lr=5e-5, weight_decay=1e-3)
    with pytest.raises(CheckFailed, match="Found:    Nesterov \\(a subclass of SGD"):
        check_param_groups(trainer, finetune_net, 5e-5)


def test_the_contract_names_every_graded_cell_of_the_notebook():
    from tests.corpus.build import graded_test_cells

    assert set(CONTRACT) == set(graded_test_cells("03_hotdog_finetune"))
