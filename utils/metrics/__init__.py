"""Metrics written from scratch, one module per family, all importable from here by the course plan's
names: `from utils.metrics import accuracy`.

Every function takes tensors, returns Python floats (or tensors), works on a whole dataset at once
(so `fit`/`evaluate` call it once per epoch, not once per batch), rejects bad input with a clear
ValueError, and is cross-checked against a reference library in the tests.

Families: `classification` (this notebook series adds detection, segmentation, keypoints,
verification, text, captioning, image quality, generation and depth as their notebooks arrive).
"""

from utils.metrics.classification import accuracy, confusion_matrix, precision_recall_f1, topk_accuracy

__all__ = ["accuracy", "confusion_matrix", "precision_recall_f1", "topk_accuracy"]
