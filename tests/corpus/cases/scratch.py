"""Scratch vs pretrained (04): unfreeze the last k blocks, summarise a training history."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case  # noqa: F401

SCRATCH = "04_scratch_vs_pretrained"
# The autograded test cells (grade ids): ex1 4 points, ex2 3, ex4 2; the reflection is graded by hand.
EX1, EX2 = "ex1_unfreeze_last_blocks_tests", "ex2_summarize_tests"
EX4 = "ex4_pick_learning_rate_tests"

# Scratch vs pretrained: ex1 unfreeze_last_blocks 4, ex2 summarize 3, ex4 pick_learning_rate 2
# (automatic), plus a 3-point written reflection graded by hand (not part of an automatic score).
CASES = [
    Case("scratch_reference", SCRATCH, 9, "the instructor's solutions: every automatic point; the "
         "reflection waits for a human", fails=()),
    Case("scratch_one_block_too_many", SCRATCH, 5, "unfreezes the last k + 1 blocks: ex1 fails",
         edits={"ex1_unfreeze_last_blocks": '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    for param in net.parameters():
        param.requires_grad = False
    for param in net.fc.parameters():
        param.requires_grad = True
    for block in blocks[:k + 1]:
        for param in block.parameters():
            param.requires_grad = True
    return net'''}, fails=(EX1,)),
    Case("scratch_first_epoch", SCRATCH, 6, "reports the first epoch's accuracy instead of the last: ex2 fails",
         edits={"ex2_summarize": '''def summarize(runs):
    return {strategy: {"accuracy": history.test_acc[0], "seconds": sum(history.seconds),
                       "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                       "total_params": sum(p.numel() for p in net.parameters())}
            for strategy, (net, history) in runs.items()}'''}, fails=(EX2,)),
]


def _then(*transforms):
    """Several transforms of the written file, in order."""
    def change(path):
        for transform in transforms:
            transform(path)
    return change


def _unfreeze(body: str) -> dict:
    """ex1's answer cell: ``body`` is the whole cell."""
    return {"ex1_unfreeze_last_blocks": body}


def _summary(body: str) -> dict:
    return {"ex2_summarize": body}


# --- ex1, right in other forms ---------------------------------------------------------------
UNFREEZE_MODULE_API = '''def unfreeze_last_blocks(net, k):
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for stage in ["layer4", "layer3", "layer2", "layer1"][:k]:
        getattr(net, stage).requires_grad_(True)
    if k == 5:
        net.conv1.requires_grad_(True)
        net.bn1.requires_grad_(True)
'''

UNFREEZE_PREFIX_TABLE = '''PREFIXES = {
    0: ("fc.",),
    1: ("fc.", "layer4."),
    2: ("fc.", "layer4.", "layer3."),
    3: ("fc.", "layer4.", "layer3.", "layer2."),
    4: ("fc.", "layer4.", "layer3.", "layer2.", "layer1."),
    5: ("fc.", "layer4.", "layer3.", "layer2.", "layer1.", "conv1.", "bn1."),
}


def unfreeze_last_blocks(net, k):
    for name, param in net.named_parameters():
        param.requires_grad = name.startswith(PREFIXES[k])
    return net
'''

UNFREEZE_GET_SUBMODULE_HELPER = '''def set_trainable(module, trainable):
    for p in module.parameters():
        p.requires_grad = trainable


BLOCK_NAMES = [["layer4"], ["layer3"], ["layer2"], ["layer1"], ["conv1", "bn1"]]


def unfreeze_last_blocks(net, k):
    set_trainable(net, False)
    set_trainable(net.get_submodule("fc"), True)
    for names in BLOCK_NAMES[:k]:
        for name in names:
            set_trainable(net.get_submodule(name), True)
    return net
'''

UNFREEZE_NAMED_CHILDREN = '''def unfreeze_last_blocks(net, k):
    wanted = ["fc", "layer4", "layer3", "layer2", "layer1", "stem"][:k + 1]
    for name, child in net.named_children():
        block = "stem" if name in ("conv1", "bn1") else name
        for p in child.parameters():
            p.requires_grad = block in wanted
    return net
'''

UNFREEZE_FROM_THE_INPUT_LIST = '''def unfreeze_last_blocks(net, k):
    # blocks in the order of the forward pass; the last k are the ones next to the head
    blocks = [nn.ModuleList([net.conv1, net.bn1]), net.layer1, net.layer2, net.layer3, net.layer4]
    for p in net.parameters():
        p.requires_grad = False
    for block in blocks[len(blocks) - k:] + [net.fc]:
        for p in block.parameters():
            p.requires_grad = True
    return net
'''

UNFREEZE_RANK_IF_ELIF = '''RANK = {"layer4": 1, "layer3": 2, "layer2": 3, "layer1": 4, "conv1": 5, "bn1": 5}


def unfreeze_last_blocks(net, k):
    for name, param in net.named_parameters():
        top = name.split(".")[0]
        if top == "fc":
            param.requires_grad = True
        elif RANK[top] <= k:
            param.requires_grad = True
        else:
            param.requires_grad = False
'''

UNFREEZE_MAGICS = '''%matplotlib inline
%config InlineBackend.figure_format = "retina"
%load_ext autoreload
%autoreload 2


def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    for param in net.parameters():
        param.requires_grad = False
    for param in net.fc.parameters():
        param.requires_grad = True
    for block in blocks[:k]:
        for param in block.parameters():
            param.requires_grad = True
    print(f"k={k}: {sum(p.numel() for p in net.parameters() if p.requires_grad):,} trainable")
    return net
'''

# --- ex1, mistakes ----------------------------------------------------------------------------
UNFREEZE_FROM_INPUT = '''def unfreeze_last_blocks(net, k):
    blocks = [nn.ModuleList([net.conv1, net.bn1]), net.layer1, net.layer2, net.layer3, net.layer4]
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net
'''

UNFREEZE_NEVER_FREEZES = '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    net.fc.requires_grad_(True)
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net
'''

UNFREEZE_NEW_HEAD = '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    net.requires_grad_(False)
    net.fc = nn.Linear(net.fc.in_features, net.fc.out_features)  # a new layer is trainable
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net
'''

UNFREEZE_STEM_CONV_ONLY = '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, net.conv1]
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net
'''

UNFREEZE_HEAD_FORGOTTEN = '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    net.requires_grad_(False)
    for block in blocks[:k]:
        block.requires_grad_(True)
    return net
'''

# --- ex2, right in other forms ----------------------------------------------------------------
SUMMARY_NUMPY = '''import numpy as np


def summarize(runs):
    results = {}
    for strategy, (net, history) in runs.items():
        acc = history.test_acc
        results[strategy] = {
            "accuracy": acc[len(acc) - 1],
            "seconds": np.sum(history.seconds),
            "trainable_params": np.int64(sum(p.numel() for p in net.parameters() if p.requires_grad)),
            "total_params": np.int64(sum(p.numel() for p in net.parameters())),
        }
    return results
'''

SUMMARY_ROUNDED = '''def summarize(runs):
    # rounded the way the table shows them
    return {strategy: {"accuracy": round(history.test_acc[-1], 3),
                       "seconds": round(sum(history.seconds), 1),
                       "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                       "total_params": sum(p.numel() for p in net.parameters())}
            for strategy, (net, history) in runs.items()}
'''

SUMMARY_HELPER_EXTRA_KEYS = '''def count(net, only_trainable=False):
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not only_trainable)


def summarize(runs):
    table = {}
    for strategy, run in runs.items():
        history = run.history
        table[strategy] = dict(
            accuracy=history.test_acc[-1],
            best_accuracy=max(history.test_acc),
            best_epoch=history.test_acc.index(max(history.test_acc)) + 1,
            epochs=len(history.test_acc),
            seconds=sum(history.seconds),
            trainable_params=count(run.net, only_trainable=True),
            total_params=count(run.net),
        )
    return table
'''

SUMMARY_MATH = '''import math


def summarize(runs):
    out = {}
    for name in runs:
        net, history = runs[name]
        trainable = total = 0
        for p in net.parameters():
            total += math.prod(p.shape)
            if p.requires_grad:
                trainable += math.prod(p.shape)
        out[name] = {"accuracy": history.test_acc[-1], "seconds": math.fsum(history.seconds),
                     "trainable_params": trainable, "total_params": total}
    return out
'''

SUMMARY_TORCH = '''def summarize(runs):
    results = {}
    for strategy, (net, history) in runs.items():
        results[strategy] = {
            "accuracy": torch.tensor(history.test_acc)[-1],
            "seconds": torch.tensor(history.seconds).sum(),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
    return results
'''

REFERENCE_SUMMARY = '''def summarize(runs):
    results = {}
    for strategy, (net, history) in runs.items():
        results[strategy] = {
            "accuracy": history.test_acc[-1],
            "seconds": sum(history.seconds),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
    return results
'''


def _summary_with(accuracy: str = "history.test_acc[-1]", seconds: str = "sum(history.seconds)",
                  trainable: str = "sum(p.numel() for p in net.parameters() if p.requires_grad)") -> str:
    """The reference summary with one expression changed (a mistake)."""
    return f'''def summarize(runs):
    results = {{}}
    for strategy, (net, history) in runs.items():
        results[strategy] = {{
            "accuracy": {accuracy},
            "seconds": {seconds},
            "trainable_params": {trainable},
            "total_params": sum(p.numel() for p in net.parameters()),
        }}
    return results
'''


SUMMARY_FIXED_NAMES = '''def summarize(runs):
    results = {}
    for strategy in ["feature_extraction", "partial_finetune", "full_finetune", "scratch"]:
        net, history = runs[strategy]
        results[strategy] = {
            "accuracy": history.test_acc[-1],
            "seconds": sum(history.seconds),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
    return results
'''

CASES += [
    # --- ex1 right in other forms: full marks ----------------------------------------------------
    Case("scratch_module_api", SCRATCH, 9, "requires_grad_ on modules, stages by getattr, the stem's two "
         "modules at k = 5, returns nothing: the task allows requires_grad_() and returning nothing",
         edits=_unfreeze(UNFREEZE_MODULE_API), fails=()),
    Case("scratch_prefix_table", SCRATCH, 9, "a table k -> parameter-name prefixes and str.startswith: "
         "'matching parameter names' is one of the ways the task names",
         edits=_unfreeze(UNFREEZE_PREFIX_TABLE), fails=()),
    Case("scratch_get_submodule_helper", SCRATCH, 9, "a helper set_trainable(module, flag) and "
         "net.get_submodule by name, the stem as two names: right",
         edits=_unfreeze(UNFREEZE_GET_SUBMODULE_HELPER), fails=()),
    Case("scratch_named_children", SCRATCH, 9, "one pass over named_children, each child trainable iff its "
         "block is among the head and the last k: right (freezes everything else, so reuse is fine)",
         edits=_unfreeze(UNFREEZE_NAMED_CHILDREN), fails=()),
    Case("scratch_forward_order_slice", SCRATCH, 9, "the blocks listed in forward order and the last k "
         "taken with blocks[len(blocks) - k:] (empty for k = 0): the same blocks the task names",
         edits=_unfreeze(UNFREEZE_FROM_THE_INPUT_LIST), fails=()),
    Case("scratch_rank_if_elif", SCRATCH, 9, "each parameter's top-level name ranked in a dict and an "
         "if/elif per parameter, no return: right",
         edits=_unfreeze(UNFREEZE_RANK_IF_ELIF), fails=()),
    Case("scratch_magics_and_prints", SCRATCH, 9, "the reference with %matplotlib, %config InlineBackend, "
         "%load_ext autoreload / %autoreload and a debugging print inside the function: habits cost nothing",
         edits=_unfreeze(UNFREEZE_MAGICS), fails=()),
    # --- ex2 right in other forms: full marks ----------------------------------------------------
    Case("scratch_summary_numpy", SCRATCH, 9, "numpy sum of the epoch times, numpy integer counts, the "
         "last accuracy by index len - 1: the same numbers, full marks",
         edits=_summary(SUMMARY_NUMPY), fails=()),
    Case("scratch_summary_rounded", SCRATCH, 9, "accuracy rounded to 3 decimals and seconds to 1, as the "
         "table shows them: the task allows exactly that rounding",
         edits=_summary(SUMMARY_ROUNDED), fails=()),
    Case("scratch_summary_helper_extra_keys", SCRATCH, 9, "a counting helper, Run attributes, dict(...) "
         "and extra keys (best accuracy, best epoch, epochs): extra keys are welcome",
         edits=_summary(SUMMARY_HELPER_EXTRA_KEYS), fails=()),
    Case("scratch_summary_math", SCRATCH, 9, "math.fsum of the times and math.prod of the shapes in an "
         "explicit loop: the same numbers",
         edits=_summary(SUMMARY_MATH), fails=()),
    Case("scratch_summary_torch", SCRATCH, 9, "accuracy and seconds as torch scalars (float32: the sum "
         "differs from Python's in the 7th digit, far below the 1 decimal the table shows): right",
         edits=_summary(SUMMARY_TORCH), fails=()),
    Case("scratch_extra_cells", SCRATCH, 9, "the reference with cells of the student's own: trying "
         "unfreeze_last_blocks on the notebook's net before ex1's test, printing summarize(runs) under "
         "%%capture and %time before ex2's test: they change nothing graded",
         transform=_then(
             tamper.insert_cell_before(EX1, "for k in range(6):\n    unfreeze_last_blocks(net, k)\n"
                                       "    print(k, sum(p.numel() for p in net.parameters() if p.requires_grad))"),
             tamper.insert_cell_before(EX2, "%%capture\n%time table = summarize(runs)\nprint(table)")), fails=()),
    # --- ex1 mistakes: ex1 scores 0, ex2 keeps its points ------------------------------------------
    Case("scratch_from_input", SCRATCH, 5, "counts the blocks from the input (stem, layer1, ...): the task "
         "says from the head backwards, ex1 fails",
         edits=_unfreeze(UNFREEZE_FROM_INPUT), fails=(EX1,), feedback=("counted from the input",)),
    Case("scratch_never_freezes", SCRATCH, 5, "only unfreezes, never freezes first: on a fresh network "
         "everything stays trainable (step 1 of the task), ex1 fails",
         edits=_unfreeze(UNFREEZE_NEVER_FREEZES), fails=(EX1,), feedback=("nothing was frozen",)),
    Case("scratch_new_head", SCRATCH, 5, "'makes the head trainable' by replacing net.fc with a new Linear: "
         "the task says the layers and their weights stay as they are, ex1 fails",
         edits=_unfreeze(UNFREEZE_NEW_HEAD), fails=(EX1,), feedback=("fresh random weights",)),
    Case("scratch_stem_conv_only", SCRATCH, 5, "the stem as conv1 alone: the task's stem is conv1 and bn1, "
         "so k = 5 leaves bn1 frozen, ex1 fails",
         edits=_unfreeze(UNFREEZE_STEM_CONV_ONLY), fails=(EX1,), feedback=("conv1 and bn1 together",)),
    Case("scratch_head_forgotten", SCRATCH, 5, "freezes everything and unfreezes the last k blocks but "
         "not the head (step 2 of the task): ex1 fails",
         edits=_unfreeze(UNFREEZE_HEAD_FORGOTTEN), fails=(EX1,), feedback=("head always learns",)),
    # --- ex2 mistakes: ex2 scores 0, ex1 keeps its points ------------------------------------------
    Case("scratch_best_epoch", SCRATCH, 6, "reports the best epoch's accuracy (max): the task asks for the "
         "accuracy after the last epoch, ex2 fails",
         edits=_summary(_summary_with(accuracy="max(history.test_acc)")), fails=(EX2,),
         feedback=("You took the best epoch",)),
    Case("scratch_percent", SCRATCH, 6, "accuracy in percent: the task asks for a fraction between 0 and 1",
         edits=_summary(_summary_with(accuracy="100 * history.test_acc[-1]")), fails=(EX2,),
         feedback=("between 0 and 1",)),
    Case("scratch_last_epoch_seconds", SCRATCH, 6, "the last epoch's time instead of the sum over all "
         "epochs: ex2 fails",
         edits=_summary(_summary_with(seconds="history.seconds[-1]")), fails=(EX2,),
         feedback=("last epoch's time only",)),
    Case("scratch_counts_tensors", SCRATCH, 6, "counts trainable tensors instead of their elements: the "
         "task says counted element by element, ex2 fails",
         edits=_summary(_summary_with(trainable="len([p for p in net.parameters() if p.requires_grad])")),
         fails=(EX2,), feedback=("counts the numbers inside them",)),
    Case("scratch_pops_history", SCRATCH, 6, "takes the last accuracy with history.test_acc.pop(): the "
         "number is right but the history loses its last epoch, and the task says summarize only reads "
         "runs: ex2 fails",
         edits=_summary(_summary_with(accuracy="history.test_acc.pop()")), fails=(EX2,),
         feedback=("leave the runs as they were",)),
    Case("scratch_fixed_strategy_names", SCRATCH, 6, "loops over the four strategy names instead of the "
         "runs it is given: the task says one entry per strategy in runs (the hidden test gives two), "
         "ex2 fails",
         edits=_summary(SUMMARY_FIXED_NAMES), fails=(EX2,), feedback=("whatever strategies it holds",)),
    Case("scratch_global_runs", SCRATCH, 6, "summarises the notebook's global runs instead of its "
         "argument: the test's networks and histories are other ones, ex2 fails",
         edits=_summary(REFERENCE_SUMMARY.replace("def summarize(runs):", "def summarize(all_runs):")),
         fails=(EX2,), feedback=("not of the runs it was called with",)),
]

# --- more right answers (issue 13, second round) ----------------------------------------------
# ex1's task: freeze every parameter, make net.fc trainable, then the last k blocks (layer4, layer3,
# layer2, layer1, stem = conv1 + bn1); change only requires_grad; return net or nothing; any correct way.
# ex2's task: one entry per strategy in runs with the last epoch's accuracy, the summed seconds, the
# trainable and total element counts; rounding to 3 / 1 decimals allowed; runs only read.
UNFREEZE_SEQUENTIAL_STEM = '''def unfreeze_last_blocks(net, k):
    stem = nn.Sequential(net.conv1, net.bn1)  # holds the same two modules, changes nothing in net
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    for block in (net.layer4, net.layer3, net.layer2, net.layer1, stem)[:k]:
        block.requires_grad_(True)
    return net
'''

UNFREEZE_TYPED_WHILE = '''def unfreeze_last_blocks(net: nn.Module, k: int) -> nn.Module:
    """Freeze net, then unfreeze its head and its last k blocks (counted from the head)."""
    if k < 0 or k > 5:
        raise ValueError(f"k must be between 0 and 5, not {k}")
    order = [["layer4"], ["layer3"], ["layer2"], ["layer1"], ["conv1", "bn1"]]
    for p in net.parameters():
        p.requires_grad = False
    to_train = ["fc"]
    i = 0
    while i < k:
        to_train += order[i]
        i += 1
    for name in to_train:
        for p in getattr(net, name).parameters():
            p.requires_grad = True
    return net
'''

UNFREEZE_CHAIN = '''from itertools import chain


def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, net.conv1, net.bn1]
    chosen = blocks[:k] if k < 5 else blocks  # the stem is two modules
    trainable = {id(p) for p in chain(net.fc.parameters(), *(b.parameters() for b in chosen))}
    for p in net.parameters():
        p.requires_grad = id(p) in trainable
    return net
'''

UNFREEZE_APPLY = '''def freeze(module):
    for p in module.parameters(recurse=False):
        p.requires_grad = False


def unfreeze_last_blocks(net, k):
    net.apply(freeze)
    unfreeze = [net.fc] + [net.layer4, net.layer3, net.layer2, net.layer1, net.conv1][:k]
    if k == 5:
        unfreeze.append(net.bn1)
    for module in unfreeze:
        for p in module.parameters():
            p.requires_grad = True
'''

SUMMARY_PANDAS = '''import pandas as pd


def summarize(runs):
    rows = []
    for strategy, (net, history) in runs.items():
        rows.append({"strategy": strategy,
                     "accuracy": history.test_acc[-1],
                     "seconds": sum(history.seconds),
                     "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                     "total_params": sum(p.numel() for p in net.parameters())})
    return pd.DataFrame(rows).set_index("strategy").to_dict(orient="index")
'''

SUMMARY_FORMATTED = '''def summarize(runs):
    results = {}
    for strategy, (net, history) in runs.items():
        results[strategy] = {
            # the numbers as the table prints them
            "accuracy": float(f"{history.test_acc[-1]:.3f}"),
            "seconds": float(format(sum(history.seconds), ".1f")),
            "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "total_params": sum(p.numel() for p in net.parameters()),
        }
        print(strategy, results[strategy])
    return results
'''

SUMMARY_POPS_A_COPY = '''def summarize(runs):
    results = {}
    for strategy, run in runs.items():
        accuracies = run.history.test_acc.copy()
        last = accuracies.pop()  # pops the copy; the history keeps its epochs
        results[strategy] = {"accuracy": last, "seconds": sum(run.history.seconds),
                             "trainable_params": sum(p.numel() for p in run.net.parameters() if p.requires_grad),
                             "total_params": sum(p.numel() for p in run.net.parameters())}
    return results
'''

SUMMARY_TYPED_REDUCE = '''from functools import reduce
from operator import add


def count(net: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter values of net (only those with requires_grad if trainable_only)."""
    return reduce(add, (p.numel() for p in net.parameters() if p.requires_grad or not trainable_only), 0)


def summarize(runs: dict) -> dict:
    """strategy -> accuracy after the last epoch, total seconds, trainable and total parameters."""
    return {name: {"accuracy": history.test_acc[-1],
                   "seconds": reduce(add, history.seconds),
                   "trainable_params": count(net, trainable_only=True),
                   "total_params": count(net)}
            for name, (net, history) in sorted(runs.items())}
'''

CASES += [
    Case("scratch_sequential_stem", SCRATCH, 9, "the stem grouped in an nn.Sequential(net.conv1, net.bn1) "
         "that holds the same modules (net itself is unchanged), a tuple of blocks sliced [:k], "
         "requires_grad_ on modules: right",
         edits=_unfreeze(UNFREEZE_SEQUENTIAL_STEM), fails=()),
    Case("scratch_typed_while", SCRATCH, 9, "type hints, a docstring, a ValueError for k outside 0..5 "
         "(the task's k is 0 to 5, so it never fires), a while loop collecting module names: right",
         edits=_unfreeze(UNFREEZE_TYPED_WHILE), fails=()),
    Case("scratch_itertools_chain", SCRATCH, 9, "the tensors to train gathered with itertools.chain into a "
         "set of ids, one pass setting every flag (so reuse freezes first): right",
         edits=_unfreeze(UNFREEZE_CHAIN), fails=()),
    Case("scratch_apply_freeze", SCRATCH, 9, "net.apply with a helper freezing each module's own "
         "parameters, then the head and the last k modules unfrozen (bn1 added at k = 5), no return: "
         "right",
         edits=_unfreeze(UNFREEZE_APPLY), fails=()),
    Case("scratch_summary_pandas", SCRATCH, 9, "rows gathered in a pandas DataFrame and returned with "
         "to_dict(orient='index'): numpy numbers of the right values, one entry per strategy: right",
         edits=_summary(SUMMARY_PANDAS), fails=()),
    Case("scratch_summary_formatted", SCRATCH, 9, "accuracy and seconds rounded through f-string / format "
         "to 3 and 1 decimals, as the table shows them (the task allows that rounding), and a print per "
         "strategy: right",
         edits=_summary(SUMMARY_FORMATTED), fails=()),
    Case("scratch_summary_pops_a_copy", SCRATCH, 9, "the last accuracy taken with pop() on a copy of the "
         "list: the history keeps every epoch (unlike scratch_pops_history), so runs are only read: right",
         edits=_summary(SUMMARY_POPS_A_COPY), fails=()),
    Case("scratch_summary_typed_reduce", SCRATCH, 9, "functools.reduce with operator.add for the sums, a "
         "typed counting helper with a docstring, strategies in sorted order: the same numbers, right",
         edits=_summary(SUMMARY_TYPED_REDUCE), fails=()),
    # --- mistakes ------------------------------------------------------------------------------
    Case("scratch_mean_seconds", SCRATCH, 6, "seconds as the mean time per epoch: the task asks for the "
         "total, the sum over all epochs; ex2 fails",
         edits=_summary(_summary_with(seconds="sum(history.seconds) / len(history.seconds)")), fails=(EX2,),
         feedback=("the sum over all epochs",)),
    Case("scratch_rounded_2", SCRATCH, 6, "accuracy rounded to 2 decimals: the task allows rounding to 3 "
         "(as the table shows); 2 loses a digit the table prints, ex2 fails",
         edits=_summary(_summary_with(accuracy="round(history.test_acc[-1], 2)")), fails=(EX2,),
         feedback=("the test accuracy after the last epoch",)),
]


# --- ex4: read a learning-rate sweep (of the rates whose loss falls in every epoch, the one that
# ends lowest; None if there is none) ------------------------------------------------------------

def _pick(code: str) -> dict:
    return {"ex4_pick_learning_rate": code}


PICK_NUMPY = '''import numpy as np


def pick_learning_rate(histories):
    steady = {lr: losses for lr, losses in histories.items() if np.all(np.diff(losses) < 0)}
    if not steady:
        return None
    rates = np.array(list(steady))
    return rates[np.argmin([losses[-1] for losses in steady.values()])]
'''

PICK_LOWEST_LAST_LOSS = '''def pick_learning_rate(histories):
    return min(histories, key=lambda lr: histories[lr][-1])
'''

PICK_LARGEST_STEADY = '''def pick_learning_rate(histories):
    steady = [lr for lr, losses in histories.items() if all(b < a for a, b in zip(losses, losses[1:]))]
    return max(steady) if steady else None
'''

PICK_FIRST_VS_LAST = '''def pick_learning_rate(histories):
    falling = [lr for lr, losses in histories.items() if losses[-1] < losses[0]]
    return min(falling, key=lambda lr: histories[lr][-1]) if falling else None
'''

CASES += [
    Case("scratch_pick_lr_numpy", SCRATCH, 9, "np.diff and np.all for 'falls in every epoch', np.argmin "
         "over the last losses, the rate returned as a numpy float equal to the key: the task allows numpy, "
         "full marks", edits=_pick(PICK_NUMPY), fails=()),
    Case("scratch_pick_lr_lowest_last_loss", SCRATCH, 7, "the rate with the lowest last loss over all "
         "curves, bouncing ones included: the task keeps only the curves that fall in every epoch, ex4 fails",
         edits=_pick(PICK_LOWEST_LAST_LOSS), fails=(EX4,), feedback=("lowest last loss over all rates",)),
    Case("scratch_pick_lr_largest_steady", SCRATCH, 7, "the largest rate whose loss falls in every epoch: "
         "the task asks for the steady curve that ends lowest, ex4 fails",
         edits=_pick(PICK_LARGEST_STEADY), fails=(EX4,), feedback=("largest rate whose loss falls",)),
    Case("scratch_pick_lr_first_vs_last", SCRATCH, 7, "'falls' read as 'ends below where it started': the "
         "task says each value strictly lower than the one before it, ex4 fails",
         edits=_pick(PICK_FIRST_VS_LAST), fails=(EX4,), feedback=("only the first and the last loss",)),
]
