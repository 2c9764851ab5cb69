"""Concepts (01): freeze all but the head, count parameters, choose a transfer strategy."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case
from tests.corpus.cases.foodvision import FOOD

CONCEPTS = "01_concepts"
# The autograded test cells (grade ids): ex1 2 points, ex2 2, ex3's examples 3 and rules 3 (ex3's
# written justification, 2 points, is graded by hand: no corpus expectation).
EX1, EX2, EX3_EXAMPLES, EX3_RULES = ("ex1_freeze_tests", "ex2_counts_tests", "ex3_examples_tests",
                                     "ex3_rules_tests")

# Concepts: ex1 freeze all but the head 2, ex2 parameter counts 2, choose_strategy: the
# lecture's examples 3 and the rules at their thresholds 3 - 10 points.
STRATEGY_OFF_BY_ONE = '''STRATEGIES = ("feature extraction", "earlier-layer features", "full fine-tuning", "don't transfer")


def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none":
        return "don't transfer"
    if num_images > 1_000:
        return "full fine-tuning"
    return "feature extraction" if domain_similarity == "high" else "earlier-layer features"
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
    Case("concepts_reference", CONCEPTS, 10, "the instructor's solutions", fails=()),
    Case("concepts_module_api", CONCEPTS, 10, "freeze the whole module, then unfreeze the head; counts "
         "with a generator over named_parameters", fails=(),
         edits={"ex1_freeze": "net.requires_grad_(False)\nnet.fc.requires_grad_(True)",
                "ex2_counts": "num_trainable = sum(p.numel() for n, p in net.named_parameters() if p.requires_grad)\n"
                "num_frozen = sum(p.numel() for n, p in net.named_parameters()) - num_trainable"}),
    Case("concepts_head_frozen", CONCEPTS, 8, "freezes the head too: ex1 fails; ex2 counts that network "
         "right (0 trainable) and is judged on its own, with a note sending the student to ex1 (no "
         "cascade, issue 13; was 6); 2 + 6",
         edits={"ex1_freeze": "for param in net.parameters():\n    param.requires_grad = False"},
         feedback=("fix exercise 1 first",), fails=(EX1,)),
    Case("concepts_counts_swapped", CONCEPTS, 8, "trainable and frozen counts swapped: ex2 fails",
         edits={"ex2_counts": "num_frozen = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_trainable = sum(p.numel() for p in net.parameters() if not p.requires_grad)"},
         feedback=("swapped",), fails=(EX2,)),
    Case("concepts_off_by_one", CONCEPTS, 7, "`> 1_000` where the rule says 1,000 or more is large: the "
         "lecture's examples pass, the threshold test fails (3 points)",
         edits={"ex3_choose_strategy": STRATEGY_OFF_BY_ONE}, fails=(EX3_RULES,)),
    Case("concepts_patches_check", CONCEPTS, 2,
         "swapped counts, and check_counts replaced by a no-op in ex2's answer: flagged, ex2 and every "
         "later test score 0; ex1's 2 points stand",
         edits={"ex2_counts": "import tlcourse.checks.concepts as cc\ncc.check_counts = lambda *a, **k: None\n"
                "num_frozen = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_trainable = sum(p.numel() for p in net.parameters() if not p.requires_grad)"},
         feedback=("TamperingSuspected", "cc.check_counts"), fails=(EX2, EX3_EXAMPLES, EX3_RULES)),
    Case("concepts_always_equal_str", CONCEPTS, 4, "choose_strategy returns a str subclass whose __eq__ "
         "is always true: the checks and hidden tests compare its characters, so both ex3 tests fail (6 points)",
         edits={"ex3_choose_strategy": ALWAYS_EQUAL_STRATEGY}, fails=(EX3_EXAMPLES, EX3_RULES)),
    Case("concepts_always_equal_int", CONCEPTS, 8, "both counts are an int subclass whose __eq__ is always "
         "true (value 0): compared by value, ex2 fails (2 points)",
         edits={"ex2_counts": ALWAYS_EQUAL_COUNTS}, fails=(EX2,)),
    Case("concepts_numpy_counts", CONCEPTS, 10, "the counts as numpy.int64 with the right values: an "
         "honest answer, full marks",
         edits={"ex2_counts": "import numpy as np\n"
                "num_trainable = np.int64(sum(p.numel() for p in net.parameters() if p.requires_grad))\n"
                "num_frozen = np.int64(sum(p.numel() for p in net.parameters() if not p.requires_grad))"}, fails=()),
    Case("concepts_wrong_assignment", CONCEPTS, 0, "the FoodVision notebook submitted as the Concepts "
         "notebook: its cells are unknown to the gradebook and run as ordinary code; every Concepts "
         "test is put back at the end and fails (NameError)",
         transform=tamper.replace_with_release(FOOD, "foodvision_head.ipynb"), fails=EVERY_CELL),
]


def _then(*transforms):
    """Several transforms of the written file, in order."""
    def change(path):
        for transform in transforms:
            transform(path)
    return change


STRATEGIES_LINE = 'STRATEGIES = ("feature extraction", "earlier-layer features", "full fine-tuning", "don\'t transfer")\n\n\n'

# choose_strategy written as CS231n's matrix in a lookup table with a helper (rules 1-2 first).
STRATEGY_TABLE = STRATEGIES_LINE + '''MATRIX = {
    ("small", "high"): "feature extraction",
    ("small", "low"): "earlier-layer features",
    ("large", "high"): "full fine-tuning",
    ("large", "low"): "full fine-tuning",
}


def data_size(num_images):
    return "small" if num_images < 1_000 else "large"


def choose_strategy(num_images, domain_similarity, same_input_type):
    if same_input_type is False or domain_similarity == "none":
        return STRATEGIES[3]
    return MATRIX[data_size(num_images), domain_similarity]


for n, s in [(300, "high"), (5_000, "low")]:
    print(n, s, "->", choose_strategy(n, s, True))
'''

# The same rules as a flat if/elif chain, the large-data row checked after the don't-transfer rules,
# with autoreload magics on top and a debugging print inside.
STRATEGY_ELIF = '''%load_ext autoreload
%autoreload 2
''' + STRATEGIES_LINE + '''def choose_strategy(num_images, domain_similarity, same_input_type):
    print(f"debug: {num_images=} {domain_similarity=} {same_input_type=}")
    if domain_similarity == "none":
        strategy = "don't transfer"
    elif not same_input_type:
        strategy = "don't transfer"
    elif num_images >= 1000:
        strategy = "full fine-tuning"
    elif domain_similarity == "high":
        strategy = "feature extraction"
    else:
        strategy = "earlier-layer features"
    return strategy
'''

# The matrix as nested dictionaries, rows by data size, columns by similarity.
STRATEGY_NESTED = STRATEGIES_LINE + '''MATRIX = {True: {"high": STRATEGIES[0], "low": STRATEGIES[1]},
          False: {"high": STRATEGIES[2], "low": STRATEGIES[2]}}


def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity not in ("high", "low"):
        return STRATEGIES[3]
    return MATRIX[num_images < 1000][domain_similarity]
'''

STRATEGY_ARGS_SWAPPED = STRATEGIES_LINE + '''def choose_strategy(domain_similarity, num_images, same_input_type):
    if not same_input_type or domain_similarity == "none":
        return "don't transfer"
    if num_images >= 1_000:
        return "full fine-tuning"
    return "feature extraction" if domain_similarity == "high" else "earlier-layer features"
'''

# The rules as they were before CS231n's matrix: partial fine-tuning for small, different data (and
# for large, similar data), don't transfer from 1,000,000 images on.
STRATEGY_OLD_RULES = STRATEGIES_LINE + '''def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none" or num_images >= 1_000_000:
        return "don't transfer"
    if num_images < 1_000:
        return "feature extraction" if domain_similarity == "high" else "partial fine-tuning"
    return "partial fine-tuning" if domain_similarity == "high" else "full fine-tuning"
'''

# The matrix right except that a target set as large as the source gets "don't transfer".
STRATEGY_SOURCE_SIZE_NO_TRANSFER = STRATEGIES_LINE + '''def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none" or num_images >= 1_000_000:
        return "don't transfer"
    if num_images >= 1_000:
        return "full fine-tuning"
    return "feature extraction" if domain_similarity == "high" else "earlier-layer features"
'''

# Small data always gets the base's last features, whatever the similarity (the lecture notes'
# factory recipe taken as the rule).
STRATEGY_LAST_LAYER_ONLY = STRATEGIES_LINE + '''def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none":
        return "don't transfer"
    return "feature extraction" if num_images < 1_000 else "full fine-tuning"
'''

STRATEGY_CAPITALISED = STRATEGIES_LINE + '''def choose_strategy(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none":
        return "Don't transfer"
    if num_images >= 1_000:
        return "Full fine-tuning"
    return "Feature extraction" if domain_similarity == "high" else "Earlier-layer features"
'''

COUNTS_HELPER = '''def count(params):
    return sum(p.numel() for p in params)


num_trainable = count(p for p in net.parameters() if p.requires_grad)
num_frozen = count(net.parameters()) - num_trainable
print(f"trainable: {num_trainable:,}   frozen: {num_frozen:,}")'''

CASES += [
    # --- right answers in other forms: full marks ------------------------------------------------
    Case("concepts_get_submodule_helper", CONCEPTS, 10, "ex1 freezes the whole module and unfreezes "
         "net.get_submodule('fc') (the same module as net.fc); ex2 counts with a helper function and "
         "total minus trainable: the task asks for the state and the numbers, any correct way counts",
         edits={"ex1_freeze": 'net.requires_grad_(False)\nnet.get_submodule("fc").requires_grad_(True)',
                "ex2_counts": COUNTS_HELPER}, fails=()),
    Case("concepts_children_numpy", CONCEPTS, 10, "ex1 freezes every child module except the head "
         "(named_children); ex2 counts with numpy.prod of the shapes (numpy integers of the right value "
         "are numbers): right",
         edits={"ex1_freeze": 'for name, child in net.named_children():\n    if name != "fc":\n'
                '        for p in child.parameters():\n            p.requires_grad = False',
                "ex2_counts": "import numpy as np\n\nnum_trainable = sum(np.prod(p.shape) for p in net.parameters() "
                "if p.requires_grad)\nnum_frozen = sum(np.prod(p.shape) for p in net.parameters() "
                "if not p.requires_grad)\nprint(num_trainable, num_frozen)"}, fails=()),
    Case("concepts_loop_math_prod", CONCEPTS, 10, "ex1 an explicit loop with an if over parameter names; "
         "ex2 a for loop with two running totals and math.prod: right",
         edits={"ex1_freeze": 'for name, param in net.named_parameters():\n    if not name.startswith("fc"):\n'
                '        param.requires_grad = False',
                "ex2_counts": "import math\n\nnum_trainable = 0\nnum_frozen = 0\nfor p in net.parameters():\n"
                "    if p.requires_grad:\n        num_trainable += math.prod(p.shape)\n    else:\n"
                "        num_frozen += math.prod(p.shape)"}, fails=()),
    Case("concepts_display_magics", CONCEPTS, 10, "the reference with display and timing habits: "
         "%matplotlib inline, %config InlineBackend, print debugging in ex1, %time on ex2's counts; "
         "they change nothing the task asks for: full marks",
         edits={"ex1_freeze": '%matplotlib inline\n%config InlineBackend.figure_format = "retina"\n'
                'for name, param in net.named_parameters():\n    param.requires_grad = name.startswith("fc.")\n'
                '    print(name, param.requires_grad)',
                "ex2_counts": "%time num_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "%time num_frozen = sum(p.numel() for p in net.parameters() if not p.requires_grad)\n"
                'print(f"trainable: {num_trainable:,}   frozen: {num_frozen:,}")'}, fails=()),
    Case("concepts_rerun_and_capture", CONCEPTS, 10, "ex1's answer run twice (freezing is idempotent) and "
         "ex2's cell under %%capture (its print is hidden, the variables are set): right",
         edits={"ex1_freeze": "net.requires_grad_(False)\nnet.fc.requires_grad_(True)\n\n"
                "# ran the cell again\nnet.requires_grad_(False)\nnet.fc.requires_grad_(True)",
                "ex2_counts": "%%capture\nnum_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_frozen = sum(p.numel() for p in net.parameters() if not p.requires_grad)\n"
                "print(num_trainable, num_frozen)"}, fails=()),
    Case("concepts_rules_table", CONCEPTS, 10, "choose_strategy as a lookup table of CS231n's matrix with a "
         "helper for the data size, rules 1-2 first: the same answer in every situation, full marks",
         edits={"ex3_choose_strategy": STRATEGY_TABLE}, fails=()),
    Case("concepts_rules_elif", CONCEPTS, 10, "choose_strategy as a flat if/elif chain that checks rule 2 "
         "before rule 1 (both give don't transfer, so their order changes no answer) and the large-data row "
         "before the small one, a debugging print inside, %load_ext autoreload on top: right",
         edits={"ex3_choose_strategy": STRATEGY_ELIF}, fails=()),
    Case("concepts_matrix_nested_dict", CONCEPTS, 10, "choose_strategy as the matrix in nested dicts keyed "
         "by `num_images < 1000` and the similarity, the strings taken from STRATEGIES by index: the task "
         "asks for the table's strings, any form counts: right",
         edits={"ex3_choose_strategy": STRATEGY_NESTED}, fails=()),
    Case("concepts_extra_cells", CONCEPTS, 10, "the reference with cells of the student's own before "
         "exercise 1's and exercise 3's tests (printing the trainable names, trying a few calls, "
         "`!ls`): extra cells that change nothing cost nothing",
         transform=_then(
             tamper.insert_cell_before(EX1, "print([n for n, p in net.named_parameters() if p.requires_grad])\n!ls"),
             tamper.insert_cell_before(EX3_EXAMPLES, "for n in (10, 999, 1_000, 10**6):\n"
                                       "    print(n, choose_strategy(n, 'low', True))")), fails=()),
    # --- mistakes: the exercise that holds the mistake scores 0, the others keep their points ------
    Case("concepts_weights_only_frozen", CONCEPTS, 8, "freezes only the tensors called weight: the biases "
         "and batch-norm shifts of the base still learn, so ex1 fails (the task: every parameter outside "
         "net.fc); ex2 counts that network right and is judged on its own (no cascade)",
         edits={"ex1_freeze": 'for name, param in net.named_parameters():\n'
                '    if name.endswith("weight") and not name.startswith("fc"):\n        param.requires_grad = False'},
         fails=(EX1,), feedback=("fix exercise 1 first",)),
    Case("concepts_head_replaced", CONCEPTS, 8, "freezes everything, then replaces net.fc by a fresh "
         "Linear(512, 5): the flags look right, but the task says net keeps its layers and weights (the "
         "head is not replaced), so ex1's hidden test fails; ex2 counts that network right",
         edits={"ex1_freeze": "net.requires_grad_(False)\nnet.fc = nn.Linear(512, 5)"},
         fails=(EX1,), feedback=("replaced by a new layer",)),
    Case("concepts_rebuilt_net", CONCEPTS, 8, "builds a new ResNet-18 (other random weights) and freezes "
         "that: net no longer has the weights the notebook gave it, which the task forbids: ex1 fails; ex2 "
         "counts the network it has right",
         edits={"ex1_freeze": "net = torchvision.models.resnet18(weights=None)\nnet.fc = nn.Linear(512, 5)\n"
                "for name, param in net.named_parameters():\n    param.requires_grad = name.startswith('fc.')"},
         fails=(EX1,), feedback=("rebuilt",)),
    Case("concepts_counts_tensors", CONCEPTS, 8, "counts parameter tensors (len) instead of numbers (numel): "
         "the task asks for numbers, ex2 fails",
         edits={"ex2_counts": "num_trainable = len([p for p in net.parameters() if p.requires_grad])\n"
                "num_frozen = len([p for p in net.parameters() if not p.requires_grad])"},
         fails=(EX2,), feedback=("tensors",)),
    Case("concepts_frozen_is_total", CONCEPTS, 8, "num_frozen counts every parameter of the network, the "
         "trainable head included: ex2 fails",
         edits={"ex2_counts": "num_trainable = sum(p.numel() for p in net.fc.parameters())\n"
                "num_frozen = sum(p.numel() for p in net.parameters())"},
         fails=(EX2,), feedback=("every parameter of the network",)),
    Case("concepts_args_swapped", CONCEPTS, 4, "choose_strategy takes (domain_similarity, num_images, ...): "
         "the task fixes the argument order, every call compares a string with a number: both ex3 tests fail",
         edits={"ex3_choose_strategy": STRATEGY_ARGS_SWAPPED}, fails=(EX3_EXAMPLES, EX3_RULES)),
    Case("concepts_old_rules", CONCEPTS, 4, "the rules before CS231n's matrix: partial fine-tuning for the "
         "factory's 300 images of a different domain, don't transfer from 1,000,000 images; the task's table "
         "says earlier-layer features and full fine-tuning, and its strings exclude partial fine-tuning: "
         "both ex3 tests fail (the factory case is among the examples)",
         edits={"ex3_choose_strategy": STRATEGY_OLD_RULES}, fails=(EX3_EXAMPLES, EX3_RULES),
         feedback=("between the matrix's corners",)),
    Case("concepts_source_size_no_transfer", CONCEPTS, 7, "the matrix right, but 1,000,000 images or more "
         "gets don't transfer; the task's rule 3c says full fine-tuning however large (pretrained "
         "initialisation still helps): the examples pass, the rules test at 1,000,000 fails (3 points)",
         edits={"ex3_choose_strategy": STRATEGY_SOURCE_SIZE_NO_TRANSFER}, fails=(EX3_RULES,),
         feedback=("pretrained initialisation still helps",)),
    Case("concepts_last_layer_only", CONCEPTS, 4, "small data always gets feature extraction from the last "
         "layer, the similarity ignored; the task's rule 3b says earlier-layer features for small, different "
         "data (the factory example): both ex3 tests fail",
         edits={"ex3_choose_strategy": STRATEGY_LAST_LAYER_ONLY}, fails=(EX3_EXAMPLES, EX3_RULES),
         feedback=("Freezing was right",)),
    Case("concepts_capitalised", CONCEPTS, 4, "returns 'Feature extraction' etc.: the task asks for one of "
         "the four strings in STRATEGIES, exactly: both ex3 tests fail",
         edits={"ex3_choose_strategy": STRATEGY_CAPITALISED}, fails=(EX3_EXAMPLES, EX3_RULES)),
]

# --- more right answers to exercises 1 and 2 (issue 13, second round) -----------------------------
# Exercise 1's task: every parameter outside net.fc gets requires_grad False, net.fc's stay trainable,
# net keeps its layers and weights; "any correct way counts". Exercise 2's: the numbers of trainable
# and frozen parameters of net, computed from net. Exercise 3 stays the reference (its rules may change).
FREEZE_TYPED_HELPER = '''def freeze_all_but_head(model: nn.Module, head: str = "fc") -> None:
    """Freeze every parameter of model except those of its head (requires_grad only)."""
    for name, param in model.named_parameters():
        param.requires_grad = name.split(".")[0] == head


freeze_all_but_head(net)'''

COUNTS_TYPED_HELPER = '''def count_params(model: nn.Module, trainable: bool) -> int:
    """Number of parameter values (not tensors) of model whose requires_grad is `trainable`."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad == trainable)


num_trainable: int = count_params(net, trainable=True)
num_frozen: int = count_params(net, trainable=False)'''

COUNTS_COUNTER = '''from collections import Counter

counts = Counter()
for p in net.parameters():
    counts[p.requires_grad] += p.numel()
num_trainable, num_frozen = counts[True], counts[False]'''

COUNTS_PANDAS = '''import pandas as pd

params = pd.DataFrame([(name, p.numel(), p.requires_grad) for name, p in net.named_parameters()],
                      columns=["name", "size", "trainable"])
num_trainable = params.loc[params.trainable, "size"].sum()
num_frozen = params.loc[~params.trainable, "size"].sum()
params.tail()'''

CASES += [
    Case("concepts_typed_helpers", CONCEPTS, 10, "ex1 and ex2 as helper functions with type hints and "
         "docstrings, called on net (ex1 compares the top-level module name with 'fc'; ex2 counts "
         "numel where requires_grad matches a flag, annotated assignments): the state and the numbers "
         "the tasks ask for, any correct way counts: full marks",
         edits={"ex1_freeze": FREEZE_TYPED_HELPER, "ex2_counts": COUNTS_TYPED_HELPER}, fails=()),
    Case("concepts_children_slice_counter", CONCEPTS, 10, "ex1 freezes every child but the last one "
         "(list(net.children())[:-1]: in torchvision's ResNet the last child is fc) with requires_grad_; "
         "ex2 adds numel into a collections.Counter keyed by requires_grad: right",
         edits={"ex1_freeze": "for child in list(net.children())[:-1]:\n    child.requires_grad_(False)",
                "ex2_counts": COUNTS_COUNTER}, fails=()),
    Case("concepts_head_tensors_vector", CONCEPTS, 10, "ex1 freezes the module, then sets requires_grad "
         "on net.fc.weight and net.fc.bias by hand; ex2 counts with "
         "torch.nn.utils.parameters_to_vector(...).numel() (a plain int): right",
         edits={"ex1_freeze": "net.requires_grad_(False)\nnet.fc.weight.requires_grad = True\nnet.fc.bias.requires_grad = True",
                "ex2_counts": "from torch.nn.utils import parameters_to_vector\n\n"
                "num_trainable = parameters_to_vector([p for p in net.parameters() if p.requires_grad]).numel()\n"
                "num_frozen = parameters_to_vector([p for p in net.parameters() if not p.requires_grad]).numel()"},
         fails=()),
    Case("concepts_id_set_functional", CONCEPTS, 10, "ex1 compares tensor ids with a set of the head's "
         "ids; ex2 the functional torch.numel mapped over filter(...): the same state and numbers, right",
         edits={"ex1_freeze": "head_ids = {id(p) for p in net.fc.parameters()}\nfor p in net.parameters():\n"
                "    p.requires_grad = id(p) in head_ids",
                "ex2_counts": "num_trainable = sum(map(torch.numel, filter(lambda p: p.requires_grad, net.parameters())))\n"
                "num_frozen = sum(map(torch.numel, filter(lambda p: not p.requires_grad, net.parameters())))"},
         fails=()),
    Case("concepts_pandas_table", CONCEPTS, 10, "ex2 builds a pandas table of the parameters and sums the "
         "size column per flag: numpy.int64 of the right value (an honest number, the task asks for the "
         "number); ex1 two loops with p.requires_grad_(False) / (True): right",
         edits={"ex1_freeze": "for p in net.parameters():\n    p.requires_grad_(False)\nfor p in net.fc.parameters():\n"
                "    p.requires_grad_(True)",
                "ex2_counts": COUNTS_PANDAS}, fails=()),
    Case("concepts_fc_count_minus", CONCEPTS, 10, "ex2 counts the head's parameters as the trainable "
         "ones and the rest by subtraction from the total (right, since ex1 left exactly the head "
         "trainable); ex1 freezes the named children listed by hand (conv1, bn1, layer1-4): right",
         edits={"ex1_freeze": "for module in (net.conv1, net.bn1, net.layer1, net.layer2, net.layer3, net.layer4):\n"
                "    module.requires_grad_(False)",
                "ex2_counts": "total = sum(p.numel() for p in net.parameters())\n"
                "num_trainable = sum(p.numel() for p in net.fc.parameters())\nnum_frozen = total - num_trainable"},
         fails=()),
    Case("concepts_whos_precision", CONCEPTS, 10, "the reference answers with %whos after ex1 (lists the "
         "notebook's variables), %precision 3 and a %%time cell magic on ex2: display and timing magics "
         "cost nothing",
         edits={"ex1_freeze": 'for name, param in net.named_parameters():\n    param.requires_grad = name.startswith("fc.")\n%whos',
                "ex2_counts": "%%time\n%precision 3\nnum_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_frozen = sum(p.numel() for p in net.parameters() if not p.requires_grad)\n"
                'print(f"trainable: {num_trainable:,}   frozen: {num_frozen:,}")'}, fails=()),
    Case("concepts_size_prod_asserts", CONCEPTS, 10, "ex2 with p.size() and torch.tensor(...).prod() made "
         "int, and the student's own sanity asserts (the two add up to the total); ex1 a list "
         "comprehension of the base tensors then a loop: right",
         edits={"ex1_freeze": 'base = [p for n, p in net.named_parameters() if not n.startswith("fc.")]\n'
                "for p in base:\n    p.requires_grad = False",
                "ex2_counts": "sizes = [(int(torch.tensor(p.size()).prod()), p.requires_grad) for p in net.parameters()]\n"
                "num_trainable = sum(n for n, trainable in sizes if trainable)\n"
                "num_frozen = sum(n for n, trainable in sizes if not trainable)\n"
                "assert num_trainable + num_frozen == sum(p.numel() for p in net.parameters())\n"
                "assert num_trainable < num_frozen"}, fails=()),
    # --- mistakes ------------------------------------------------------------------------------
    Case("concepts_counts_state_dict", CONCEPTS, 8, "num_frozen = everything in net.state_dict() minus the "
         "trainable count: state_dict also holds the batch-norm buffers (running means, variances), "
         "which are not parameters; the task asks for parameters: ex2 fails",
         edits={"ex2_counts": "num_trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                "num_frozen = sum(v.numel() for v in net.state_dict().values()) - num_trainable"},
         fails=(EX2,), feedback=("as many as the network's buffers",)),
    Case("concepts_conv_only_frozen", CONCEPTS, 8, "freezes only the Conv2d modules (isinstance over "
         "net.modules()): the batch-norm weights and biases of the base still learn, and the task says "
         "every parameter outside net.fc: ex1 fails; ex2 counts that network right (no cascade)",
         edits={"ex1_freeze": "for m in net.modules():\n    if isinstance(m, nn.Conv2d):\n"
                "        m.requires_grad_(False)"},
         fails=(EX1,), feedback=("base tensors still trainable", "fix exercise 1 first")),
]
