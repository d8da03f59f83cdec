"""Tests for utils.draw: the confusion-matrix drawing and its normalisation (checked against scikit-learn)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from utils.draw import NORMALIZE, normalize_confusion_matrix, plot_confusion_matrix
from utils.metrics import confusion_matrix

NAMES = ["cat", "dog", "bird"]
CM = torch.tensor([[5, 1, 0], [2, 7, 1], [0, 0, 0]])  # no bird in the targets: an empty row


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("normalize", ["true", "pred", "all", None])
def test_normalize_confusion_matrix_matches_scikit_learn(normalize):
    rng = np.random.default_rng(0)
    targets, preds = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    preds[targets == 3] = 0  # class 3 is never predicted right, and...
    preds[preds == 2] = 1  # ...class 2 never predicted: an empty column
    ours = normalize_confusion_matrix(
        confusion_matrix(torch.from_numpy(preds), torch.from_numpy(targets), 4), normalize
    )
    expected = sklearn_confusion_matrix(targets, preds, labels=range(4), normalize=normalize)
    np.testing.assert_allclose(ours, expected, atol=1e-12)
    assert ours.dtype == np.float64


def test_empty_rows_stay_zero_not_nan():
    fractions = normalize_confusion_matrix(CM, "true")
    assert np.isfinite(fractions).all() and fractions[2].tolist() == [0, 0, 0]
    np.testing.assert_allclose(fractions[:2].sum(axis=1), 1)
    columns = normalize_confusion_matrix(CM.numpy(), "pred")
    np.testing.assert_allclose(columns.sum(axis=0), 1)


def test_plot_confusion_matrix_labels_axes_and_writes_each_count():
    ax = plot_confusion_matrix(CM, NAMES)
    assert ax.get_ylabel() == "true class" and ax.get_xlabel() == "predicted class"
    assert ax.get_title() == "Confusion matrix (counts)"
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    assert [t.get_text() for t in ax.texts] == [str(v) for v in CM.flatten().tolist()]
    # rows = true: the text at (row 1, column 0) is cm[1, 0], two dogs taken for cats
    dog_as_cat = next(t for t in ax.texts if t.get_position() == (0, 1))
    assert dog_as_cat.get_text() == "2"
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), CM.numpy())
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "samples"  # the colour bar


def test_plot_confusion_matrix_normalized_on_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_confusion_matrix(CM.numpy(), tuple(NAMES), ax=right, normalize="true", title="recall view")
    assert ax is right and not left.images
    assert ax.get_title() == "recall view"
    assert ax.texts[0].get_text() == "0.83" and ax.texts[-1].get_text() == "0.00"
    assert ax.images[0].get_clim() == (0, 1.0)
    default = plot_confusion_matrix(CM, NAMES, normalize="pred")
    assert default.get_title() == "Confusion matrix (columns sum to 1: the diagonal is the precision)"
    assert default.figure.axes[1].get_ylabel() == "fraction of the predicted class"


@pytest.mark.parametrize(
    ("cm", "names", "kwargs", "message"),
    [
        (torch.zeros(2, 3), NAMES[:2], {}, "square \\(C, C\\) matrix"),
        (torch.zeros(3), NAMES, {}, "square \\(C, C\\) matrix"),
        (np.zeros((0, 0)), [], {}, "C >= 1"),
        (CM, NAMES[:2], {}, "got 2 class names for a 3x3 confusion matrix"),
        (CM, "cat dog bird", {}, "class_names must be a list of 3 names"),
        (CM, NAMES, {"normalize": "rows"}, "normalize must be one of"),
        (-CM, NAMES, {}, "finite counts >= 0"),
        (CM.float() * float("nan"), NAMES, {}, "finite counts >= 0"),
        ([[1, 2], [3, 4]], NAMES[:2], {}, "tensor or array of counts, got list"),
        (CM, NAMES, {"ax": "left"}, "ax must be a matplotlib Axes"),
    ],
)
def test_plot_confusion_matrix_refuses_bad_input(cm, names, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_confusion_matrix(cm, names, **kwargs)


def test_normalize_options_are_scikit_learns():
    assert NORMALIZE == (None, "true", "pred", "all")
