"""Are the test cells listed in tlcourse.checks.verdicts decided in the grader, on their evidence only?

The evidence is made by the same function the hidden tests call in the kernel
(``tlcourse.evidence.evidence_data``, which ``export`` displays), from real networks;
the verdicts are the course's own. Real nbgrader runs: tests/redteam (attacks on the evidence
path, and attacks that skip asserts in the kernel) and the 01 cases of tests/corpus.
"""

from __future__ import annotations

import base64
import io
import json
import pickle

import pytest
import torch
from nbformat.v4 import new_output
from nbgrader.utils import determine_grade

from tests.cells import create_grade_cell, error, notebook, stream
from tlcourse.checks.concepts import exercise_net
from tlcourse.evidence import EVIDENCE_MIME, MAX_EVIDENCE_BYTES, evidence_data
from tlcourse.nbgrader_ext.grader_verdicts import DECIDED_HERE, DecideInGrader

EX1, EX2 = "ex1_freeze_tests", "ex2_counts_tests"
RESOURCES = {"nbgrader": {"assignment": "01_concepts"}}


@pytest.fixture(scope="module")
def frozen():
    net = exercise_net()
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith("fc.")
    return net


def shown(data) -> dict:
    """The output ``export`` displays, as nbformat records it (JSON in, JSON out)."""
    return new_output("display_data", data={EVIDENCE_MIME: json.loads(json.dumps(data)), "text/plain": "[...]"})


def ex1(net, **kw):
    return shown(evidence_data(EX1, ("fc.",), net=net, **kw))


def ex2(net, trainable, frozen_count):
    return shown(evidence_data(EX2, net=net, num_trainable=trainable, num_frozen=frozen_count))


def decide(*cells, resources=RESOURCES):
    nb, _ = DecideInGrader().preprocess(notebook(*cells), json.loads(json.dumps(resources)))
    return nb.cells


def grade_cell(grade_id, outputs, points=2):
    return create_grade_cell("check(net)\n### BEGIN HIDDEN TESTS\nexport()\n### END HIDDEN TESTS",
                             grade_id=grade_id, points=points, outputs=outputs)


def message(cell) -> str:
    [out] = [o for o in cell.outputs if o.output_type == "error"]
    return f"{out.ename}: {out.evalue}"


def test_a_frozen_base_passes_and_the_evidence_leaves_the_notebook(frozen):
    [cell] = decide(grade_cell(EX1, [stream("stdout", "Correct: only net.fc is trainable.\n"), ex1(frozen)]))
    assert determine_grade(cell) == (2, 2)
    assert [o.output_type for o in cell.outputs] == ["stream"]
    assert EVIDENCE_MIME not in json.dumps(cell)


def test_a_base_left_trainable_fails_with_the_checks_message_decided_here():
    cell = decide(grade_cell(EX1, [ex1(exercise_net())]))[0]
    assert determine_grade(cell) == (0, 2)
    assert message(cell).startswith("CheckFailed: Expected: the base frozen") and DECIDED_HERE in message(cell)


def test_a_replaced_head_fails_though_its_flags_are_right(frozen):
    net = exercise_net()
    net.fc = torch.nn.Linear(512, 5)
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith("fc.")
    cell = decide(grade_cell(EX1, [ex1(net)]))[0]
    assert "net.fc was replaced" in message(cell)


def test_counts_are_decided_on_the_exported_numbers(frozen):
    right, swapped, floats = (ex2(frozen, 2_565, 11_176_512), ex2(frozen, 11_176_512, 2_565),
                              ex2(frozen, 2_565.0, 11_176_512.0))
    cells = decide(grade_cell(EX2, [right]), grade_cell(EX2, [swapped]), grade_cell(EX2, [floats]))
    assert [determine_grade(c)[0] for c in cells] == [2, 0, 0]
    assert "swapped" in message(cells[1]) and "of type float" in message(cells[2])


def test_an_int_subclass_equal_to_anything_is_judged_by_its_value(frozen):
    class Yes(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    cell = decide(grade_cell(EX2, [ex2(frozen, Yes(0), Yes(0))]))[0]
    assert determine_grade(cell) == (0, 2) and "num_trainable=2,565" in message(cell)


def test_a_cell_without_evidence_scores_0_with_the_reason():
    cell = decide(grade_cell(EX1, [stream("stdout", "Correct: only net.fc is trainable.\n")]))[0]
    assert determine_grade(cell) == (0, 2) and message(cell).startswith("EvidenceRejected: no evidence")


def test_a_second_evidence_output_in_the_cell_scores_0(frozen):
    cell = decide(grade_cell(EX1, [ex1(frozen), ex1(frozen)]))[0]
    assert determine_grade(cell) == (0, 2) and "2 evidence outputs" in message(cell)


def test_evidence_shown_by_another_cell_counts_for_nothing_and_is_removed(frozen):
    earlier = create_grade_cell("print(forged)", grade_id="ex1_freeze", points=0, outputs=[ex1(frozen)])
    earlier.metadata["nbgrader"].update(grade=False, solution=True, locked=False)
    cells = decide(earlier, grade_cell(EX1, []))
    assert cells[0].outputs == [] and "no evidence" in message(cells[1])


def test_evidence_for_another_cell_id_is_rejected(frozen):
    cell = decide(grade_cell(EX2, [shown(evidence_data(EX1, ("fc.",), net=frozen))]))[0]
    assert determine_grade(cell) == (0, 2) and "not for this cell (ex2_counts_tests)" in message(cell)


def test_a_pickle_payload_in_the_values_never_runs(frozen, tmp_path):
    witness = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(witness), "w"))

    data = evidence_data(EX1, ("fc.",), net=frozen)
    buffer = io.BytesIO()
    torch.save({"fc.weight": Payload()}, buffer)
    data["items"]["net"]["values"] = base64.b64encode(buffer.getvalue()).decode()
    plain = pickle.dumps({"fc.bias": Payload()})
    cells = decide(grade_cell(EX1, [shown(data)]), grade_cell(EX1, [shown(
        {**data, "items": {"net": {**data["items"]["net"], "values": base64.b64encode(plain).decode()}}})]))
    assert not witness.exists()
    assert all("not plain tensors" in message(c) for c in cells), [message(c) for c in cells]


def test_huge_evidence_and_huge_tensors_are_refused(frozen):
    data = evidence_data(EX1, ("fc.",), net=frozen)
    flood = {**data, "items": {**data["items"], **{f"x{i}": {"kind": "value", "type": "str", "repr": "x" * 190,
                                                         "int": None} for i in range(MAX_EVIDENCE_BYTES // 190)}}}
    big = torch.nn.Sequential(torch.nn.Linear(200, 200))  # 160 kB of values: under the JSON cap, over the tensor cap
    big_data = evidence_data(EX1, ("0.",), net=big)
    cells = decide(grade_cell(EX1, [shown(flood)]), grade_cell(EX1, [shown(big_data)]))
    assert "bytes of evidence, more than" in message(cells[0])
    assert "bytes of values, more than" in message(cells[1])


def test_malformed_parameters_are_refused(frozen):
    data = evidence_data(EX1, ("fc.",), net=frozen)
    data["items"]["net"]["params"][0]["name"] = "fc.__class__..x"
    cell = decide(grade_cell(EX1, [shown(data)]))[0]
    assert "malformed parameter entry" in message(cell)


def test_a_cell_that_failed_in_the_kernel_keeps_its_own_failure(frozen):
    cell = decide(grade_cell(EX1, [error("CheckFailed", "Expected: the base frozen")]))[0]
    assert message(cell) == "CheckFailed: Expected: the base frozen"


def test_cells_of_other_assignments_and_ungraded_cells_are_left_to_the_kernel(frozen):
    cell = decide(grade_cell(EX1, [stream("stdout", "ok\n")]), resources={"nbgrader": {"assignment": "02_other"}})[0]
    assert determine_grade(cell) == (2, 2)


# --- exercise 3: choose_strategy's answers, decided in the grader ------------------------------

EX3_EXAMPLES, EX3_RULES = "ex3_examples_tests", "ex3_rules_tests"


def ex3(cell_id, fn):
    from tlcourse.checks import concepts

    cases = concepts.HIDDEN_EXAMPLE_CASES if cell_id == EX3_EXAMPLES else concepts.RULE_GRID
    return shown(evidence_data(cell_id, **concepts.strategy_answers(fn, cases)))


def in_kernel_message(fn, cases) -> str:
    from tlcourse.checks import concepts

    with pytest.raises(AssertionError) as failed:
        concepts.check_choose_strategy(fn, cases)
    return str(failed.value)


@pytest.mark.parametrize("cell_id", [EX3_EXAMPLES, EX3_RULES])
def test_the_rules_pass_in_the_grader_and_a_mistake_fails_with_the_kernels_message(cell_id):
    from tlcourse.checks import concepts

    def off_by_one(n, similarity, same):
        return concepts.reference_strategy(n + 1 if n == 999 else n, similarity, same)

    def raises_on_none(n, similarity, same):
        return {"high": "x", "low": "y"}[similarity] and concepts.reference_strategy(n, similarity, same)

    [right] = decide(grade_cell(cell_id, [ex3(cell_id, concepts.reference_strategy)], points=3))
    assert determine_grade(right) == (3, 3)
    cases = concepts.HIDDEN_EXAMPLE_CASES if cell_id == EX3_EXAMPLES else concepts.RULE_GRID
    def ignores_similarity(n, similarity, same):
        answer = concepts.reference_strategy(n, similarity, same)
        return "feature extraction" if answer == "earlier-layer features" else answer

    for wrong in [ignores_similarity] + ([off_by_one, raises_on_none] if cell_id == EX3_RULES else []):
        [cell] = decide(grade_cell(cell_id, [ex3(cell_id, wrong)], points=3))
        assert determine_grade(cell) == (0, 3), wrong.__name__
        assert message(cell) == f"CheckFailed: {in_kernel_message(wrong, cases)}\n{DECIDED_HERE}"


def test_a_str_subclass_counts_by_its_characters_and_a_lying_repr_counts_for_nothing():
    from tlcourse.checks import concepts

    class Yes(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    class Looks:  # not a string, whose repr is the right answer's
        def __init__(self, text):
            self.text = text

        def __repr__(self):
            return repr(self.text)

    [chars] = decide(grade_cell(EX3_RULES, [ex3(EX3_RULES, lambda *a: Yes(concepts.reference_strategy(*a)))], 3))
    assert determine_grade(chars) == (3, 3)
    [always] = decide(grade_cell(EX3_RULES, [ex3(EX3_RULES, lambda *a: Yes("full fine-tuning"))], 3))
    assert determine_grade(always) == (0, 3)
    [looks] = decide(grade_cell(EX3_RULES, [ex3(EX3_RULES, lambda *a: Looks(concepts.reference_strategy(*a)))], 3))
    assert determine_grade(looks) == (0, 3) and "one of the four strings" in message(looks)


def test_an_answer_missing_from_the_evidence_is_rejected_not_a_grading_error():
    from tlcourse.checks import concepts

    data = evidence_data(EX3_RULES, **concepts.strategy_answers(concepts.reference_strategy, concepts.RULE_GRID))
    del data["items"]["case_7"]
    [cell] = decide(grade_cell(EX3_RULES, [shown(data)], points=3))
    assert determine_grade(cell) == (0, 3)
    assert message(cell).startswith("EvidenceRejected: the evidence has no value named 'case_7'")


def test_grading_an_assignment_without_verdicts_never_imports_torch():
    # Every nbgrader command loads the course's preprocessors; torch (seconds to import) is for
    # the assignments whose cells are decided here. Evidence shown elsewhere is still removed.
    import subprocess
    import sys

    program = f"""
import json, sys
from tests.cells import create_grade_cell, notebook
from nbformat.v4 import new_output
from tlcourse.nbgrader_ext import DecideInGrader
forged = new_output("display_data", data={{{EVIDENCE_MIME!r}: {{"format": 1}}}})
cell = create_grade_cell("check(net)", grade_id="ex2_freeze_tests", points=2, outputs=[forged])
nb, _ = DecideInGrader().preprocess(notebook(cell), {{"nbgrader": {{"assignment": "02_foodvision_head"}}}})
print(json.dumps([len(nb.cells[0].outputs), "torch" in sys.modules]))
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [0, False]
