"""In-memory tensor data: stratified, seeded subsets of the training set."""

import pytest
import torch

from tlcourse.tensor_data import stratified_indices


def test_stratified_subsets_are_balanced_seeded_and_nested_in_the_data():
    y = torch.tensor([0] * 10 + [1] * 30 + [2] * 3)
    idx = stratified_indices(y, 0.1, seed=0)
    assert torch.bincount(y[idx]).tolist() == [1, 3, 1]
    assert torch.equal(idx, stratified_indices(y, 0.1, seed=0))
    assert not torch.equal(stratified_indices(y, 0.5, seed=0), stratified_indices(y, 0.5, seed=1))
    assert len(stratified_indices(y, 1.0, seed=0)) == len(y)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        stratified_indices(y, 0, seed=0)
