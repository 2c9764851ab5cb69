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
}

CLASS = [
    Student("reference"),                      # the source solutions: full marks
    Student("blank", solves=False),            # the untouched student version: zero
    Student("partial", edits=PARTIAL_EDITS),   # some right, some wrong: in between
]
