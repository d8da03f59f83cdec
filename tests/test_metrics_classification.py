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
