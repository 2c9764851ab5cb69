"""Checks for replacing and training a classifier head (FoodVision head challenge)."""

from __future__ import annotations

from torch import nn, optim

from tlcourse.checks.base import grading_check, note_earlier, plain_float, plain_int, require, short_list

IMAGENET_CLASSES = 1000
#: The sections of the FoodVision notebook that explain each idea (the messages point there).
IN_FEATURES = "Exercise 1 (1 point): how many features reach the head?"
FREEZE = "Exercise 2 (2 points): freeze the base"
NEW_LAYER = "Exercise 3 (2 points): build the new head"
IN_PLACE = "Exercise 4 (1 point): put the new head in place"
OPTIMIZER = "Exercise 5 (3 points): an optimizer for the head only"

#: What each graded cell of the FoodVision notebook must achieve (one contract per cell); the
#: checks below verify them by behaviour, tests/checks/test_heads.py shows both directions.
CONTRACT = {
    "ex1_in_features_tests":
        "in_features holds the number of features ResNet-18's base hands to its head, 512, as a whole "
        "number (int or numpy integer; net.fc.in_features, net.get_submodule('fc').in_features, net.fc.weight.shape[1]). "
        "Not 1000 (the old head's out_features).",
    "ex2_freeze_tests":
        "every parameter of net's base has requires_grad False (a loop over parameters() or "
        "named_parameters(), net.requires_grad_(False), freezing module by module). The old head may be "
        "frozen too (it is replaced in exercise 4).",
    "ex3_new_layer_tests":
        "new_layer is a trainable torch.nn.Linear with a bias, reading in_features (exercise 1's value) and "
        "giving 7 scores: Linear(512, 7) in any spelling (positional, keywords, nn/torch.nn). When exercise "
        "1's in_features is wrong, Linear(in_features, 7) built from it is judged right here and the note "
        "sends the student to exercise 1 (no cascade). Not Linear(1000, 7), not swapped, no bias=False.",
    "ex4_replace_head_tests":
        "net.fc is new_layer itself (net.fc = ..., setattr, add_module) and trainable, and net's forward "
        "pass ends in it. Judged on its own: the shape of new_layer is exercise 3's job, a base left "
        "trainable is exercise 2's (a note says so). Freezing after attaching the head fails here.",
    "ex5_optimizer_tests":
        "optimizer is torch.optim.Adam itself (not a subclass such as AdamW) with lr 1e-3 in every group, "
        "holding each tensor of the head exactly once and no base tensor (net.fc.parameters(), "
        "new_layer.parameters(), a filter on requires_grad or on names, the two tensors listed); a step "
        "changes the head and not the base. When exercise 4 never put new_layer in place, an optimizer "
        "over new_layer or over net.fc is judged right here with a note to fix exercise 4 (no cascade).",
}


@grading_check
def check_in_features(in_features, expected: int = 512) -> None:
    """The new head's input size must equal the base's output size."""
    require(
        plain_int(in_features) is not None,
        expected=f"an int ({expected})",
        found=f"{in_features!r} of type {type(in_features).__name__}",
        why="in_features is a count of features, a plain Python int, read from the network itself.",
        see=IN_FEATURES,
    )
    in_features = plain_int(in_features)  # compare the value, not the object's own __eq__
    require(
        in_features != IMAGENET_CLASSES,
        expected=str(expected),
        found=str(in_features),
        why="1000 is the number of ImageNet classes: the OLD head's out_features. "
        "The new head reads the features the frozen base produces: what the old head takes in, "
        "not what it gives out.",
        see=IN_FEATURES,
    )
    require(
        in_features == expected,
        expected=str(expected),
        found=str(in_features),
        why="ResNet-18's base ends in a 512-channel global average pool, so every image "
        "reaches the head as 512 numbers.",
        see=IN_FEATURES,
    )


@grading_check
def check_linear(layer, in_features: int = 512, num_classes: int = 7,
                 classes: str = "FoodVision-7's 7 classes",
                 see: str = NEW_LAYER) -> None:
    """``layer`` must be ``nn.Linear(in_features, num_classes)`` with a bias. ``classes`` names
    the task's classes in the message, ``see`` the section that explains the head."""
    require(
        isinstance(layer, nn.Linear),
        expected=f"torch.nn.Linear({in_features}, {num_classes})",
        found=f"{type(layer).__name__}: {layer!r}",
        why="the new head is one fully connected layer mapping features to class scores.",
        see=see,
    )
    found = f"Linear(in_features={layer.in_features}, out_features={layer.out_features})"
    if (layer.in_features, layer.out_features) == (num_classes, in_features):
        require(False, f"Linear({in_features}, {num_classes})", found,
                "the arguments are swapped: first the input size (features in), then the output size "
                "(one score per class).", see)
    require(
        layer.in_features == in_features,
        expected=f"in_features={in_features}",
        found=found,
        why=(f"the layer receives the base's {in_features}-number feature vector"
             + (", not the 1000 ImageNet scores of the old head." if layer.in_features == IMAGENET_CLASSES else ".")),
        see=see,
    )
    require(
        layer.out_features == num_classes,
        expected=f"out_features={num_classes}",
        found=found,
        why=f"the head gives one score for each of {classes}.",
        see=see,
    )
    require(layer.bias is not None, "a layer with a bias (the default)", "bias=False",
            "the old head had a bias; keep the default bias=True.", see)


@grading_check
def check_new_layer(layer, in_features, expected_in: int = 512, num_classes: int = 7) -> None:
    """Exercise 3 judged on its own: ``layer`` is ``Linear(expected_in, num_classes)``; when exercise
    1's ``in_features`` is some other whole number and ``layer`` was built from it, the layer is
    right for this exercise and a note sends the student to exercise 1 (no cascade)."""
    given = plain_int(in_features)
    if (given is not None and given != expected_in and given > 0 and isinstance(layer, nn.Linear)
            and layer.in_features == given):
        check_linear(layer, in_features=given, num_classes=num_classes)
        note_earlier("exercise 1", f"in_features is {given}, not the {expected_in} features ResNet-18's base "
                     "gives, and new_layer reads in_features")
        return
    check_linear(layer, in_features=expected_in, num_classes=num_classes)


def head_parameters(net: nn.Module, head_attr: str = "fc") -> list:
    """The parameters of ``net.<head_attr>``."""
    return list(getattr(net, head_attr).parameters())


def base_trainable(net: nn.Module, head_attr: str = "fc") -> list[str]:
    """Names of the trainable parameters outside the head."""
    prefix = head_attr + "."
    return [name for name, p in net.named_parameters() if not name.startswith(prefix) and p.requires_grad]


@grading_check
def check_base_frozen(net: nn.Module, head_attr: str = "fc") -> None:
    """Every parameter outside the head has ``requires_grad == False``."""
    prefix = head_attr + "."
    trainable = base_trainable(net, head_attr)
    total = sum(1 for name, _ in net.named_parameters() if not name.startswith(prefix))
    require(
        not trainable,
        expected="every parameter of the base frozen (requires_grad == False)",
        found=f"{len(trainable)} of {total} base tensors still trainable: {short_list(trainable)}",
        why="feature extraction keeps the ImageNet features as they are; only the new head learns. "
        "A tensor is frozen when its requires_grad flag is off.",
        see=FREEZE,
    )


@grading_check
def check_head_trainable(net: nn.Module, head_attr: str = "fc") -> None:
    """Every parameter of the head has ``requires_grad == True``."""
    frozen = [name for name, p in getattr(net, head_attr).named_parameters() if not p.requires_grad]
    require(
        not frozen,
        expected=f"the new head net.{head_attr} trainable (requires_grad == True)",
        found=f"frozen head tensors: {short_list(frozen)}",
        why="a frozen head cannot learn, so nothing in the network would learn at all. This happens "
        "when the freezing loop runs after the new layer was put in place; a new layer is "
        "trainable when it is made.",
        see=IN_PLACE,
    )


@grading_check
def check_head_in_place(net: nn.Module, layer: nn.Module, head_attr: str = "fc") -> None:
    """``net.<head_attr>`` is ``layer`` and trainable. Whether the base is frozen is exercise 2's
    job: a base left trainable earns a note that sends the student there, not a failure here
    (no cascade: a right answer after a wrong one keeps its points)."""
    current = getattr(net, head_attr)
    require(
        current is layer,
        expected=f"net.{head_attr} to be your new_layer",
        found=f"net.{head_attr} = {current!r}",
        why="the network only uses the new head once it replaces the old one.",
        see=IN_PLACE,
    )
    check_head_trainable(net, head_attr)
    trainable = base_trainable(net, head_attr)
    if trainable:
        note_earlier("exercise 2", f"{len(trainable)} tensors of the base are still trainable "
                     f"({short_list(trainable)})")


def judged_head(net: nn.Module, optimizer, new_layer: nn.Module | None = None,
                head_attr: str = "fc") -> nn.Module:
    """The head exercise 5's optimizer is judged against: ``net.<head_attr>``, or ``new_layer`` when
    exercise 4 never put it in place and the optimizer holds it (no cascade)."""
    current = getattr(net, head_attr)
    if new_layer is None or current is new_layer or not isinstance(new_layer, nn.Module):
        return current
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    new_ids = {id(p) for p in new_layer.parameters()}
    return new_layer if new_ids and new_ids <= held else current


@grading_check
def check_optimizer(optimizer, net: nn.Module, lr: float = 1e-3,
                    kind: type = optim.Adam, head_attr: str = "fc",
                    new_layer: nn.Module | None = None) -> None:
    """The optimizer is ``kind`` itself (a subclass such as AdamW is another optimizer) with learning
    rate ``lr`` over exactly the head's parameters. The head is ``net.<head_attr>``; given exercise
    3's ``new_layer`` and an exercise 4 that never put it in place, an optimizer over ``new_layer``
    is judged right too (``judged_head``)."""
    require(
        type(optimizer) is kind,
        expected=f"torch.optim.{kind.__name__}",
        found=type(optimizer).__name__ + (f" (a variant of {kind.__name__} with other update rules)"
                                          if isinstance(optimizer, kind) else ""),
        why=f"the exercise asks for {kind.__name__}.",
        see=OPTIMIZER,
    )
    head_module = judged_head(net, optimizer, new_layer, head_attr)
    if isinstance(new_layer, nn.Module) and getattr(net, head_attr) is not new_layer:
        note_earlier("exercise 4", f"net.{head_attr} is not new_layer, so the network never uses your new head")
    # plain copies: a float subclass whose __eq__ always says True is compared by its value
    rates = sorted({_rate(group["lr"]) for group in optimizer.param_groups})
    require(
        rates == [lr],
        expected=f"lr={lr:g} for every parameter group",
        found="lr=" + ", ".join(f"{r:g}" for r in rates),
        why="1e-3 is Adam's usual starting rate for a freshly initialised head.",
        see=OPTIMIZER,
    )
    held = [p for group in optimizer.param_groups for p in group["params"]]
    head = list(head_module.parameters())
    head_ids = {id(p) for p in head}
    extra = [name for name, p in net.named_parameters() if id(p) in {id(q) for q in held}
             and id(p) not in head_ids]
    require(
        not extra,
        expected=f"only the head's {len(head)} tensors (net.{head_attr}.parameters())",
        found=f"{len(held)} tensors, including base tensors: {short_list(extra)}",
        why="the base is frozen, so handing its parameters to the optimizer only costs memory and "
        "time - and the moment someone unfreezes them they would start changing.",
        see=OPTIMIZER,
    )
    missing = [name for name, p in head_module.named_parameters()
               if id(p) not in {id(q) for q in held}]
    require(
        not missing,
        expected=f"every tensor of net.{head_attr}",
        found=f"missing: {short_list(missing)}" + (
            " (the optimizer may hold the parameters of a layer that is no longer net."
            f"{head_attr})" if len(missing) == len(head) else ""),
        why="a tensor the optimizer does not hold is never updated; an optimizer made before the "
        "head was replaced holds the old head's tensors.",
        see=OPTIMIZER,
    )
    net_ids = {id(p) for p in net.parameters()}
    strangers = [p for p in held if id(p) not in head_ids and id(p) not in net_ids]
    require(
        not strangers,
        expected=f"only the head's {len(head)} tensors",
        found=f"{len(held)} tensors, {len(strangers)} of them in no layer of net (an old head kept in a variable?)",
        why="the optimizer updates what it holds: tensors the network no longer uses only cost memory and time.",
        see=OPTIMIZER,
    )
    require(
        len(held) == len({id(p) for p in held}),
        expected="each tensor once", found="a tensor listed twice",
        why="PyTorch refuses duplicated parameters; one list of the head's parameters is enough.",
        see=OPTIMIZER,
    )


def _rate(value) -> float:
    """A learning rate as a plain float (a 1-element tensor too); NaN when it is no number."""
    if hasattr(value, "numel") and value.numel() == 1:
        value = value.item()
    rate = plain_float(value)
    return float("nan") if rate is None else rate
