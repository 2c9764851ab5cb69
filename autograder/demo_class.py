"""The simulated class `make demo` grades: who answers what, and why."""

from autograder.submissions import Student

#: A partial student makes the mistakes students really make.
PARTIAL_EDITS = {
    "02_foodvision_head": {
        # Takes the old head's output size (1000 ImageNet classes) as the new head's input.
        "ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(1000, num_classes)\nnew_layer",
        # Hands every parameter of the network to the optimizer instead of the head's.
        "ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.parameters(), lr=lr)\noptimizer",
    },
    "01_concepts": {
        # Counts parameter tensors (len) instead of parameters (numel).
        "ex2_counts": ("num_trainable = len([p for p in net.parameters() if p.requires_grad])\n"
                       "num_frozen = len([p for p in net.parameters() if not p.requires_grad])\n"
                       "print(num_trainable, num_frozen)"),
        # Right rules, but "1,000 images or more is large" written as > 1000: only the threshold cases fail.
        "ex3_choose_strategy": (
            'STRATEGIES = ("feature extraction", "earlier-layer features", "full fine-tuning", "don\'t transfer")\n\n\n'
            "def choose_strategy(num_images, domain_similarity, same_input_type):\n"
            "    if not same_input_type or domain_similarity == 'none':\n"
            "        return \"don't transfer\"\n"
            "    if num_images > 1000:\n"
            "        return 'full fine-tuning'\n"
            "    return 'feature extraction' if domain_similarity == 'high' else 'earlier-layer features'\n"),
    },
    "03_hotdog_finetune": {
        # Replaces the head but keeps PyTorch's default initialisation (no Xavier-uniform).
        "ex3_head": "finetune_net.fc = nn.Linear(finetune_net.fc.in_features, 2)\nfinetune_net.fc",
        # One learning rate for everything: no parameter groups.
        "ex4_make_trainer": ("def make_trainer(net, learning_rate, param_group=True):\n"
                             "    return torch.optim.SGD(net.parameters(), lr=learning_rate, weight_decay=0.001)\n"),
    },
    "04_scratch_vs_pretrained": {
        # Counts the blocks from the input side: k = 1 unfreezes the stem instead of layer4.
        "ex1_unfreeze_last_blocks": (
            "def unfreeze_last_blocks(net, k):\n"
            "    blocks = [nn.ModuleList([net.conv1, net.bn1]), net.layer1, net.layer2, net.layer3, net.layer4]\n"
            "    for param in net.parameters():\n"
            "        param.requires_grad = False\n"
            "    for param in net.fc.parameters():\n"
            "        param.requires_grad = True\n"
            "    for block in blocks[:k]:\n"
            "        for param in block.parameters():\n"
            "            param.requires_grad = True\n"
            "    return net"),
    },
}

#: The written answers are graded by hand (01's justification, 04's reflection); the demo plays the instructor.
REFLECTION = "ex3_reflection"
JUSTIFICATION = "ex3_justification"
PARTIAL_EDITS.setdefault("04_scratch_vs_pretrained", {})[REFLECTION] = (
    "Pretrained was better than scratch because it is pretrained.")  # restates, explains nothing
PARTIAL_EDITS["01_concepts"][JUSTIFICATION] = (  # (a) right with a reason, (b) repeats the colleague's mistake
    "(a) earlier-layer features: 400 X-rays are too few to train the base, and its last features are the "
    "most ImageNet-specific.\n\n(b) don't transfer: with 2 million photos ImageNet weights add nothing.")

CLASS = [
    # the source solutions (and a full-marks reflection): full marks
    Student("reference", manual={"01_concepts": {JUSTIFICATION: 2}, "04_scratch_vs_pretrained": {REFLECTION: 3}}),
    # the untouched student version: zero
    Student("blank", solves=False, manual={"01_concepts": {JUSTIFICATION: 0},
                                           "04_scratch_vs_pretrained": {REFLECTION: 0}}),
    # some right, some wrong, a thin reflection: in between
    Student("partial", edits=PARTIAL_EDITS, manual={"01_concepts": {JUSTIFICATION: 1},
                                                    "04_scratch_vs_pretrained": {REFLECTION: 1}}),
]
