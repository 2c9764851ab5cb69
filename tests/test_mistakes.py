"""Where a classifier goes wrong: predictions, confusion matrix, per-class accuracy, confident mistakes."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tlcourse.mistakes import Predictions, confusion_matrix, most_confident_mistakes, per_class_accuracy, predictions


def test_rows_are_true_classes_and_columns_predictions():
    y = torch.tensor([0, 0, 1, 2, 2, 2])
    y_hat = torch.tensor([0, 1, 1, 0, 2, 2])
    cm = confusion_matrix(y, y_hat, 4)
    expected = torch.zeros(4, 4, dtype=torch.int64)
    for t, p in zip(y.tolist(), y_hat.tolist()):
        expected[t, p] += 1
    assert torch.equal(cm, expected)
    assert cm[2, 0] == 1 and cm[0, 2] == 0  # a photo of class 2 taken for class 0
    assert int(cm.sum()) == len(y)


def test_mismatched_lengths_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match="one prediction per label"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 2)


def test_per_class_accuracy_is_the_diagonal_over_each_row():
    cm = torch.tensor([[3, 1, 0], [0, 0, 0], [2, 2, 4]])
    acc = per_class_accuracy(cm)
    assert acc[0] == pytest.approx(0.75) and acc[2] == pytest.approx(0.5)
    assert math.isnan(acc[1])  # no photos of that class: no accuracy to speak of


def test_predictions_follow_the_data_order_and_give_softmax_probabilities():
    torch.manual_seed(0)
    net = nn.Linear(5, 3)
    X, y = torch.randn(10, 5), torch.randint(0, 3, (10,))
    found = predictions(net, DataLoader(TensorDataset(X, y), batch_size=4))
    with torch.no_grad():
        p = torch.softmax(net(X), dim=1)
    assert torch.equal(found.y, y)
    assert torch.equal(found.y_hat, p.argmax(dim=1))
    assert torch.allclose(found.prob, p.max(dim=1).values)
    assert not net.training


def test_most_confident_mistakes_come_first_and_correct_ones_never():
    found = Predictions(y=torch.tensor([0, 1, 1, 2, 0]), y_hat=torch.tensor([1, 1, 0, 0, 2]),
                        prob=torch.tensor([0.6, 0.99, 0.9, 0.6, 0.7]))
    assert most_confident_mistakes(found).tolist() == [2, 4, 0, 3]  # 0.9, 0.7, then the tie in order
    assert most_confident_mistakes(found, k=2).tolist() == [2, 4]
    none_wrong = Predictions(torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([0.5, 0.5]))
    assert most_confident_mistakes(none_wrong).tolist() == []
