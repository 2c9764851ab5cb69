"""Does a graded cell's evidence travel from a real kernel to the grader as plain data, read back exactly?"""

import nbformat
import pytest
import torch
from nbclient import NotebookClient

from tlcourse.checks.concepts import exercise_net
from tlcourse.evidence import EVIDENCE_MIME, digest, read_evidence
from tlcourse.evidence_format import evidence_outputs

pytestmark = pytest.mark.slow

KERNEL_CODE = '''
from tlcourse.checks.concepts import exercise_net
import tlcourse.evidence as _evidence
net = exercise_net()
for name, p in net.named_parameters():
    p.requires_grad = name.startswith("fc.")
_evidence.export("ex2_counts_tests", net=net, values_of=("fc.",), num_trainable=2_565, num_frozen=True)
'''


@pytest.fixture(scope="module")
def outputs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_CODE)])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    return nb.cells[0].outputs


def test_export_shows_one_display_of_the_evidence_type(outputs):
    assert [o.output_type for o in outputs] == ["display_data"]
    assert evidence_outputs(outputs) == outputs and isinstance(outputs[0].data[EVIDENCE_MIME], dict)


def test_the_grader_reads_back_names_flags_digests_and_values(outputs):
    evidence = read_evidence(outputs[0], "ex2_counts_tests")
    net, reference = evidence.network("net"), exercise_net()
    assert [p["name"] for p in net.params] == [n for n, _ in reference.named_parameters()]
    assert net.digests == {n: digest(p) for n, p in reference.named_parameters()}
    assert {n for n, flag in net.flags.items() if flag} == {"fc.weight", "fc.bias"}
    assert set(net.values) == {"fc.weight", "fc.bias"} and torch.equal(net.values["fc.weight"], reference.fc.weight)
    stand_in = net.module()
    assert sum(p.numel() for p in stand_in.parameters()) == sum(p.numel() for p in reference.parameters())


def test_answers_come_back_by_exact_value_or_as_what_they_were(outputs):
    evidence = read_evidence(outputs[0], "ex2_counts_tests")
    assert type(evidence.answer("num_trainable")) is int and evidence.answer("num_trainable") == 2_565
    frozen = evidence.answer("num_frozen")      # a bool is no count: it stays a named stand-in
    assert type(frozen).__name__ == "bool" and repr(frozen) == "True" and frozen != 1
