"""Concepts (01): freeze all but the head, count parameters, choose a transfer strategy."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case  # noqa: F401
from tests.corpus.cases.foodvision import FOOD

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

CASES = [
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
