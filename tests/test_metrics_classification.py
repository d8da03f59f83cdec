"""Tests for utils.metrics.classification, cross-checked against scikit-learn."""

import pytest
import torch
from sklearn.metrics import accuracy_score

from utils.metrics import accuracy


def test_accuracy_matches_sklearn_on_logits_and_on_class_ids():
    g = torch.Generator().manual_seed(0)
    logits, targets = torch.randn(200, 5, generator=g), torch.randint(0, 5, (200,), generator=g)
    expected = accuracy_score(targets.numpy(), logits.argmax(1).numpy())
    assert accuracy(logits, targets) == pytest.approx(expected)
    assert accuracy(logits.argmax(1), targets) == pytest.approx(expected)
    assert accuracy(targets, targets) == 1.0


@pytest.mark.parametrize(
    ("preds", "targets", "message"),
    [
        (torch.zeros(3, 2), torch.zeros(3), "integer class ids of shape"),
        (torch.zeros(3, 2), torch.zeros(4, dtype=torch.long), "3 predictions for 4 targets"),
        (torch.zeros(3), torch.zeros(3, dtype=torch.long), "expected class scores"),
        (torch.zeros(0, 2), torch.zeros(0, dtype=torch.long), "no samples"),
        ([0, 1], torch.zeros(2, dtype=torch.long), "expects two tensors"),
    ],
)
def test_accuracy_rejects_bad_input(preds, targets, message):
    with pytest.raises(ValueError, match=message):
        accuracy(preds, targets)


# --- top-k, confusion matrix, precision / recall / F1 against scikit-learn ----------------------------

from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # noqa: E402
from sklearn.metrics import precision_recall_fscore_support, top_k_accuracy_score  # noqa: E402

from utils.metrics import confusion_matrix, precision_recall_f1, topk_accuracy  # noqa: E402


def _random(n: int = 300, classes: int = 6, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, classes, generator=g), torch.randint(0, classes, (n,), generator=g)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_topk_accuracy_matches_sklearn(k):
    logits, targets = _random()
    expected = top_k_accuracy_score(targets.numpy(), logits.numpy(), k=k, labels=list(range(6)))
    assert topk_accuracy(logits, targets, k) == pytest.approx(expected)
    assert topk_accuracy(logits, targets, 6) == 1.0


def test_topk_accuracy_breaks_ties_as_sklearn_does():
    logits = torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    for targets in ([0, 2, 1], [1, 1, 2], [0, 0, 0]):
        targets = torch.tensor(targets)
        for k in (1, 2):
            expected = top_k_accuracy_score(targets.numpy(), logits.numpy(), k=k, labels=[0, 1, 2])
            assert topk_accuracy(logits, targets, k) == pytest.approx(expected), (targets, k)


@pytest.mark.parametrize("seed", [0, 1])
def test_confusion_matrix_matches_sklearn_rows_true_columns_predicted(seed):
    logits, targets = _random(seed=seed)
    expected = sk_confusion_matrix(targets.numpy(), logits.argmax(1).numpy(), labels=list(range(6)))
    assert torch.equal(confusion_matrix(logits, targets, 6), torch.from_numpy(expected))
    assert torch.equal(confusion_matrix(logits.argmax(1), targets, 6), torch.from_numpy(expected))
    cm = confusion_matrix(torch.tensor([2, 2]), torch.tensor([0, 0]), 3)  # class 0 always called 2
    assert cm[0, 2] == 2 and cm.sum() == 2


@pytest.mark.parametrize("average", ["macro", "micro", None])
@pytest.mark.parametrize(
    ("preds", "targets"),
    [
        (*(_random()[0].argmax(1), _random()[1]),),
        (torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 2])),  # class 2 never predicted
        (torch.tensor([0, 2, 1, 2]), torch.tensor([0, 0, 1, 1])),  # class 2 absent from the targets
        (torch.tensor([1, 1, 1]), torch.tensor([1, 1, 1])),  # a single class
    ],
)
def test_precision_recall_f1_matches_sklearn_with_zero_division_0(preds, targets, average):
    classes = 6 if len(preds) > 10 else 3
    expected = precision_recall_fscore_support(
        targets.numpy(), preds.numpy(), labels=list(range(classes)), average=average, zero_division=0
    )[:3]
    got = precision_recall_f1(preds, targets, classes, average=average)
    for value, reference in zip(got, expected):
        assert torch.as_tensor(value, dtype=torch.float64).numpy() == pytest.approx(reference, abs=1e-6)


def test_micro_average_is_accuracy_and_imbalance_shows_in_macro():
    targets = torch.tensor([0] * 90 + [1] * 10)  # 90/10: always answering 0 is 90 % "accurate"
    lazy = torch.zeros(100, dtype=torch.long)
    assert accuracy(lazy, targets) == pytest.approx(0.9)
    assert precision_recall_f1(lazy, targets, 2, average="micro")[2] == pytest.approx(0.9)
    precision, recall, f1 = precision_recall_f1(lazy, targets, 2, average=None)
    assert recall.tolist() == [1.0, 0.0] and f1[1] == 0  # the minority class is never found


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: topk_accuracy(torch.zeros(3, 4), torch.zeros(3, dtype=torch.long), 5),
            "k must be an int from 1",
        ),
        (lambda: topk_accuracy(torch.zeros(3), torch.zeros(3, dtype=torch.long), 1), "class scores of shape"),
        (lambda: topk_accuracy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), 1), "no samples"),
        (
            lambda: confusion_matrix(torch.tensor([0, 3]), torch.tensor([0, 1]), 3),
            "holds class 3, but num_classes is 3",
        ),
        (lambda: confusion_matrix(torch.tensor([0, -1]), torch.tensor([0, 1]), 3), "class ids >= 0"),
        (lambda: confusion_matrix(torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), 2), "integer class ids"),
        (lambda: confusion_matrix(torch.tensor([0]), torch.tensor([0, 1]), 2), "1 predictions for 2 targets"),
        (
            lambda: confusion_matrix(torch.tensor([0]), torch.tensor([0]), 0),
            "num_classes must be a positive int",
        ),
        (
            lambda: confusion_matrix(
                torch.tensor([], dtype=torch.long), torch.tensor([], dtype=torch.long), 2
            ),
            "no samples",
        ),
        (
            lambda: precision_recall_f1(torch.tensor([0]), torch.tensor([0]), 2, average="weighted"),
            "average must be",
        ),
    ],
)
def test_classification_metrics_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
