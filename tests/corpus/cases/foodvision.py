"""FoodVision head (02): freeze the base, attach a 7-class head, optimise the head only."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case  # noqa: F401

FOOD = "02_foodvision_head"


# FoodVision head challenge: ex1 in_features 1, ex2 freeze 2, ex3 new layer 2,
# ex4 head in place 1, ex5 optimizer 3, ex6 read the confusion matrix 1 - 10 points
# (issue 15: ex6 added after the training part; ex4 gave it one of its 2 points).
#: every autograded test cell (a submission that zeroes them all but is still graded)
ALL_CELLS = ("ex1_in_features_tests", "ex2_freeze_tests", "ex3_new_layer_tests", "ex4_replace_head_tests",
             "ex5_optimizer_tests", "ex6_most_confused_tests")
WRONG_LAYER = "num_classes = 7\nnew_layer = torch.nn.Linear(1000, num_classes)\nnew_layer"

CASES = [
    # --- correct answers in other styles: full marks --------------------------------------
    Case("food_reference", FOOD, 10, "the instructor's solutions", fails=()),
    Case("food_keywords", FOOD, 10, "keyword arguments and a literal 0.001",
         edits={"ex3_new_layer": "new_layer = torch.nn.Linear(in_features=in_features, out_features=7)",
                "ex5_optimizer": "optimizer = torch.optim.Adam(params=net.fc.parameters(), lr=0.001)"},
         fails=()),
    Case("food_module_api", FOOD, 10, "requires_grad_(False) on the module, shape read from the weight, nn.Linear(512, 7)",
         edits={"ex1_in_features": "in_features = net.fc.weight.shape[1]",
                "ex2_freeze": "net.requires_grad_(False)",
                "ex3_new_layer": "new_layer = nn.Linear(512, 7)"},
         fails=()),
    Case("food_filter_trainable", FOOD, 10, "the optimizer takes the parameters that still need gradients",
         edits={"ex5_optimizer": "optimizer = torch.optim.Adam(\n"
                "    [p for p in net.parameters() if p.requires_grad], lr=1e-3)"},
         fails=()),
    Case("food_explicit_tensors", FOOD, 10, "setattr for the head, the optimizer over the two named tensors",
         edits={"ex4_replace_head": "setattr(net, 'fc', new_layer)",
                "ex5_optimizer": "optimizer = torch.optim.Adam([new_layer.weight, new_layer.bias], lr=1e-3)"},
         fails=()),
    Case("food_torch_warnings", FOOD, 10,
         "right answers; a forward pre-hook calls a deprecated torch API, so torch's FutureWarning reaches "
         "the stderr of the test cells that run the network (ex4's hidden test starts a forward pass) - "
         "it must cost nothing",
         edits={"ex4_replace_head": "import warnings\nwarnings.simplefilter('always')\nnet.fc = new_layer\n"
                "net.register_forward_pre_hook(lambda m, i: torch.cuda.amp.autocast(enabled=False) and None)"},
         feedback=("[stderr]", "deprecated"),
         fails=()),
    Case("food_extra_cells", FOOD, 10, "extra cells of the student's own (prints, a plot of nothing) change nothing",
         transform=tamper.insert_cell_before("ex3_new_layer", "print(net.fc)\nprint(sum(p.numel() for p in net.parameters()))"),
         fails=()),
    # --- the mistakes students make: partial marks, feedback names the mistake --------------
    Case("food_linear_1000_7", FOOD, 8,
         "Linear(1000, 7): ex3 fails; ex4 (the layer is in place) and ex5 (an optimizer over the head) are "
         "right and judged on their own (no cascade, issue 13; was 3); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": WRONG_LAYER}, feedback=("not the 1000 ImageNet scores",),
         fails=("ex3_new_layer_tests",)),
    Case("food_linear_512_5", FOOD, 8,
         "Linear(512, 5): ex3 fails; putting that layer in place (ex4) is right on its own (no cascade, "
         "issue 13; was 6); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "num_classes = 5\nnew_layer = torch.nn.Linear(in_features, num_classes)"},
         feedback=("FoodVision-7's 7 classes",),
         fails=("ex3_new_layer_tests",)),
    Case("food_head_frozen", FOOD, 9,
         "freezes after attaching the head: ex4 (head frozen) fails; ex5's optimizer over the head is right "
         "and its step is judged on its own (no cascade, issue 13; was 5); 1 + 2 + 2 + 3 + 1 (ex4 1 point "
         "since issue 15: was 8)",
         edits={"ex4_replace_head": "net.fc = new_layer\nfor p in net.parameters():\n    p.requires_grad = False"},
         feedback=("a frozen head cannot learn",),
         fails=("ex4_replace_head_tests",)),
    Case("food_base_trainable", FOOD, 8,
         "never freezes the base: ex2 fails; ex4 puts the head in place, right on its own, with a note "
         "sending the student to ex2 (no cascade, issue 13; was 6); 1 + 2 + 2 + 3",
         edits={"ex2_freeze": "pass"}, feedback=("still trainable", "fix exercise 2 first"),
         fails=("ex2_freeze_tests",)),
    Case("food_optimizer_all", FOOD, 7, "Adam over every parameter of the network: ex5 fails",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.parameters(), lr=lr)"},
         feedback=("including base tensors",),
         fails=("ex5_optimizer_tests",)),
    Case("food_swapped_args", FOOD, 8, "Linear(7, 512): ex3 fails; ex4 and ex5 are right on their own "
         "(no cascade, issue 13; was 3); 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "new_layer = torch.nn.Linear(7, 512)"}, feedback=("swapped",),
         fails=("ex3_new_layer_tests",)),
    Case("food_out_features", FOOD, 9,
         "reads the OLD head's out_features (1000): ex1 fails; ex3 builds Linear(in_features, 7) as its task "
         "says ('Use in_features from Exercise 1'), right on its own with a note sending the student to "
         "ex1 (no cascade, issue 13: was 7, ex3 failed with ex1); ex4 and ex5 are right; 2 + 2 + 2 + 3",
         edits={"ex1_in_features": "in_features = net.fc.out_features"},
         feedback=("OLD head's out_features", "fix exercise 1 first"),
         fails=("ex1_in_features_tests",)),
    Case("food_sgd", FOOD, 7, "SGD instead of Adam: ex5 fails",
         edits={"ex5_optimizer": "optimizer = torch.optim.SGD(net.fc.parameters(), lr=1e-3)"},
         feedback=("torch.optim.Adam",),
         fails=("ex5_optimizer_tests",)),
    Case("food_optimizer_too_early", FOOD, 7,
         "builds the optimizer before replacing the head, so it holds the old head's tensors: ex5 fails",
         edits={"ex4_replace_head": "optimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-3)\nnet.fc = new_layer",
                "ex5_optimizer": "lr = 1e-3"},
         feedback=("no longer net.fc",),
         fails=("ex5_optimizer_tests",)),
    Case("food_fake_in_features", FOOD, 8,
         "Linear(1000, 7) relabelled in_features = 512: the visible check is fooled, ex3's hidden forward "
         "pass is not; same score as the plain mistake (no cascade, issue 13; was 3)",
         edits={"ex3_new_layer": WRONG_LAYER + "\nnew_layer.in_features = 512"},
         fails=("ex3_new_layer_tests",)),
    Case("food_blank_ex1", FOOD, 6,
         "ex1 left blank: NameError in ex1, ex3 and ex4; ex5's Adam over net.fc.parameters() is right on "
         "its own (no cascade, issue 13; was 2); 2 + 3 + 1 (ex6; ex4 1 point since issue 15: was 5)",
         edits={"ex1_in_features": "# YOUR CODE HERE\nraise NotImplementedError()"},
         fails=("ex1_in_features_tests", "ex3_new_layer_tests", "ex4_replace_head_tests")),
    Case("food_blank", FOOD, 0, "the untouched student notebook", solves=False, fails=EVERY_CELL),
    # --- more right answers in forms students write (issue 13): full marks ------------------
    Case("food_numpy_in_features", FOOD, 10,
         "in_features read from the weight's shape as a numpy integer: the right number, another integer "
         "type; ex1 grades the value",
         edits={"ex1_in_features": "import numpy as np\nin_features = np.int64(net.fc.weight.shape[1])\nprint(in_features)"},
         fails=()),
    Case("food_named_parameters", FOOD, 10,
         "freezes in a loop over named_parameters() and hands Adam the tensors whose names start with "
         "'fc.': both forms the task allows",
         edits={"ex2_freeze": "for name, param in net.named_parameters():\n    param.requires_grad = False",
                "ex5_optimizer": "lr = 1e-3\nhead_params = [p for n, p in net.named_parameters() if n.startswith('fc.')]\n"
                "optimizer = torch.optim.Adam(head_params, lr=lr)\noptimizer"},
         fails=()),
    Case("food_get_submodule", FOOD, 10,
         "net.get_submodule('fc') instead of net.fc, and the head put in place with add_module (which "
         "replaces the child of that name)",
         edits={"ex1_in_features": "in_features = net.get_submodule('fc').in_features",
                "ex4_replace_head": "net.add_module('fc', new_layer)",
                "ex5_optimizer": "optimizer = torch.optim.Adam(net.get_submodule('fc').parameters(), lr=1e-3)"},
         fails=()),
    Case("food_optimizer_over_new_layer", FOOD, 10,
         "Adam over new_layer.parameters(): after ex4 these are the head's tensors, the same optimizer",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(new_layer.parameters(), lr=lr)"},
         fails=()),
    Case("food_helpers", FOOD, 10,
         "the student's own helper functions for freezing and for the head, called with the task's values",
         edits={"ex2_freeze": "def freeze(module):\n    for p in module.parameters():\n        p.requires_grad_(False)\n\n\nfreeze(net)",
                "ex3_new_layer": "num_classes = 7\n\ndef make_head(n_in, n_out):\n    return nn.Linear(n_in, n_out)\n\n\n"
                "new_layer = make_head(in_features, num_classes)\nnew_layer"},
         fails=()),
    Case("food_display_magics", FOOD, 10,
         "display and timing habits: %matplotlib inline, %config InlineBackend, %load_ext autoreload, "
         "%time on the answer line; they change nothing the tests judge",
         edits={"ex1_in_features": "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n"
                "%load_ext autoreload\n%autoreload 2\nin_features = net.fc.in_features",
                "ex3_new_layer": "num_classes = 7\n%time new_layer = torch.nn.Linear(in_features, num_classes)\nnew_layer"},
         fails=()),
    Case("food_capture_magic", FOOD, 10,
         "%%capture on the answer cell of ex3 hides its output; the layer is made as usual, and a display "
         "magic costs nothing",
         edits={"ex3_new_layer": "%%capture\nnum_classes = 7\nnew_layer = torch.nn.Linear(in_features, num_classes)\nprint(new_layer)"},
         fails=()),
    Case("food_run_twice", FOOD, 10,
         "every answer written twice, as when a student runs a cell again: freezing, making the layer, "
         "attaching it and building the optimizer are idempotent",
         edits={"ex2_freeze": "for param in net.parameters():\n    param.requires_grad = False\n" * 2,
                "ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(in_features, num_classes)\n" * 2,
                "ex4_replace_head": "net.fc = new_layer\n" * 2,
                "ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.fc.parameters(), lr=lr)\n" * 2},
         fails=()),
    Case("food_print_debugging", FOOD, 10,
         "print debugging in every answer cell: output only",
         edits={"ex1_in_features": "print(net.fc)\nin_features = net.fc.in_features\nprint('in_features =', in_features)",
                "ex4_replace_head": "net.fc = new_layer\nprint(net.fc, [p.requires_grad for p in net.fc.parameters()])",
                "ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.fc.parameters(), lr=lr)\n"
                "print(len(optimizer.param_groups[0]['params']), 'tensors')"},
         fails=()),
    Case("food_freeze_base_children", FOOD, 10,
         "freezes every child but fc: the base is frozen; the task says the old fc may be frozen or not "
         "(it is replaced in ex4), so ex2 is right",
         edits={"ex2_freeze": "for name, child in net.named_children():\n    if name != 'fc':\n"
                "        for p in child.parameters():\n            p.requires_grad = False"},
         fails=()),
    Case("food_comprehension_filter", FOOD, 10,
         "Adam over the tensors with requires_grad, filtered by a generator expression passed as a list "
         "with keyword arguments in another order",
         edits={"ex5_optimizer": "optimizer = torch.optim.Adam(lr=1e-3, params=list(filter(lambda p: p.requires_grad, net.parameters())))"},
         fails=()),
    Case("food_requires_grad_loop", FOOD, 10,
         "freezes with p.requires_grad_(False) in a loop and builds the layer from net.fc.in_features "
         "directly: the same 512 as ex1's in_features",
         edits={"ex2_freeze": "for p in net.parameters():\n    p.requires_grad_(False)",
                "ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(net.fc.in_features, num_classes)"},
         fails=()),
    Case("food_modules_freeze", FOOD, 10,
         "freezes module by module (parameters(recurse=False) of every module): every tensor frozen once",
         edits={"ex2_freeze": "for module in net.modules():\n    for p in module.parameters(recurse=False):\n"
                "        p.requires_grad = False"},
         fails=()),
    Case("food_math_in_features", FOOD, 10,
         "in_features computed with math from the old head's weight: 512 as a plain int",
         edits={"ex1_in_features": "import math\nin_features = math.prod(net.fc.weight.shape) // net.fc.out_features"},
         fails=()),
    Case("food_param_group_dict", FOOD, 10,
         "Adam given one parameter-group dict over the head, the rate as the default: one group at 1e-3",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam([{'params': net.fc.parameters()}], lr=lr)"},
         fails=()),
    Case("food_cell_time_magic", FOOD, 10,
         "%%time on the cell that puts the head in place: a timing magic, the code runs as written",
         edits={"ex4_replace_head": "%%time\nnet.fc = new_layer"},
         fails=()),
    Case("food_lr_power", FOOD, 10,
         "the rate written as 10 ** -3, which is the float 0.001 the task asks for",
         edits={"ex5_optimizer": "lr = 10 ** -3\noptimizer = torch.optim.Adam(net.fc.parameters(), lr=lr)"},
         fails=()),
    # --- more mistakes (issue 13): the cell with the mistake scores 0, the others full ------------
    Case("food_adamw", FOOD, 7,
         "AdamW over the head: the task names Adam; AdamW (a subclass of Adam in torch) decays the weights "
         "as well - another optimizer; ex5 fails (a false accept before issue 13)",
         edits={"ex5_optimizer": "optimizer = torch.optim.AdamW(net.fc.parameters(), lr=1e-3)"},
         feedback=("AdamW",), fails=("ex5_optimizer_tests",)),
    Case("food_lr_1e4", FOOD, 7, "Adam over the head at lr 1e-4: the task asks for lr (1e-3); ex5 fails",
         edits={"ex5_optimizer": "optimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-4)"},
         fails=("ex5_optimizer_tests",)),
    Case("food_no_bias", FOOD, 8,
         "Linear(in_features, 7, bias=False): ex3 fails (a head keeps its bias); attaching it (ex4) and an "
         "optimizer over it (ex5) are right on their own; 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(in_features, num_classes, bias=False)"},
         feedback=("bias",), fails=("ex3_new_layer_tests",)),
    Case("food_eval_not_freeze", FOOD, 8,
         "net.eval() instead of freezing: eval mode changes batch norm and dropout, not requires_grad; ex2 "
         "fails, ex4 is right with a note to fix ex2; ex5's optimizer over the head is right; 1 + 2 + 2 + 3",
         edits={"ex2_freeze": "net.eval()"}, feedback=("still trainable",),
         fails=("ex2_freeze_tests",)),
    Case("food_head_never_placed", FOOD, 9,
         "ex4 left blank, ex5 = Adam over new_layer: ex4 fails; ex5's optimizer holds exactly the head the "
         "student made, right on its own with a note to fix ex4 (no cascade, issue 13); 1 + 2 + 2 + 3 + 1 "
         "(ex4 1 point since issue 15: was 8)",
         edits={"ex4_replace_head": "# YOUR CODE HERE\nraise NotImplementedError()",
                "ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(new_layer.parameters(), lr=lr)"},
         feedback=("fix exercise 4 first",), fails=("ex4_replace_head_tests",)),
    Case("food_sequential_head", FOOD, 8,
         "new_layer = nn.Sequential(nn.Linear(in_features, 7)): the task asks for a torch.nn.Linear layer; "
         "ex3 fails; putting that module in place (ex4) and an optimizer over net.fc (ex5) are right on "
         "their own; 1 + 2 + 2 + 3",
         edits={"ex3_new_layer": "num_classes = 7\nnew_layer = nn.Sequential(nn.Linear(in_features, num_classes))"},
         fails=("ex3_new_layer_tests",)),
    Case("food_old_head_in_optimizer", FOOD, 7,
         "Adam over the old and the new head (the old fc kept in a variable before ex4): tensors outside "
         "the network's head are not the head's; ex5 fails",
         edits={"ex4_replace_head": "old_fc = net.fc\nnet.fc = new_layer",
                "ex5_optimizer": "optimizer = torch.optim.Adam(list(old_fc.parameters()) + list(net.fc.parameters()), lr=1e-3)"},
         fails=("ex5_optimizer_tests",)),
    # --- exercise 6, read the confusion matrix (issue 15): 1 point --------------------------
    Case("food_ex6_loops", FOOD, 10,
         "most_confused with two loops over rows and columns and a strict '>' (the first of tied cells "
         "stays), None when nothing beats 0: every rule of the task, another form",
         edits={"ex6_most_confused": "def most_confused(cm, classes):\n    best, pair = 0, None\n"
                "    for i in range(len(classes)):\n        for j in range(len(classes)):\n"
                "            if i != j and cm[i][j] > best:\n                best, pair = cm[i][j], (classes[i], classes[j])\n"
                "    return pair"},
         fails=()),
    Case("food_ex6_numpy", FOOD, 10,
         "most_confused on a numpy copy: the diagonal set to -1, np.argmax (the first maximum) and "
         "unravel_index; a list of the two names, None when the largest count is 0",
         edits={"ex6_most_confused": "import numpy as np\n\n\ndef most_confused(cm, classes):\n"
                "    a = cm.numpy().copy()\n    np.fill_diagonal(a, -1)\n"
                "    i, j = np.unravel_index(np.argmax(a), a.shape)\n"
                "    return [classes[i], classes[j]] if a[i, j] > 0 else None"},
         fails=()),
    Case("food_ex6_diagonal", FOOD, 9,
         "argmax over the whole matrix, diagonal included: the task says the diagonal (correct "
         "predictions) is never the answer; ex6 fails",
         edits={"ex6_most_confused": "def most_confused(cm, classes):\n"
                "    i, j = divmod(int(cm.argmax()), len(classes))\n    return classes[i], classes[j]"},
         feedback=("predicted CORRECTLY",), fails=("ex6_most_confused_tests",)),
    Case("food_ex6_swapped", FOOD, 9,
         "reads the matrix by columns: returns (predicted, true), the task asks for (true, predicted) with "
         "rows as the true classes; ex6 fails",
         edits={"ex6_most_confused": "def most_confused(cm, classes):\n    off = cm.clone()\n"
                "    off.fill_diagonal_(0)\n    if off.max() == 0:\n        return None\n"
                "    i, j = divmod(int(off.argmax()), len(classes))\n    return classes[j], classes[i]"},
         feedback=("rows are the TRUE classes",), fails=("ex6_most_confused_tests",)),
    Case("food_ex6_in_place", FOOD, 9,
         "zeroes the diagonal of cm itself (fill_diagonal_ on the argument): the answer pair is right but "
         "the task says not to change cm; ex6 fails",
         edits={"ex6_most_confused": "def most_confused(cm, classes):\n    cm.fill_diagonal_(0)\n"
                "    if cm.max() == 0:\n        return None\n"
                "    i, j = divmod(int(cm.argmax()), len(classes))\n    return classes[i], classes[j]"},
         feedback=("cm and classes unchanged",), fails=("ex6_most_confused_tests",)),
    Case("food_ex6_last_of_ties", FOOD, 9,
         "loops with '>=': of tied cells the LAST wins, the task asks for the first in reading order; the "
         "visible matrix has no tie, the hidden one does: ex6 fails",
         edits={"ex6_most_confused": "def most_confused(cm, classes):\n    best, pair = 0, None\n"
                "    for i in range(len(classes)):\n        for j in range(len(classes)):\n"
                "            if i != j and cm[i, j] > 0 and cm[i, j] >= best:\n"
                "                best, pair = cm[i, j], (classes[i], classes[j])\n    return pair"},
         feedback=("FIRST of the tied cells",), fails=("ex6_most_confused_tests",)),
    # --- tampering: the real answer is graded, or the cell scores 0 with the reason ----------
    Case("food_edits_tests", FOOD, 8, "wrong layer, and the ex3/ex4 test cells rewritten to `pass`: "
         "nbgrader restores locked cells from the gradebook; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=lambda p: (tamper.replace_test_code("ex3_new_layer_tests", "pass")(p),
                              tamper.replace_test_code("ex4_replace_head_tests", "pass")(p)),
         fails=("ex3_new_layer_tests",)),
    Case("food_deletes_tests", FOOD, 8, "wrong layer, and the ex3/ex4 test cells deleted: they are put "
         "back (OverwriteCells.add_missing_cells); ex3's fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.delete_cells("ex3_new_layer_tests", "ex4_replace_head_tests"),
         fails=("ex3_new_layer_tests",)),
    Case("food_points_inflated", FOOD, 8, "wrong layer; the ex3 test cell unlocked, emptied and set to "
         "100 points: points and code come back from the gradebook; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.unlock_and_raise_points("ex3_new_layer_tests", 100),
         fails=("ex3_new_layer_tests",)),
    Case("food_fake_outputs", FOOD, 8, "wrong layer; every graded cell shipped with a 'Correct' output: "
         "outputs are cleared and the notebook runs again; ex3 fails (no cascade, issue 13; was 3)", edits={"ex3_new_layer": WRONG_LAYER},
         transform=tamper.fake_outputs("Correct: well done.\n"),
         fails=("ex3_new_layer_tests",)),
    Case("food_patches_check", FOOD, 3,
         "wrong layer, and check_linear replaced by a no-op before the tests: flagged as tampering, "
         "every graded cell after it scores 0, ex6 too (ex1 + ex2 stand)",
         edits={"ex3_new_layer": WRONG_LAYER + "\nimport tlcourse.checks.heads as h\n"
                "h.check_linear = lambda *args, **kwargs: None"},
         feedback=("TamperingSuspected", "h.check_linear"),
         fails=("ex3_new_layer_tests", "ex4_replace_head_tests", "ex5_optimizer_tests", "ex6_most_confused_tests")),
    Case("food_patches_require", FOOD, 3,
         "optimizer over every parameter, and the checks' require() made a no-op: flagged, ex3-ex6 score 0",
         edits={"ex3_new_layer": "import tlcourse.checks.base as base\nbase.require = lambda *a, **k: None\n"
                "new_layer = torch.nn.Linear(in_features, 7)",
                "ex5_optimizer": "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)"},
         feedback=("TamperingSuspected",),
         fails=("ex3_new_layer_tests", "ex4_replace_head_tests", "ex5_optimizer_tests", "ex6_most_confused_tests")),
    Case("food_patches_torch", FOOD, 6,
         "optimizer over every parameter, torch.equal patched to always agree (in ex5's answer): "
         "flagged, ex5 and every graded cell after it (ex6, issue 15: was 7) score 0",
         edits={"ex5_optimizer": "torch.equal = lambda a, b: True\n"
                "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)"},
         feedback=("TamperingSuspected", "torch.equal"),
         fails=("ex5_optimizer_tests", "ex6_most_confused_tests")),
    Case("food_swallows_errors", FOOD, 5,
         "head frozen too, and the shell told to swallow every exception: nbgrader still sees the "
         "error replies, and the scan flags get_ipython(); ex4, ex5 and ex6 score 0 (ex4 1 point, ex6 "
         "added: issue 15)",
         edits={"ex4_replace_head": "net.fc = new_layer\nfor p in net.parameters():\n    p.requires_grad = False\n"
                "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)"},
         fails=("ex4_replace_head_tests", "ex5_optimizer_tests", "ex6_most_confused_tests")),
    Case("food_input_transformer", FOOD, 0,
         "wrong layer, and an input transformer that rewrites every later cell to `pass` (the strongest "
         "in-kernel attack): flagged, every graded cell after it scores 0 - ex1's test comes later too",
         edits={"ex1_in_features": "in_features = 512\nip = get_ipython()\n"
                "ip.input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
                "ex3_new_layer": WRONG_LAYER},
         fails=ALL_CELLS),
    Case("food_metadata_stripped", FOOD, 10,
         "every cell's nbgrader metadata removed, right answers: the tests are put back from the "
         "gradebook (at the end) and grade the real answers",
         transform=tamper.strip_nbgrader_metadata,
         fails=()),
    Case("food_metadata_stripped_wrong", FOOD, 8,
         "metadata removed and Linear(1000, 7): the restored tests fail ex3 as usual (no cascade, issue 13; was 3)",
         edits={"ex3_new_layer": WRONG_LAYER}, transform=tamper.strip_nbgrader_metadata,
         fails=("ex3_new_layer_tests",)),
    # --- faults: graded or reported with a reason; the run goes on --------------------------
    Case("food_infinite_loop", FOOD, 7, "an endless loop in ex5's answer: interrupted at the per-cell "
         "limit, ex5 scores 0 and the rest is graded",
         edits={"ex5_optimizer": "while True:\n    pass"}, feedback=("CellTimeoutError",),
         fails=("ex5_optimizer_tests",)),
    Case("food_os_exit", FOOD, 3, "os._exit(0) in ex3's answer: the kernel dies; ex1 + ex2 keep their "
         "points, later cells are marked as not run (ex6 too)", edits={"ex3_new_layer": "import os\nos._exit(0)"},
         feedback=("KernelDied",),
         fails=("ex3_new_layer_tests", "ex4_replace_head_tests", "ex5_optimizer_tests", "ex6_most_confused_tests")),
    Case("food_sys_exit", FOOD, 7, "sys.exit() in ex3's answer: IPython turns it into an error in that "
         "cell and the kernel lives on; new_layer never exists, so ex3 and ex4 fail; ex5's optimizer "
         "over net.fc is right on its own (no cascade, issue 13; was 3); 1 + 2 + 3 + 1 (ex4 1 point, ex6 "
         "added: issue 15; was 6)",
         edits={"ex3_new_layer": "import sys\nsys.exit('giving up')"},
         fails=("ex3_new_layer_tests", "ex4_replace_head_tests")),
    Case("food_huge_allocation", FOOD, 7, "a 12 GiB allocation in ex5's answer: MemoryError inside that "
         "kernel (memory cap), ex5 scores 0, the machine is untouched",
         edits={"ex5_optimizer": "big = bytearray(12 * 2**30)\noptimizer = torch.optim.Adam(net.fc.parameters(), lr=1e-3)"},
         feedback=("MemoryError",),
         fails=("ex5_optimizer_tests",)),
    Case("food_floods_output", FOOD, 10, "prints 50 MB before the right answer: output is cut at 1 MB, "
         "the answer is graded normally",
         edits={"ex1_in_features": "for _ in range(50):\n    print('x' * 1_000_000)\nin_features = net.fc.in_features"},
         feedback=("output truncated",),
         fails=()),
    Case("food_not_json", FOOD, 0, "a file cut off half-way: nbgrader cannot read it", transform=tamper.not_json,
         graded=False, reason_contains="JSON",
         fails=EVERY_CELL),
    Case("food_missing", FOOD, 0, "no notebook in the submission folder: reported, recorded as 0",
         missing=True, graded=False, reason_contains="recorded as 0",
         fails=EVERY_CELL),
    Case("food_renamed", FOOD, 0, "the notebook saved under another name: unknown file skipped, "
         "the expected notebook is missing: reported, recorded as 0",
         transform=tamper.rename_to("foodvision_head (1).ipynb"), graded=False, reason_contains="recorded as 0",
         fails=EVERY_CELL),
]

# --- more right answers (issue 13, second round) ----------------------------------------------
# The tasks: ex1 the feature size read from the network; ex2 every base parameter frozen (the old fc
# may be frozen or not); ex3 a torch.nn.Linear from in_features to 7 scores; ex4 net's head is
# new_layer, trainable; ex5 Adam at lr 1e-3 over the head's parameters only.
TUTORIAL_PARAMS_TO_UPDATE = '''lr = 1e-3
# as in PyTorch's fine-tuning tutorial: gather the parameters that still need gradients
params_to_update = []
for name, param in net.named_parameters():
    if param.requires_grad:
        params_to_update.append(param)
        print("\\t", name)
optimizer = torch.optim.Adam(params_to_update, lr=lr)'''

TYPED_FREEZE_HELPER = '''def freeze_(model: nn.Module) -> nn.Module:
    """Freeze every parameter of model in place and return it (for chaining)."""
    for param in model.parameters():
        param.requires_grad = False
    return model


net = freeze_(net)'''

CASES += [
    Case("food_last_child", FOOD, 10, "in_features read from the last child module "
         "(list(net.children())[-1], which is fc in a ResNet) and a self-check assert; the rest the "
         "reference: the number is read from the network as the task asks",
         edits={"ex1_in_features": "head = list(net.children())[-1]\nin_features = head.in_features\n"
                "assert in_features == net.fc.weight.shape[1]"}, fails=()),
    Case("food_typed_helper_reassigns", FOOD, 10, "ex2 a typed helper with a docstring that freezes in "
         "place and returns the module, its result assigned back to net (the same object); ex5 an "
         "annotated assignment optimizer: torch.optim.Optimizer = ...: right",
         edits={"ex2_freeze": TYPED_FREEZE_HELPER,
                "ex5_optimizer": "lr = 1e-3\noptimizer: torch.optim.Optimizer = torch.optim.Adam(net.fc.parameters(), lr=lr)"},
         fails=()),
    Case("food_adam_defaults_written", FOOD, 10, "Adam with the rate as a positional argument and its "
         "default hyper-parameters written out (betas, eps, weight_decay=0): the Adam of the task at "
         "1e-3 over the head",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam(net.fc.parameters(), lr, betas=(0.9, 0.999), "
                "eps=1e-8, weight_decay=0)"}, fails=()),
    Case("food_adam_default_lr", FOOD, 10, "Adam over the head without lr=: Adam's default rate is 1e-3, "
         "the rate the task asks for; the optimizer is the same: full marks",
         edits={"ex5_optimizer": "optimizer = torch.optim.Adam(net.fc.parameters())"}, fails=()),
    Case("food_head_initialised", FOOD, 10, "new_layer made as asked, then Xavier-initialised with a zero "
         "bias (a habit from other courses): the task asks for a Linear from in_features to 7 and says "
         "nothing about its initial values; right",
         edits={"ex3_new_layer": "num_classes = 7\nnew_layer = torch.nn.Linear(in_features, num_classes)\n"
                "torch.nn.init.xavier_uniform_(new_layer.weight)\ntorch.nn.init.zeros_(new_layer.bias)\nnew_layer"},
         fails=()),
    Case("food_to_device_size", FOOD, 10, "in_features with weight.size(dim=1); the head moved to the "
         "network's device while put in place (.to returns the same module): right",
         edits={"ex1_in_features": "in_features = net.fc.weight.size(dim=1)",
                "ex4_replace_head": "device = next(net.parameters()).device\nnet.fc = new_layer.to(device)"},
         fails=()),
    Case("food_tutorial_params_to_update", FOOD, 10, "ex5 in the form of PyTorch's fine-tuning tutorial: "
         "a loop over named_parameters collecting (and printing) the tensors with requires_grad: after "
         "ex2 and ex4 these are exactly the head's; right",
         edits={"ex5_optimizer": TUTORIAL_PARAMS_TO_UPDATE}, fails=()),
    Case("food_map_lambda_freeze", FOOD, 10, "ex2 freezes with list(map(lambda p: p.requires_grad_(False), "
         "...)) - a functional habit; the base is frozen: right",
         edits={"ex2_freeze": "_ = list(map(lambda p: p.requires_grad_(False), net.parameters()))"}, fails=()),
    Case("food_pip_and_shell", FOOD, 10, "%pip show torch and !python --version in the first answer cell "
         "(checking versions), and the reference answers: %pip and shell commands cost nothing",
         edits={"ex1_in_features": "%pip show torch\n!python --version\nin_features = net.fc.in_features"},
         fails=()),
    # --- mistakes ------------------------------------------------------------------------------
    Case("food_require_grad_typo", FOOD, 8, "param.require_grad = False (a typo: sets a new attribute, "
         "freezes nothing): the base stays trainable, ex2 fails; ex4 puts the head in place (right, with "
         "a note to fix ex2), ex5's optimizer over the head is right; 1 + 2 + 2 + 3",
         edits={"ex2_freeze": "for param in net.parameters():\n    param.require_grad = False"},
         feedback=("still trainable", "fix exercise 2 first"), fails=("ex2_freeze_tests",)),
    Case("food_weight_only_optimizer", FOOD, 7, "Adam over [new_layer.weight] only: the head's bias never "
         "learns, and the task says the head's parameters: ex5 fails",
         edits={"ex5_optimizer": "lr = 1e-3\noptimizer = torch.optim.Adam([new_layer.weight], lr=lr)"},
         fails=("ex5_optimizer_tests",)),
]
