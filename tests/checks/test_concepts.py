"""Do the Concepts checks accept right answers and teach on wrong ones?"""

from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from tlcourse.checks import CheckFailed
from tlcourse.checks.concepts import (EXAMPLE_CASES, SMALL_DATA, SOURCE_SIZE, STRATEGIES, Case,
                                      check_choose_strategy, check_counts,
                                      check_only_head_trainable, reference_strategy)
from tlcourse.strategies import count_params
from tests.checks.broken_check import assert_grading_error


@pytest.fixture
def net():
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    net.fc = nn.Linear(512, 5)
    return net


def freeze_base(net):
    for name, param in net.named_parameters():
        param.requires_grad = name.startswith("fc.")
    return net


# --- freezing and counting ---------------------------------------------------------------

def test_counts_of_a_frozen_resnet18_with_a_five_class_head(net):
    freeze_base(net)
    assert (count_params(net, trainable=True), count_params(net, trainable=False)) == (512 * 5 + 5, 11_176_512)
    check_only_head_trainable(net)
    check_counts(net, 2565, 11_176_512)


def test_freezing_all_then_unfreezing_the_head_passes(net):
    net.requires_grad_(False)
    net.fc.requires_grad_(True)
    check_only_head_trainable(net)


def test_nothing_frozen_is_explained(net):
    with pytest.raises(CheckFailed, match="all 60 base tensors still trainable"):
        check_only_head_trainable(net)


def test_head_frozen_too_is_explained(net):
    net.requires_grad_(False)
    with pytest.raises(CheckFailed, match=r"frozen head tensors: fc.weight, fc.bias(.|\n)*See: +the section \"Exercise 1 \(2 points\): freeze the base\""):
        check_only_head_trainable(net)


def test_part_of_the_base_left_trainable_is_named(net):
    freeze_base(net)
    net.layer4.requires_grad_(True)
    with pytest.raises(CheckFailed, match="15 of 60 base tensors still trainable: layer4.0.conv1.weight"):
        check_only_head_trainable(net)


def test_counts_computed_another_way_pass(net):
    freeze_base(net)
    trainable = int(sum(p.numel() for p in net.fc.parameters()))
    frozen = int(torch.tensor([p.numel() for n, p in net.named_parameters() if not n.startswith("fc")]).sum().item())
    check_counts(net, trainable, frozen)


@pytest.mark.parametrize("values, words", [
    ((2, 60), "tensors"),                       # len(...) instead of numel
    ((11_176_512, 2565), "swapped"),
    ((11_179_077, 11_176_512), "every parameter of the network"),
    ((2565, 11_179_077), "num_frozen=11,179,077, every parameter"),
    ((2560, 11_176_512), "num_trainable=2,565(.|\n)*weights plus its biases"),
    ((2565, 11_176_000), "num_frozen=11,176,512"),
    ((2565.0, 11_176_512), "plain Python int"),
    ((torch.tensor(2565), 11_176_512), "type Tensor"),
    ((True, 11_176_512), "type bool"),
])
def test_wrong_counts_are_explained(net, values, words):
    freeze_base(net)
    with pytest.raises(CheckFailed, match=words):
        check_counts(net, *values)


def test_counts_through_state_dict_name_the_buffers(net):
    """state_dict() holds the batch-norm running statistics too: a frozen count taken from it is
    too large by exactly the buffers, and the message says so."""
    freeze_base(net)
    stored = sum(v.numel() for v in net.state_dict().values())
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert stored > 11_179_077  # the buffers are really there
    with pytest.raises(CheckFailed, match=r"num_frozen=\d[\d,]*: [\d,]+ too many, as many as the network's buffers"
                       r"(.|\n)*not parameters"):
        check_counts(net, trainable, stored - trainable)
    check_counts(net, trainable, sum(p.numel() for p in net.parameters()) - trainable)


# --- choosing a strategy -----------------------------------------------------------------

def solution(num_images, domain_similarity, same_input_type):
    if not same_input_type or domain_similarity == "none":
        return "don't transfer"
    if num_images >= 1_000:
        return "full fine-tuning"
    return "feature extraction" if domain_similarity == "high" else "earlier-layer features"


def table_solution(num_images, domain_similarity, same_input_type):
    """The same rules written as CS231n's matrix in a lookup table (an equivalent answer)."""
    if same_input_type and domain_similarity in ("high", "low"):
        size = "small" if num_images < 1000 else "large"
        return {("small", "high"): "feature extraction", ("small", "low"): "earlier-layer features",
                ("large", "high"): "full fine-tuning", ("large", "low"): "full fine-tuning"}[
            size, domain_similarity]
    return "don't transfer"


def old_rules(num_images, domain_similarity, same_input_type):
    """The course's rules before CS231n's matrix: >= 1,000,000 images don't transfer, small and
    different partial fine-tuning, large and similar partial fine-tuning."""
    if not same_input_type or domain_similarity == "none" or num_images >= 1_000_000:
        return "don't transfer"
    small = num_images < 1_000
    if domain_similarity == "high":
        return "feature extraction" if small else "partial fine-tuning"
    return "partial fine-tuning" if small else "full fine-tuning"


ALL_CASES = [Case(n, s, same) for n in (1, 300, 999, 1000, 20_000, 999_999, 1_000_000, 14_000_000)
             for s in ("high", "low", "none") for same in (True, False)]


def test_the_reference_rules_on_the_notebooks_examples():
    expected = ["feature extraction", "earlier-layer features", "full fine-tuning", "full fine-tuning",
                "don't transfer"]
    assert [reference_strategy(*c.args) for c in EXAMPLE_CASES] == expected
    assert {reference_strategy(*c.args) for c in ALL_CASES} == set(STRATEGIES)
    assert (SMALL_DATA, SOURCE_SIZE) == (1_000, 1_000_000)


def test_the_rules_follow_cs231n_matrix_corners():
    # small/similar, small/different, large/similar, large/different; and the factory case of the
    # lecture notes (300 images, low similarity) keeps the base frozen.
    assert reference_strategy(300, "high", True) == "feature extraction"
    assert reference_strategy(300, "low", True) == "earlier-layer features"
    assert reference_strategy(50_000, "high", True) == "full fine-tuning"
    assert reference_strategy(50_000, "low", True) == "full fine-tuning"
    assert reference_strategy(SOURCE_SIZE, "high", True) == "full fine-tuning"


@pytest.mark.parametrize("fn", [solution, table_solution])
def test_equivalent_answers_pass_every_case(fn):
    assert check_choose_strategy(fn, ALL_CASES) == len(ALL_CASES)


def test_partial_fine_tuning_for_the_factory_case_is_explained():
    with pytest.raises(CheckFailed, match=r"choose_strategy\(300, 'low', True\)(.|\n)*returned 'partial "
                       r"fine-tuning'(.|\n)*between the matrix's corners"):
        check_choose_strategy(old_rules, EXAMPLE_CASES)


def test_last_layer_features_for_a_different_domain_names_the_earlier_layer():
    def last_layer_only(num_images, domain_similarity, same_input_type):
        answer = solution(num_images, domain_similarity, same_input_type)
        return "feature extraction" if answer == "earlier-layer features" else answer
    with pytest.raises(CheckFailed, match=r"Freezing was right; the layer the features come from"):
        check_choose_strategy(last_layer_only, EXAMPLE_CASES)


def test_dont_transfer_for_a_source_sized_set_says_pretrained_initialisation_helps():
    def old_rule_3(num_images, domain_similarity, same_input_type):
        return "don't transfer" if num_images >= 1_000_000 else solution(num_images, domain_similarity,
                                                                          same_input_type)
    check_choose_strategy(old_rule_3, EXAMPLE_CASES)  # the examples have no such set
    with pytest.raises(CheckFailed, match=r"pretrained initialisation still helps"):
        check_choose_strategy(old_rule_3, ALL_CASES)


def test_fine_tuning_everything_on_small_data_names_over_fitting():
    def always_fine_tune(num_images, domain_similarity, same_input_type):
        return solution(max(num_images, 1_000), domain_similarity, same_input_type)
    with pytest.raises(CheckFailed, match=r"300 < 1,000 images is small data(.|\n)*risks over-fitting"):
        check_choose_strategy(always_fine_tune, EXAMPLE_CASES)


def test_not_a_function_is_explained():
    with pytest.raises(CheckFailed, match="a function"):
        check_choose_strategy("feature extraction", EXAMPLE_CASES)


def test_an_exception_is_reported_with_the_call():
    def crashes(num_images, domain_similarity, same_input_type):
        return {"high": "feature extraction"}[domain_similarity]
    with pytest.raises(CheckFailed, match=r"choose_strategy\(300, 'low', True\)(.|\n)*raised KeyError"):
        check_choose_strategy(crashes, EXAMPLE_CASES)


def test_misspelt_strategy_is_explained():
    def misspelt(num_images, domain_similarity, same_input_type):
        return solution(num_images, domain_similarity, same_input_type).replace("-", " ")
    with pytest.raises(CheckFailed, match=r"returned 'earlier layer features'(.|\n)*hyphens"):
        check_choose_strategy(misspelt, EXAMPLE_CASES)


def test_ignoring_the_domain_names_rule_3():
    def size_only(num_images, domain_similarity, same_input_type):
        if not same_input_type:
            return "don't transfer"
        return "feature extraction" if num_images < 1000 else "full fine-tuning"
    with pytest.raises(CheckFailed, match=r"choose_strategy\(300, 'low', True\)(.|\n)*'earlier-layer features'"
                       r"(.|\n)*rule 3, the matrix's small-data row: 300 < 1,000 images is small data"):
        check_choose_strategy(size_only, EXAMPLE_CASES)


def test_forgetting_the_input_type_names_rule_1():
    def no_input_rule(num_images, domain_similarity, same_input_type):
        return solution(num_images, domain_similarity, True)
    with pytest.raises(CheckFailed, match=r"spreadsheet(.|\n)*rule 1: the input types differ"):
        check_choose_strategy(no_input_rule, EXAMPLE_CASES)


def test_off_by_one_threshold_names_the_boundary():
    def off_by_one(num_images, domain_similarity, same_input_type):
        return solution(num_images + 1 if num_images == 999 else num_images, domain_similarity, same_input_type)
    with pytest.raises(CheckFailed, match=r"choose_strategy\(999, 'high', True\) -> 'feature extraction'"
                       r"(.|\n)*999 < 1,000 images is small data"):
        check_choose_strategy(off_by_one, ALL_CASES)


def test_no_shared_features_names_rule_2():
    def none_is_low(num_images, domain_similarity, same_input_type):
        return solution(num_images, "low" if domain_similarity == "none" else domain_similarity, same_input_type)
    with pytest.raises(CheckFailed, match=r"rule 2: domain_similarity='none'"):
        check_choose_strategy(none_is_low, ALL_CASES)


def test_counts_of_a_wrongly_frozen_net_pass_and_send_to_exercise_1(net, capsys):
    net.requires_grad_(False)  # exercise 1 froze the head too
    check_counts(net, 0, 11_179_077)
    assert "fix exercise 1 first" in capsys.readouterr().out
    with pytest.raises(CheckFailed):
        check_counts(net, 2_565, 11_176_512)  # the counts of another network than net


# --- answers compared by value, not by the object's own __eq__ -----------------------------

def test_a_string_subclass_equal_to_everything_does_not_pass():
    from tests.checks.test_base import AlwaysEqualStr

    with pytest.raises(CheckFailed, match="one of the four strings"):
        check_choose_strategy(lambda *args: AlwaysEqualStr("anything"), EXAMPLE_CASES)
    with pytest.raises(CheckFailed, match="->"):
        check_choose_strategy(lambda *args: AlwaysEqualStr("don't transfer"), EXAMPLE_CASES)


def test_numpy_strings_and_honest_str_subclasses_with_the_right_answer_pass():
    import numpy as np

    class Label(str):
        pass

    assert check_choose_strategy(lambda *a: np.str_(reference_strategy(*a)), ALL_CASES) == len(ALL_CASES)
    assert check_choose_strategy(lambda *a: Label(reference_strategy(*a)), ALL_CASES) == len(ALL_CASES)


def test_an_int_subclass_equal_to_everything_does_not_pass(net):
    from tests.checks.test_base import AlwaysEqualInt

    freeze_base(net)
    with pytest.raises(CheckFailed, match="num_trainable=2,565"):
        check_counts(net, AlwaysEqualInt(0), AlwaysEqualInt(0))


def test_numpy_integers_with_the_right_counts_pass(net):
    import numpy as np

    freeze_base(net)
    check_counts(net, np.int64(2565), np.int64(11_176_512))


# --- the contracts: equivalent forms pass, each named mistake fails with its own message -------


def test_every_graded_cell_of_the_notebook_has_a_contract():
    import nbformat

    from tlcourse.checks.concepts import CONTRACT

    path = Path(__file__).resolve().parents[2] / "source" / "01_concepts/concepts.ipynb"
    graded = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    assert set(CONTRACT) == graded
    for contract in CONTRACT.values():
        assert "achieves:" in contract and "may not change:" in contract and "equally right:" in contract


def test_the_exercise_net_is_the_notebooks_and_leaves_the_random_state_alone(net):
    from tlcourse.checks.concepts import exercise_net

    state = torch.random.get_rng_state()
    reference = exercise_net()
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), reference.parameters()))


def freeze_children_but_fc(net):
    for child in net.children():
        if child is not net.get_submodule("fc"):
            for p in child.parameters():
                p.requires_grad = False


def freeze_twice(net):
    for _ in range(2):
        net.requires_grad_(False)
        net.fc.requires_grad_(True)


@pytest.mark.parametrize("answer", [freeze_base, freeze_children_but_fc, freeze_twice], ids=lambda f: f.__name__)
def test_right_freezing_forms_pass_against_the_notebooks_network(net, answer):
    from tlcourse.checks.concepts import exercise_net

    answer(net)
    check_only_head_trainable(net, reference=exercise_net())


def replace_the_head(net):
    net.requires_grad_(False)
    net.fc = nn.Linear(512, 5)


def rebuild_the_network(net):
    fresh = torchvision.models.resnet18(weights=None)
    fresh.fc = nn.Linear(512, 5)
    for name, p in fresh.named_parameters():
        p.requires_grad = name.startswith("fc.")
    return fresh


def seven_classes(net):
    net.fc = nn.Linear(512, 7)
    freeze_base(net)


@pytest.mark.parametrize("answer, words", [
    (replace_the_head, r"net.fc still the head the notebook built(.|\n)*replaced by a new layer"),
    (rebuild_the_network, r"the base's weights as the notebook built them(.|\n)*rebuilt"),
    (seven_classes, r"other layers: fc.weight, fc.bias"),
])
def test_a_changed_network_fails_with_that_reason(net, answer, words):
    from tlcourse.checks.concepts import exercise_net

    net = answer(net) or net
    check_only_head_trainable(net)  # the flags alone are right
    with pytest.raises(CheckFailed, match=words):
        check_only_head_trainable(net, reference=exercise_net())


# --- a check that cannot run says so: a grading error, never a verdict on the answer ----------

def test_a_check_that_breaks_inside_reports_a_grading_error(net, monkeypatch):
    import tlcourse.checks.concepts as concepts

    freeze_base(net)
    assert_grading_error(monkeypatch, concepts, "count_params", check_counts,
                         lambda: check_counts(net, 2565, 11_176_512), ZeroDivisionError("division by zero"))


@pytest.mark.parametrize("value", [None, "net", [nn.Linear(2, 2)]])
def test_net_bound_to_something_else_is_the_students_to_fix(value):
    for check in (check_only_head_trainable, lambda net: check_counts(net, 1, 2)):
        with pytest.raises(CheckFailed, match=r"a torch.nn.Module(.|\n)*run the notebook from the top"):
            check(value)
