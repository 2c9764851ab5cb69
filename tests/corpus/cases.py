"""The submission corpus: every case is a student notebook, its expected score and why.

A case starts from the released student notebook with the instructor's solutions
filled in (``solves=True``) or left blank, replaces answer cells by grade_id
(``edits``), and may then post-process the written file (``transform``, see
tamper.py). ``score`` is what real nbgrader must give; ``graded=False`` means
nbgrader must refuse the file and say why (``reason_contains``), while every
other student is still graded. ``feedback`` lists phrases the generated feedback
must show, so a student learns which mistake cost the points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.corpus import tamper

FOOD = "02_foodvision_head"


@dataclass(frozen=True)
class Case:
    id: str
    assignment: str
    score: float
    why: str
    edits: dict = field(default_factory=dict)
    solves: bool = True
    transform: object = None
    missing: bool = False
    graded: bool = True
    reason_contains: str = ""
    feedback: tuple = ()


# FoodVision head challenge: ex1 in_features 1, ex2 freeze 2, ex3 new layer 2,
# ex4 head in place 2, ex5 optimizer 3 - 10 points.
WRONG_LAYER = "num_classes = 7\nnew_layer = torch.nn.Linear(1000, num_classes)\nnew_layer"

FOOD_CASES = [
    # --- correct answers in other styles: full marks --------------------------------------
    Case("food_reference", FOOD, 10, "the instructor's solutions"),
    Case("food_keywords", FOOD, 10, "keyword arguments and a literal 0.001",
         edits={"ex3_new_layer": "new_layer = torch.nn.Linear(in_features=in_features, out_features=7)",
                "ex5_optimizer": "optimizer = torch.optim.Adam(params=net.fc.parameters(), lr=0.001)"}),
    Case("food_module_api", FOOD, 10, "requires_grad_(False) on the module, shape read from the weight, nn.Linear(512, 7)",
         edits={"ex1_in_features": "in_features = net.fc.weight.shape[1]",
                "ex2_freeze": "net.requires_grad_(False)",
                "ex3_new_layer": "new_layer = nn.Linear(512, 7)"}),
    Case("food_filter_trainable", FOOD, 10, "the optimizer takes the parameters that still need gradients",
         edits={"ex5_optimizer": "optimizer = torch.optim.Adam(\n"
                "    [p for p in net.parameters() if p.requires_grad], lr=1e-3)"}),
    Case("food_explicit_tensors", FOOD, 10, "setattr for the head, the optimizer over the two named tensors",
         edits={"ex4_replace_head": "setattr(net, 'fc', new_layer)",
                "ex5_optimizer": "optimizer = torch.optim.Adam([new_layer.weight, new_layer.bias], lr=1e-3)"}),
    Case("food_torch_warnings", FOOD, 10,
         "right answers; a forward pre-hook calls a deprecated torch API, so torch's FutureWarning reaches "
         "the stderr of the test cells that run the network (ex4's hidden test starts a forward pass) - "
         "it must cost nothing",
         edits={"ex4_replace_head": "import warnings\nwarnings.simplefilter('always')\nnet.fc = new_layer\n"
                "net.register_forward_pre_hook(lambda m, i: torch.cuda.amp.autocast(enabled=False) and None)"},
         feedback=("[stderr]", "deprecated")),
    Case("food_extra_cells", FOOD, 10, "extra cells of the student's own (prints, a plot of nothing) change nothing",
         transform=tamper.insert_cell_before("ex3_new_layer", "print(net.fc)\nprint(sum(p.numel() for p in net.parameters()))")),
    # --- the mistakes students make: partial marks, feedback names the mistake --------------
    Case("food_linear_1000_7", FOOD, 8,
         "Linear(1000, 7): ex3 fails; ex4 (the layer is in place) and ex5 (an optimizer over the head) are "
         "right and judged on their own (no cascade, issue 13; was 3); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": WRONG_LAYER}, feedback=("not the 1000 ImageNet scores",)),
    Case("food_linear_512_5", FOOD, 8,
         "Linear(512, 5): ex3 fails; putting that layer in place (ex4) is right on its own (no cascade, "
         "issue 13; was 6); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "num_classes = 5\nnew_layer = torch.nn.Linear(in_features, num_classes)"},
         feedback=("FoodVision-7's 7 classes",)),
    Case("food_head_frozen", FOOD, 8,
         "freezes after attaching the head: ex4 (head frozen) fails; ex5's optimizer over the head is right "
         "and its step is judged on its own (no cascade, issue 13; was 5); 1 + 2 + 2 + 3",
         edits={"ex4_replace_head": "net.fc = new_layer\nfor p in net.parameters():\n    p.requires_grad = False"},
         feedback=("a frozen head cannot learn",)),
    Case("food_base_trainable", FOOD, 8,
         "never freezes the base: ex2 fails; ex4 puts the head in place, right on its own, with a note "
         "sending the student to ex2 (no cascade, issue 13; was 6); 1 + 2 + 2 + 3",
         edits={"ex2_freeze": "pass"}, feedback=("still trainable", "fix exercise 2 first")),
    Case("food_optimizer_all", FOOD, 7, "Adam over every parameter of the network: ex5 fails",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.parameters(), lr=lr)"},
         feedback=("including base tensors",)),
    Case("food_swapped_args", FOOD, 8, "Linear(7, 512): ex3 fails; ex4 and ex5 are right on their own "
         "(no cascade, issue 13; was 3); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "new_layer = torch.nn.Linear(7, 512)"}, feedback=("swapped",)),
    Case("food_out_features", FOOD, 7,
         "reads the OLD head's out_features (1000): ex1 fails and the 1000 carries into ex3, whose task says "
         "to use ex1's in_features; ex4 and ex5 are right on their own (no cascade, issue 13; was 2); 2 + 2 + 3",
         edits={"ex1_in_features": "in_features = net.fc.out_features"}, feedback=("OLD head's out_features",)),
    Case("food_sgd", FOOD, 7, "SGD instead of Adam: ex5 fails",
         edits={"ex5_optimizer": "optimizer = torch.optim.SGD(net.fc.parameters(), lr=1e-3)"},
         feedback=("torch.optim.Adam",)),
    Case("food_optimizer_too_early", FOOD, 7,
         "builds the optimizer before replacing the head, so it holds the old head's tensors: ex5 fails",
         edits={"ex4_replace_head": "optimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-3)\nnet.fc = new_layer",
                "ex5_optimizer": "lr = 1e-3"},
         feedback=("no longer net.fc",)),
    Case("food_fake_in_features", FOOD, 8,
         "Linear(1000, 7) relabelled in_features = 512: the visible check is fooled, ex3's hidden forward "
         "pass is not; same score as the plain mistake (no cascade, issue 13; was 3)",
         edits={"ex3_new_layer": WRONG_LAYER + "\nnew_layer.in_features = 512"}),
    Case("food_blank_ex1", FOOD, 5,
         "ex1 left blank: NameError in ex1, ex3 and ex4; ex5's Adam over net.fc.parameters() is right on "
         "its own (no cascade, issue 13; was 2); 2 + 3",
         edits={"ex1_in_features": "# YOUR CODE HERE\nraise NotImplementedError()"}),
    Case("food_blank", FOOD, 0, "the untouched student notebook", solves=False),
    # --- tampering: the real answer is graded, or the cell scores 0 with the reason ----------
    Case("food_edits_tests", FOOD, 8, "wrong layer, and the ex3/ex4 test cells rewritten to `pass`: "
         "nbgrader restores locked cells from the gradebook; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=lambda p: (tamper.replace_test_code("ex3_new_layer_tests", "pass")(p),
                              tamper.replace_test_code("ex4_replace_head_tests", "pass")(p))),
    Case("food_deletes_tests", FOOD, 8, "wrong layer, and the ex3/ex4 test cells deleted: they are put "
         "back (OverwriteCells.add_missing_cells); ex3's fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.delete_cells("ex3_new_layer_tests", "ex4_replace_head_tests")),
    Case("food_points_inflated", FOOD, 8, "wrong layer; the ex3 test cell unlocked, emptied and set to "
         "100 points: points and code come back from the gradebook; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.unlock_and_raise_points("ex3_new_layer_tests", 100)),
    Case("food_fake_outputs", FOOD, 8, "wrong layer; every graded cell shipped with a 'Correct' output: "
         "outputs are cleared and the notebook runs again; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.fake_outputs("Correct: well done.\n")),
    Case("food_patches_check", FOOD, 3,
         "wrong layer, and check_linear replaced by a no-op before the tests: flagged as tampering, "
         "every graded cell after it scores 0 (ex1 + ex2 stand)",
         edits={"ex3_new_layer": WRONG_LAYER + "\nimport tlcourse.checks.heads as h\n"
                "h.check_linear = lambda *args, **kwargs: None"},
         feedback=("TamperingSuspected", "h.check_linear")),
    Case("food_patches_require", FOOD, 3,
         "optimizer over every parameter, and the checks' require() made a no-op: flagged, ex3-ex5 score 0",
         edits={"ex3_new_layer": "import tlcourse.checks.base as base\nbase.require = lambda *a, **k: None\n"
                "new_layer = torch.nn.Linear(in_features, 7)",
                "ex5_optimizer": "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)"},
         feedback=("TamperingSuspected",)),
    Case("food_patches_torch", FOOD, 7,
         "optimizer over every parameter, torch.equal patched to always agree (in ex5's answer): "
         "flagged, ex5 scores 0",
         edits={"ex5_optimizer": "torch.equal = lambda a, b: True\n"
                "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)"},
         feedback=("TamperingSuspected", "torch.equal")),
    Case("food_swallows_errors", FOOD, 5,
         "head frozen too, and the shell told to swallow every exception: nbgrader still sees the "
         "error replies, and the scan flags get_ipython(); ex4 and ex5 score 0",
         edits={"ex4_replace_head": "net.fc = new_layer\nfor p in net.parameters():\n    p.requires_grad = False\n"
                "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)"}),
    Case("food_input_transformer", FOOD, 0,
         "wrong layer, and an input transformer that rewrites every later cell to `pass` (the strongest "
         "in-kernel attack): flagged, every graded cell after it scores 0 - ex1's test comes later too",
         edits={"ex1_in_features": "in_features = 512\nip = get_ipython()\n"
                "ip.input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
                "ex3_new_layer": WRONG_LAYER}),
    Case("food_metadata_stripped", FOOD, 10,
         "every cell's nbgrader metadata removed, right answers: the tests are put back from the "
         "gradebook (at the end) and grade the real answers",
         transform=tamper.strip_nbgrader_metadata),
    Case("food_metadata_stripped_wrong", FOOD, 8,
         "metadata removed and Linear(1000, 7): the restored tests fail ex3 as usual (no cascade, issue 13; was 3)",
         edits={"ex3_new_layer": WRONG_LAYER}, transform=tamper.strip_nbgrader_metadata),
    # --- faults: graded or reported with a reason; the run goes on --------------------------
    Case("food_infinite_loop", FOOD, 7, "an endless loop in ex5's answer: interrupted at the per-cell "
         "limit, ex5 scores 0 and the rest is graded",
         edits={"ex5_optimizer": "while True:\n    pass"}, feedback=("CellTimeoutError",)),
    Case("food_os_exit", FOOD, 3, "os._exit(0) in ex3's answer: the kernel dies; ex1 + ex2 keep their "
         "points, later cells are marked as not run", edits={"ex3_new_layer": "import os\nos._exit(0)"},
         feedback=("KernelDied",)),
    Case("food_sys_exit", FOOD, 6, "sys.exit() in ex3's answer: IPython turns it into an error in that "
         "cell and the kernel lives on; new_layer never exists, so ex3 and ex4 fail; ex5's optimizer "
         "over net.fc is right on its own (no cascade, issue 13; was 3); 1 + 2 + 3",
         edits={"ex3_new_layer": "import sys\nsys.exit('giving up')"}),
    Case("food_huge_allocation", FOOD, 7, "a 12 GiB allocation in ex5's answer: MemoryError inside that "
         "kernel (memory cap), ex5 scores 0, the machine is untouched",
         edits={"ex5_optimizer": "big = bytearray(12 * 2**30)\noptimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-3)"},
         feedback=("MemoryError",)),
    Case("food_floods_output", FOOD, 10, "prints 50 MB before the right answer: output is cut at 1 MB, "
         "the answer is graded normally",
         edits={"ex1_in_features": "for _ in range(50):\n    print('x' * 1_000_000)\nin_features = net.fc.in_features"},
         feedback=("output truncated",)),
    Case("food_not_json", FOOD, 0, "a file cut off half-way: nbgrader cannot read it", transform=tamper.not_json,
         graded=False, reason_contains="JSON"),
    Case("food_missing", FOOD, 0, "no notebook in the submission folder: reported, recorded as 0",
         missing=True, graded=False, reason_contains="recorded as 0"),
    Case("food_renamed", FOOD, 0, "the notebook saved under another name: unknown file skipped, "
         "the expected notebook is missing: reported, recorded as 0",
         transform=tamper.rename_to("foodvision_head (1).ipynb"), graded=False, reason_contains="recorded as 0"),
]


CONCEPTS = "01_concepts"

# Concepts: ex1 freeze all but the head 2, ex2 parameter counts 2, choose_strategy: the
# lecture's examples 3 and the rules at their thresholds 3 - 10 points.
STRATEGY_OFF_BY_ONE = '''STRATEGIES = ("feature extraction", "partial fine-tuning", "full fine-tuning", "don't transfer")


def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none" or num_images >= 1_000_000:
        return "don't transfer"
    small = num_images <= 1_000
    if domain_similarity == "high":
        return "feature extraction" if small else "partial fine-tuning"
    return "partial fine-tuning" if small else "full fine-tuning"
'''


def always_equal_class(name: str, base: str) -> str:
    """Source of a ``base`` subclass whose instances claim to equal anything."""
    return (f"class {name}({base}):\n    def __eq__(self, other):\n        return True\n\n"
            f"    def __ne__(self, other):\n        return False\n\n    __hash__ = {base}.__hash__\n\n\n")


# Answers that claim to equal anything: the checks compare plain copies (tlcourse.checks.base).
ALWAYS_EQUAL_STRATEGY = always_equal_class("Answer", "str") + (
    "def choose_strategy(num_images, domain_similarity, same_input_type):\n"
    "    return Answer('feature extraction')\n")
ALWAYS_EQUAL_COUNTS = always_equal_class("Count", "int") + "num_trainable, num_frozen = Count(0), Count(0)\n"

CONCEPTS_CASES = [
    Case("concepts_reference", CONCEPTS, 10, "the instructor's solutions"),
    Case("concepts_module_api", CONCEPTS, 10, "freeze the whole module, then unfreeze the head; counts "
         "with a generator over named_parameters",
         edits={"ex1_freeze": "net.requires_grad_(False)\nnet.fc.requires_grad_(True)",
                "ex2_counts": "num_trainable = sum(p.numel() for n, p in net.named_parameters() if p.requires_grad)\n"
                "num_frozen = sum(p.numel() for n, p in net.named_parameters()) - num_trainable"}),
    Case("concepts_head_frozen", CONCEPTS, 8, "freezes the head too: ex1 fails; ex2 counts that network "
         "right (0 trainable) and is judged on its own, with a note sending the student to ex1 (no "
         "cascade, issue 13; was 6); 2 + 6",
         edits={"ex1_freeze": "for param in net.parameters():\n    param.requires_grad = False"},
         feedback=("fix exercise 1 first",)),
    Case("concepts_counts_swapped", CONCEPTS, 8, "trainable and frozen counts swapped: ex2 fails",
         edits={"ex2_counts": "num_frozen = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_trainable = sum(p.numel() for p in net.parameters() if not p.requires_grad)"},
         feedback=("swapped",)),
    Case("concepts_off_by_one", CONCEPTS, 7, "`<= 1_000` where the rule says fewer than 1,000: the "
         "lecture's examples pass, the threshold test fails (3 points)",
         edits={"ex3_choose_strategy": STRATEGY_OFF_BY_ONE}),
    Case("concepts_patches_check", CONCEPTS, 2,
         "swapped counts, and check_counts replaced by a no-op in ex2's answer: flagged, ex2 and every "
         "later test score 0; ex1's 2 points stand",
         edits={"ex2_counts": "import tlcourse.checks.concepts as cc\ncc.check_counts = lambda *a, **k: None\n"
                "num_frozen = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_trainable = sum(p.numel() for p in net.parameters() if not p.requires_grad)"},
         feedback=("TamperingSuspected", "cc.check_counts")),
    Case("concepts_always_equal_str", CONCEPTS, 4, "choose_strategy returns a str subclass whose __eq__ "
         "is always true: the checks and hidden tests compare its characters, so both ex3 tests fail (6 points)",
         edits={"ex3_choose_strategy": ALWAYS_EQUAL_STRATEGY}),
    Case("concepts_always_equal_int", CONCEPTS, 8, "both counts are an int subclass whose __eq__ is always "
         "true (value 0): compared by value, ex2 fails (2 points)",
         edits={"ex2_counts": ALWAYS_EQUAL_COUNTS}),
    Case("concepts_numpy_counts", CONCEPTS, 10, "the counts as numpy.int64 with the right values: an "
         "honest answer, full marks",
         edits={"ex2_counts": "import numpy as np\n"
                "num_trainable = np.int64(sum(p.numel() for p in net.parameters() if p.requires_grad))\n"
                "num_frozen = np.int64(sum(p.numel() for p in net.parameters() if not p.requires_grad))"}),
    Case("concepts_wrong_assignment", CONCEPTS, 0, "the FoodVision notebook submitted as the Concepts "
         "notebook: its cells are unknown to the gradebook and run as ordinary code; every Concepts "
         "test is put back at the end and fails (NameError)",
         transform=tamper.replace_with_release(FOOD, "foodvision_head.ipynb")),
]


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

HOTDOG_CASES = [
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

SCRATCH = "04_scratch_vs_pretrained"

# Scratch vs pretrained: ex1 unfreeze_last_blocks 4, ex2 summarize 3 (automatic), plus a
# 3-point written reflection graded by hand (not part of an automatic score).
SCRATCH_CASES = [
    Case("scratch_reference", SCRATCH, 7, "the instructor's solutions: every automatic point; the "
         "reflection waits for a human"),
    Case("scratch_one_block_too_many", SCRATCH, 3, "unfreezes the last k + 1 blocks: ex1 fails",
         edits={"ex1_unfreeze_last_blocks": '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    for param in net.parameters():
        param.requires_grad = False
    for param in net.fc.parameters():
        param.requires_grad = True
    for block in blocks[:k + 1]:
        for param in block.parameters():
            param.requires_grad = True
    return net'''}),
    Case("scratch_first_epoch", SCRATCH, 4, "reports the first epoch's accuracy instead of the last: ex2 fails",
         edits={"ex2_summarize": '''def summarize(runs):
    return {strategy: {"accuracy": history.test_acc[0], "seconds": sum(history.seconds),
                       "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                       "total_params": sum(p.numel() for p in net.parameters())}
            for strategy, (net, history) in runs.items()}'''}),
]

CASES = FOOD_CASES + CONCEPTS_CASES + HOTDOG_CASES + SCRATCH_CASES
