"""Figures: predictions with images undone from normalisation, learning curves and the sweep,
one colour and one label per strategy."""

import matplotlib
import pytest
import torch

from tlcourse import plots
from tlcourse.history import History, Run
from tlcourse.imagenet import IMAGENET_MEAN, IMAGENET_STD
from tlcourse.strategies import LABELS

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_denormalize_undoes_the_imagenet_normalisation():
    image = torch.rand(1, 3, 4, 4)
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    assert torch.allclose(plots.denormalize((image - mean) / std), image, atol=1e-6)


def test_curves_of_one_seed_and_a_band_over_seeds():
    runs = {"feature_extraction": Run(None, History([1.0, 0.5], [0.5, 0.7], [0.6, 0.8], [1.0, 1.0])),
            "scratch": Run(None, History([2.0, 1.5], [0.2, 0.3], [0.2, 0.3], [1.0, 1.0]))}
    curves = plots.curves_of(runs)
    assert curves["scratch"]["test_acc"] == [0.2, 0.3]
    accuracy, loss = plots.plot_curves(curves).axes
    assert [line.get_label() for line in accuracy.lines] == [LABELS["feature_extraction"], LABELS["scratch"]]
    assert [line.get_color() for line in accuracy.lines] == [plots.COLORS["feature_extraction"],
                                                             plots.COLORS["scratch"]]
    assert list(loss.lines[1].get_ydata()) == [2.0, 1.5]
    assert not accuracy.collections  # one seed: no band
    seeds = {"scratch": {"test_acc": [[0.2, 0.3], [0.4, 0.5]], "train_loss": [[2.0, 1.0], [1.0, 0.5]]}}
    accuracy, _ = plots.plot_curves(seeds, title="two seeds").axes
    assert list(accuracy.lines[0].get_ydata()) == pytest.approx([0.3, 0.4])  # the mean over seeds
    assert len(accuracy.collections) == 1  # the min-max band


def test_sweep_plots_one_line_per_strategy_at_each_share():
    sweep = {"fractions": [0.1, 1.0], "strategies": {
        "feature_extraction": [{"mean": 0.5, "std": 0.1}, {"mean": 0.8, "std": 0.0}],
        "scratch": [0.2, 0.4]}}
    ax = plots.plot_sweep(sweep).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "100"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [LABELS["feature_extraction"], LABELS["scratch"]]
    assert list(ax.containers[1].lines[0].get_ydata()) == [0.2, 0.4]  # plain numbers plot as means


def test_confusion_matrix_shows_every_count_with_true_classes_as_rows():
    cm = torch.tensor([[5, 1, 0], [3, 4, 0], [0, 2, 6]])
    ax = plots.plot_confusion_matrix(cm, ["a", "b", "c"]).axes[0]
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert texts == {(i, j): str(int(cm[i, j])) for i in range(3) for j in range(3)}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.get_ylabel() == "true class" and ax.get_xlabel() == "predicted class"


def test_predictions_grid_titles_name_the_probability_when_given():
    X = torch.zeros(2, 3, 4, 4)
    fig = plots.show_predictions(X, torch.tensor([0, 1]), torch.tensor([1, 1]), ["cat", "dog"],
                                 num_cols=2, prob=torch.tensor([0.91, 0.5]))
    first, second = (ax.get_title() for ax in fig.axes[:2])
    assert first == "dog (91%)\n(true: cat)" and second == "dog (50%)\n(true: dog)"
    assert fig.axes[0].title.get_color() == "red"
