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

CASES = [
    Case("hotdog_reference", HOTDOG, 10, "the instructor's solutions"),
    Case("hotdog_id_groups", HOTDOG, 10, "parameter groups built from tensor ids, `1e-3` written out",
         edits={"ex4_make_trainer": MAKE_TRAINER.format(base_lr="learning_rate", head_lr="learning_rate * 10")}),
    Case("hotdog_wrong_normalize", HOTDOG, 8,
         "mean and std 0.5 instead of ImageNet's statistics: ex1 fails; ex2's test transform is right and "
         "is judged with ImageNet's statistics in place of the reused normalize (no cascade, issue 13; "
         "was 7); 1 + 3 + 4",
         edits={"ex1_train_augs": TRAIN_AUGS.format(mean="[0.5, 0.5, 0.5]", std="[0.5, 0.5, 0.5]")},
         feedback=("statistics of ImageNet", "fix exercise 1 first")),
    Case("hotdog_lr_swapped", HOTDOG, 6,
         "learning-rate groups swapped (base at 10x, head at 1x): ex4 fails",
         edits={"ex4_make_trainer": MAKE_TRAINER.format(base_lr="learning_rate * 10", head_lr="learning_rate")}),
    Case("hotdog_default_init", HOTDOG, 7, "new head without Xavier-uniform re-initialisation: ex3 fails",
         edits={"ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\nfinetune_net.fc"},
         feedback=("default initialisation",)),
]
