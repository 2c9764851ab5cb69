"""Hot dog fine-tuning (03): d2l's augmentations, a Xavier head, a trainer with a 10x head rate."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case  # noqa: F401

HOTDOG = "03_hotdog_finetune"

# Hot-dog fine-tuning: ex1 train augmentation 2, ex2 test transform 1, ex3 Xavier head 3,
# ex4 parameter groups 4 - 10 points.
TRAIN_AUGS = '''from torchvision import transforms

normalize = transforms.Normalize({mean}, {std})
train_augs = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    normalize,
])
train_augs'''
MAKE_TRAINER = '''def make_trainer(net, learning_rate, param_group=True):
    if param_group:
        head = {{id(p) for p in net.fc.parameters()}}
        base = [p for p in net.parameters() if id(p) not in head]
        return torch.optim.SGD([{{"params": base, "lr": {base_lr}}},
                                {{"params": list(net.fc.parameters()), "lr": {head_lr}}}],
                               lr=learning_rate, weight_decay=1e-3)
    return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=1e-3)


trainer = make_trainer(finetune_net, 5e-5)'''

REFERENCE_NORMALIZE = "normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])\n"
TRAIN_STEPS = '''from torchvision import transforms

{normalize}train_augs = transforms.Compose([
{steps}
])
train_augs'''
TEST_AUGS = '''test_augs = transforms.Compose([
{steps}
])
test_augs'''
#: An initialisation applied to the whole network (d2l's ``net.apply(init_weights)`` habit).
INIT_EVERY_LAYER = '''finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)


def init_weights(m):
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)


finetune_net.apply(init_weights)
finetune_net.fc'''
TRAINER = '''def make_trainer(net, learning_rate, param_group=True):
{body}


trainer = make_trainer(finetune_net, 5e-5)'''

CASES = [
    Case("hotdog_reference", HOTDOG, 10, "the instructor's solutions", fails=()),
    Case("hotdog_id_groups", HOTDOG, 10, "parameter groups built from tensor ids, `1e-3` written out",
         edits={"ex4_make_trainer": MAKE_TRAINER.format(base_lr="learning_rate", head_lr="learning_rate * 10")},
         fails=()),
    Case("hotdog_wrong_normalize", HOTDOG, 8,
         "mean and std 0.5 instead of ImageNet's statistics: ex1 fails; ex2's test transform is right and "
         "is judged with ImageNet's statistics in place of the reused normalize (no cascade, issue 13; "
         "was 7); 1 + 3 + 4",
         edits={"ex1_train_augs": TRAIN_AUGS.format(mean="[0.5, 0.5, 0.5]", std="[0.5, 0.5, 0.5]")},
         feedback=("statistics of ImageNet", "fix exercise 1 first"), fails=("ex1_train_augs_tests",)),
    Case("hotdog_lr_swapped", HOTDOG, 6,
         "learning-rate groups swapped (base at 10x, head at 1x): ex4 fails",
         edits={"ex4_make_trainer": MAKE_TRAINER.format(base_lr="learning_rate * 10", head_lr="learning_rate")},
         fails=("ex4_make_trainer_tests",)),
    Case("hotdog_default_init", HOTDOG, 7, "new head without Xavier-uniform re-initialisation: ex3 fails",
         edits={"ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\nfinetune_net.fc"},
         feedback=("default initialisation",), fails=("ex3_head_tests",)),
    # --- right answers in other forms (issue 13): full marks -------------------------------
    Case("hotdog_transforms_v2", HOTDOG, 10,
         "both transforms with torchvision's transforms.v2 API (ToImage + ToDtype(float32, scale=True) in "
         "place of ToTensor): the task allows v2 explicitly",
         edits={"ex1_train_augs": "import torch\nfrom torchvision import transforms\nfrom torchvision.transforms import v2\n\n"
                "normalize = v2.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])\n"
                "train_augs = v2.Compose([v2.RandomResizedCrop(224), v2.RandomHorizontalFlip(),\n"
                "                         v2.ToImage(), v2.ToDtype(torch.float32, scale=True), normalize])",
                "ex2_test_augs": "test_augs = v2.Compose([v2.Resize([256, 256]), v2.CenterCrop(224), v2.ToImage(),\n"
                "                        v2.ToDtype(torch.float32, scale=True), normalize])"},
         fails=()),
    Case("hotdog_nested_compose", HOTDOG, 10,
         "the geometric steps in a Compose of their own inside train_augs, and (224, 224) sizes: an "
         "equivalent composition, which the task allows",
         edits={"ex1_train_augs": TRAIN_STEPS.format(
             normalize=REFERENCE_NORMALIZE,
             steps="    transforms.Compose([transforms.RandomResizedCrop((224, 224)), transforms.RandomHorizontalFlip(p=0.5)]),\n"
                   "    transforms.Compose([transforms.ToTensor(), normalize]),"),
                "ex2_test_augs": TEST_AUGS.format(steps="    transforms.Resize((256, 256)),\n    transforms.CenterCrop((224, 224)),\n"
                                                       "    transforms.ToTensor(),\n    normalize,")},
         fails=()),
    Case("hotdog_numpy_stats", HOTDOG, 10,
         "ImageNet's statistics kept in numpy arrays and passed by keyword; Resize(256), which the task "
         "allows (shorter side to 256)",
         edits={"ex1_train_augs": "import numpy as np\n" + TRAIN_STEPS.format(
             normalize="MEAN = np.array([0.485, 0.456, 0.406])\nSTD = np.array([0.229, 0.224, 0.225])\n"
                       "normalize = transforms.Normalize(mean=MEAN, std=STD)\n",
             steps="    transforms.RandomResizedCrop(size=224),\n    transforms.RandomHorizontalFlip(),\n"
                   "    transforms.ToTensor(),\n    normalize,"),
                "ex2_test_augs": TEST_AUGS.format(steps="    transforms.Resize(256),\n    transforms.CenterCrop(224),\n"
                                                       "    transforms.ToTensor(),\n    normalize,")},
         fails=()),
    Case("hotdog_init_before_attach", HOTDOG, 10,
         "the head built and Xavier-initialised in a variable first, then attached; 512 read from the "
         "old layer's weight",
         edits={"ex3_head": "head = nn.Linear(finetune_net.fc.weight.shape[1], 2)\n"
                "nn.init.xavier_uniform_(head.weight)\nfinetune_net.fc = head\nfinetune_net.fc"},
         fails=()),
    Case("hotdog_torch_nn_init", HOTDOG, 10,
         "torch.nn.init.xavier_uniform_ with gain=1.0 written out, the head reached with get_submodule",
         edits={"ex3_head": "finetune_net.fc = torch.nn.Linear(finetune_net.get_submodule('fc').in_features, 2)\n"
                "torch.nn.init.xavier_uniform_(finetune_net.get_submodule('fc').weight, gain=1.0)"},
         fails=()),
    Case("hotdog_manual_xavier", HOTDOG, 10,
         "Xavier-uniform written out with math: uniform on +-sqrt(6 / (512 + 2)) under no_grad - the same "
         "distribution the task asks for",
         edits={"ex3_head": "import math\n\nfinetune_net.fc = nn.Linear(512, 2)\nbound = math.sqrt(6 / (512 + 2))\n"
                "with torch.no_grad():\n    finetune_net.fc.weight.uniform_(-bound, bound)\nfinetune_net.fc"},
         fails=()),
    Case("hotdog_named_groups", HOTDOG, 10,
         "groups filtered by parameter names, an explicit lr in both groups, the single group with a "
         "positional lr",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        head = [p for n, p in net.named_parameters() if n.startswith("fc.")]
        base = [p for n, p in net.named_parameters() if not n.startswith("fc.")]
        return torch.optim.SGD([{"params": base, "lr": learning_rate},
                                {"params": head, "lr": 10 * learning_rate}], lr=learning_rate, weight_decay=1e-3)
    return torch.optim.SGD(net.parameters(), learning_rate, weight_decay=0.001)''')},
         fails=()),
    Case("hotdog_children_groups", HOTDOG, 10,
         "the base as every child module except fc, a dict of group settings, if/else on the flag",
         edits={"ex4_make_trainer": TRAINER.format(body='''    settings = {"lr": learning_rate, "weight_decay": 0.001}
    if not param_group:
        return torch.optim.SGD(net.parameters(), **settings)
    base = [p for name, child in net.named_children() if name != "fc" for p in child.parameters()]
    return torch.optim.SGD([{"params": base},
                            {"params": net.fc.parameters(), "lr": learning_rate * 10}], **settings)''')},
         fails=()),
    Case("hotdog_habits", HOTDOG, 10,
         "%matplotlib inline and %config InlineBackend in the first answer, prints inside make_trainer, "
         "and the head cell's code run twice (the second time it reads 512 from the new layer): habits "
         "that change nothing the tests judge",
         edits={"ex1_train_augs": "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n"
                + TRAIN_STEPS.format(normalize=REFERENCE_NORMALIZE,
                                     steps="    transforms.RandomResizedCrop(224),\n    transforms.RandomHorizontalFlip(),\n"
                                           "    transforms.ToTensor(),\n    normalize,"),
                "ex3_head": ("finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\n"
                             "nn.init.xavier_uniform_(finetune_net.fc.weight)\n") * 2 + "finetune_net.fc",
                "ex4_make_trainer": TRAINER.format(body='''    print("make_trainer", type(net).__name__, learning_rate, param_group)
    if param_group:
        fc_ids = {id(p) for p in net.fc.parameters()}
        params_1x = [p for p in net.parameters() if id(p) not in fc_ids]
        return torch.optim.SGD([{"params": params_1x}, {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                               lr=learning_rate, weight_decay=0.001)
    return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=0.001)''')},
         fails=()),
    Case("hotdog_tensor_stats", HOTDOG, 10,
         "ImageNet's statistics as torch tensors, and test_augs reusing normalize as the task says",
         edits={"ex1_train_augs": TRAIN_STEPS.format(
             normalize="mean = torch.tensor([0.485, 0.456, 0.406])\nstd = torch.tensor([0.229, 0.224, 0.225])\n"
                       "normalize = transforms.Normalize(mean, std)\n",
             steps="    transforms.RandomResizedCrop(224),\n    transforms.RandomHorizontalFlip(),\n"
                   "    transforms.ToTensor(),\n    normalize,")},
         fails=()),
    Case("hotdog_helper_augs", HOTDOG, 10,
         "one helper function of the student's own builds both transforms from a flag",
         edits={"ex1_train_augs": "from torchvision import transforms\n\n" + REFERENCE_NORMALIZE + '''

def make_augs(train):
    if train:
        first = [transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip()]
    else:
        first = [transforms.Resize([256, 256]), transforms.CenterCrop(224)]
    return transforms.Compose(first + [transforms.ToTensor(), normalize])


train_augs = make_augs(train=True)''',
                "ex2_test_augs": "test_augs = make_augs(train=False)\ntest_augs"},
         fails=()),
    Case("hotdog_setattr_head", HOTDOG, 10,
         "setattr for the head, Xavier on weight.data, %time on the init line",
         edits={"ex3_head": "setattr(finetune_net, 'fc', nn.Linear(512, 2))\n"
                "%time nn.init.xavier_uniform_(finetune_net.fc.weight.data)\nfinetune_net.fc"},
         fails=()),
    Case("hotdog_explicit_head_tensors", HOTDOG, 10,
         "the head group listed as [net.fc.weight, net.fc.bias], the base filtered by tensor identity in "
         "a loop",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if not param_group:
        return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=0.001)
    head = [net.fc.weight, net.fc.bias]
    base = []
    for p in net.parameters():
        if all(p is not h for h in head):
            base.append(p)
    return torch.optim.SGD([{"params": base, "lr": learning_rate},
                            {"params": head, "lr": learning_rate * 10}], lr=learning_rate, weight_decay=0.001)''')},
         fails=()),
    # --- mistakes students make (issue 13): the cell with the mistake scores 0 ------------------
    Case("hotdog_vertical_flip", HOTDOG, 8,
         "RandomVerticalFlip instead of the horizontal flip the task names: ex1 fails; ex2 (reusing the "
         "right normalize) is right; 1 + 3 + 4",
         edits={"ex1_train_augs": TRAIN_STEPS.format(
             normalize=REFERENCE_NORMALIZE,
             steps="    transforms.RandomResizedCrop(224),\n    transforms.RandomVerticalFlip(),\n"
                   "    transforms.ToTensor(),\n    normalize,")},
         feedback=("RandomHorizontalFlip",), fails=("ex1_train_augs_tests",)),
    Case("hotdog_normalize_first", HOTDOG, 8,
         "Normalize before ToTensor in train_augs (it fails on a PIL image): ex1 fails; ex2 reuses the right "
         "normalize after ToTensor, right on its own; 1 + 3 + 4",
         edits={"ex1_train_augs": TRAIN_STEPS.format(
             normalize=REFERENCE_NORMALIZE,
             steps="    transforms.RandomResizedCrop(224),\n    transforms.RandomHorizontalFlip(),\n"
                   "    normalize,\n    transforms.ToTensor(),")},
         feedback=("after ToTensor",), fails=("ex1_train_augs_tests",)),
    Case("hotdog_random_test_crop", HOTDOG, 9,
         "RandomResizedCrop in test_augs: test photos must give the same input every time; ex2 fails",
         edits={"ex2_test_augs": TEST_AUGS.format(steps="    transforms.RandomResizedCrop(224),\n"
                                                       "    transforms.ToTensor(),\n    normalize,")},
         feedback=("no random steps at test time",), fails=("ex2_test_augs_tests",)),
    Case("hotdog_init_every_layer", HOTDOG, 7,
         "Xavier-uniform applied to every Linear and Conv2d of the network (net.apply): the head is right "
         "but the pretrained base is re-initialised, which the task forbids (only the new layer's weight); "
         "ex3 fails (a false accept before issue 13)",
         edits={"ex3_head": INIT_EVERY_LAYER}, feedback=("base tensors changed",), fails=("ex3_head_tests",)),
    Case("hotdog_reloads_network", HOTDOG, 7,
         "loads a fresh ResNet-18 without weights in the head cell and gives it the Xavier head: the "
         "pretrained base is gone; ex3 fails",
         edits={"ex3_head": "finetune_net = torchvision.models.resnet18()\n"
                "finetune_net.fc = nn.Linear(512, 2)\nnn.init.xavier_uniform_(finetune_net.fc.weight)"},
         fails=("ex3_head_tests",)),
    Case("hotdog_xavier_normal", HOTDOG, 7, "xavier_normal_ instead of xavier_uniform_: ex3 fails",
         edits={"ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\n"
                "nn.init.xavier_normal_(finetune_net.fc.weight)"},
         fails=("ex3_head_tests",)),
    Case("hotdog_kaiming", HOTDOG, 7,
         "kaiming_uniform_ instead of Xavier-uniform: ex3 fails (the notebook's seed makes this draw reach "
         "beyond Xavier's bound; 13.6 % of Kaiming draws cannot be told apart at all, see "
         "tests/checks/test_xavier_power.py)",
         edits={"ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\n"
                "nn.init.kaiming_uniform_(finetune_net.fc.weight)"},
         feedback=("Kaiming-uniform's range",), fails=("ex3_head_tests",)),
    Case("hotdog_frozen_base", HOTDOG, 7,
         "freezes the base before the Xavier head (feature extraction, not fine-tuning): ex3 fails; "
         "make_trainer is judged on fresh networks and is right; 2 + 1 + 4",
         edits={"ex3_head": "for p in finetune_net.parameters():\n    p.requires_grad = False\n"
                "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\nnn.init.xavier_uniform_(finetune_net.fc.weight)"},
         feedback=("fine-tuning updates the base too",), fails=("ex3_head_tests",)),
    Case("hotdog_uses_finetune_net", HOTDOG, 6,
         "make_trainer builds the groups from finetune_net instead of the net passed in: the task says to "
         "use net; ex4 fails",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        params_1x = [p for n, p in finetune_net.named_parameters() if not n.startswith("fc.")]
        return torch.optim.SGD([{"params": params_1x},
                                {"params": finetune_net.fc.parameters(), "lr": learning_rate * 10}],
                               lr=learning_rate, weight_decay=0.001)
    return torch.optim.SGD(finetune_net.parameters(), lr=learning_rate, weight_decay=0.001)''')},
         fails=("ex4_make_trainer_tests",)),
    Case("hotdog_no_weight_decay", HOTDOG, 6, "the groups right but no weight decay: the task asks for 0.001; ex4 fails",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        params_1x = [p for n, p in net.named_parameters() if not n.startswith("fc.")]
        return torch.optim.SGD([{"params": params_1x}, {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                               lr=learning_rate)
    return torch.optim.SGD(net.parameters(), lr=learning_rate)''')},
         feedback=("weight_decay=0.001",), fails=("ex4_make_trainer_tests",)),
    Case("hotdog_head_twice", HOTDOG, 6,
         "the base group is net.parameters(), so the head is in both groups (PyTorch refuses it): ex4 fails",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        return torch.optim.SGD([{"params": net.parameters()}, {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                               lr=learning_rate, weight_decay=0.001)
    return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=0.001)''')},
         fails=("ex4_make_trainer_tests",)),
    Case("hotdog_adam_groups", HOTDOG, 6, "Adam with the right groups: the task names SGD; ex4 fails",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        params_1x = [p for n, p in net.named_parameters() if not n.startswith("fc.")]
        return torch.optim.Adam([{"params": params_1x}, {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                                lr=learning_rate, weight_decay=0.001)
    return torch.optim.Adam(net.parameters(), lr=learning_rate, weight_decay=0.001)''')},
         feedback=("torch.optim.SGD",), fails=("ex4_make_trainer_tests",)),
    Case("hotdog_ignores_flag", HOTDOG, 6,
         "always two groups, whatever param_group says: the scratch model must train at one rate; ex4 fails",
         edits={"ex4_make_trainer": TRAINER.format(body='''    params_1x = [p for n, p in net.named_parameters() if not n.startswith("fc.")]
    return torch.optim.SGD([{"params": params_1x}, {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                           lr=learning_rate, weight_decay=0.001)''')},
         fails=("ex4_make_trainer_tests",)),
]

# --- more right answers (issue 13, second round) ----------------------------------------------
# The tasks: ex1 normalize with ImageNet's statistics and train_augs = random resized crop 224,
# horizontal flip, to tensor, normalise ("equivalent compositions count"); ex2 test_augs = resize
# 256 (or shorter side 256), centre crop 224, to tensor, normalise; ex3 finetune_net.fc a Linear(512, 2)
# (512 read from the old layer) whose weight is Xavier-uniform, the bias left as it is, nothing frozen,
# the base unchanged; ex4 SGD with weight decay 0.001, base at learning_rate and fc at 10x (two groups,
# no tensor in both), or one group at learning_rate when param_group is False, for the net passed in.
CASES += [
    Case("hotdog_defaults_written", HOTDOG, 10, "train_augs with the defaults written out "
         "(scale=(0.08, 1.0), p=0.5), the statistics as tuples by keyword, torchvision.transforms by its "
         "full name: the same composition",
         edits={"ex1_train_augs": "import torchvision\nfrom torchvision import transforms\n\n"
                "normalize = torchvision.transforms.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))\n"
                "train_augs = torchvision.transforms.Compose([\n"
                "    torchvision.transforms.RandomResizedCrop(224, scale=(0.08, 1.0)),\n"
                "    torchvision.transforms.RandomHorizontalFlip(p=0.5),\n"
                "    torchvision.transforms.ToTensor(),\n    normalize,\n])"}, fails=()),
    Case("hotdog_pil_to_tensor", HOTDOG, 10, "ToTensor written as PILToTensor + ConvertImageDtype(float) "
         "in both transforms (the same float tensor in [0, 1]): an equivalent composition",
         edits={"ex1_train_augs": TRAIN_STEPS.format(
             normalize=REFERENCE_NORMALIZE,
             steps="    transforms.RandomResizedCrop(224),\n    transforms.RandomHorizontalFlip(),\n"
                   "    transforms.PILToTensor(),\n    transforms.ConvertImageDtype(torch.float),\n    normalize,"),
                "ex2_test_augs": TEST_AUGS.format(steps="    transforms.Resize([256, 256]),\n    transforms.CenterCrop(224),\n"
                                                       "    transforms.PILToTensor(),\n    transforms.ConvertImageDtype(torch.float),\n"
                                                       "    normalize,")},
         fails=()),
    Case("hotdog_try_it_out", HOTDOG, 10, "the reference test_augs under %%time, tried on a made-up PIL "
         "image with a print of the shape: timing and print debugging cost nothing",
         edits={"ex2_test_augs": "%%time\n" + TEST_AUGS.format(steps="    transforms.Resize([256, 256]),\n"
                                                                   "    transforms.CenterCrop(224),\n"
                                                                   "    transforms.ToTensor(),\n    normalize,")
                + "\nfrom PIL import Image\nprint(test_augs(Image.new('RGB', (300, 200))).shape)"},
         fails=()),
    Case("hotdog_deprecated_init_alias", HOTDOG, 10, "nn.init.xavier_uniform (torch's old, deprecated "
         "name without the underscore, still the same in-place Xavier-uniform; its warning goes to the "
         "answer cell): the weight has the distribution the task asks for",
         edits={"ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\n"
                "nn.init.xavier_uniform(finetune_net.fc.weight)\nfinetune_net.fc"}, fails=()),
    Case("hotdog_xavier_copy", HOTDOG, 10, "a Xavier-uniform tensor drawn with nn.init on a fresh "
         "torch.empty(2, 512) and copied into the new head's weight under no_grad: the weight has the "
         "asked distribution, the bias is untouched",
         edits={"ex3_head": "n_in = finetune_net.fc.in_features\nhead = nn.Linear(n_in, 2)\n"
                "with torch.no_grad():\n    head.weight.copy_(nn.init.xavier_uniform_(torch.empty(2, n_in)))\n"
                "finetune_net.fc = head\nfinetune_net.fc"}, fails=()),
    Case("hotdog_set_membership", HOTDOG, 10, "the base group as the parameters not in a set of the head's "
         "tensors (membership by identity), the single group as a one-dict list: right",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if not param_group:
        return torch.optim.SGD([{"params": net.parameters()}], lr=learning_rate, weight_decay=0.001)
    head = set(net.fc.parameters())
    base = [p for p in net.parameters() if p not in head]
    return torch.optim.SGD([{"params": base}, {"params": list(head), "lr": learning_rate * 10}],
                           lr=learning_rate, weight_decay=0.001)''')}, fails=()),
    Case("hotdog_map_id_filter", HOTDOG, 10, "the older d2l / tutorial form: ids of the head by map(id, "
         "...), the base as a filter(...) object, a docstring and type hints: right",
         edits={"ex4_make_trainer": '''def make_trainer(net: nn.Module, learning_rate: float, param_group: bool = True) -> torch.optim.SGD:
    """SGD with weight decay 1e-3; with param_group the head fc learns 10x faster than the base."""
    if param_group:
        head_ids = list(map(id, net.fc.parameters()))
        base_params = filter(lambda p: id(p) not in head_ids, net.parameters())
        return torch.optim.SGD([{"params": base_params},
                                {"params": net.fc.parameters(), "lr": learning_rate * 10}],
                               lr=learning_rate, weight_decay=1e-3)
    return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=1e-3)


trainer = make_trainer(finetune_net, 5e-5)'''}, fails=()),
    Case("hotdog_groups_own_lr_each", HOTDOG, 10, "every group with its own lr and weight_decay inside the "
         "dict and no optimizer default besides lr; the head's learning rate as learning_rate * 10.0: "
         "the same optimizer",
         edits={"ex4_make_trainer": TRAINER.format(body='''    if param_group:
        base = [p for n, p in net.named_parameters() if not n.startswith("fc")]
        groups = [{"params": base, "lr": learning_rate, "weight_decay": 0.001},
                  {"params": list(net.fc.parameters()), "lr": learning_rate * 10.0, "weight_decay": 0.001}]
        return torch.optim.SGD(groups, lr=learning_rate)
    return torch.optim.SGD(params=net.parameters(), lr=learning_rate, weight_decay=0.001)''')},
         fails=()),
    # --- mistakes ------------------------------------------------------------------------------
    Case("hotdog_test_resize_224", HOTDOG, 9, "test_augs resizes to 224 and crops 224 (no border "
         "trimmed): the task says resize to 256 (or the shorter side to 256) then crop 224; ex2 fails",
         edits={"ex2_test_augs": TEST_AUGS.format(steps="    transforms.Resize([224, 224]),\n    transforms.CenterCrop(224),\n"
                                                       "    transforms.ToTensor(),\n    normalize,")},
         feedback=("Resize([256, 256])",), fails=("ex2_test_augs_tests",)),
    Case("hotdog_keeps_1000_outputs", HOTDOG, 7, "the new head copies the old layer's sizes, "
         "Linear(in_features, out_features) = Linear(512, 1000): the task asks for 2 classes; ex3 fails",
         edits={"ex3_head": "old = finetune_net.fc\nfinetune_net.fc = nn.Linear(old.in_features, old.out_features)\n"
                "nn.init.xavier_uniform_(finetune_net.fc.weight)\nfinetune_net.fc"},
         feedback=("out_features=2",), fails=("ex3_head_tests",)),
]
