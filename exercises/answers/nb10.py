"""SPOILERS: the answers to notebook 10's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: the confusion matrix ---------------------------------------------------------------


def my_confusion_matrix(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), preds.tolist()):
        cm[true, predicted] += 1  # row = true class, column = predicted class
    return cm


def _transposed(preds, targets, num_classes):
    return my_confusion_matrix(preds, targets, num_classes).T


def _sized_by_labels(preds, targets, num_classes):
    size = int(max(preds.max(), targets.max())) + 1
    return my_confusion_matrix(preds, targets, size)


def _row_fractions(preds, targets, num_classes):
    cm = my_confusion_matrix(preds, targets, num_classes).double()
    return cm / cm.sum(dim=1, keepdim=True).clamp(min=1)


def _only_correct(preds, targets, num_classes):
    return torch.diag(my_confusion_matrix(preds, targets, num_classes).diagonal())


WRONG_Q1 = [
    Mistake(
        _transposed,
        "your rows are the predicted classes: in this course (and in scikit-learn) row i is the TRUE "
        "class i, column j the predicted class j",
    ),
    Mistake(
        _sized_by_labels,
        "your matrix is sized by the labels that occur: a class may be absent from both preds and "
        "targets, so use num_classes for the size",
    ),
    Mistake(
        _row_fractions,
        "you turned the rows into fractions: the confusion matrix holds counts (int64); normalise only to plot",
    ),
    Mistake(
        _only_correct,
        "you counted only the correct predictions (the diagonal): every mistake goes off the diagonal, "
        "in the row of its true class",
    ),
    lambda preds, targets, num_classes: my_confusion_matrix(preds, targets, num_classes).float(),  # floats
]

# --- Exercise 2: precision, recall and F1 from a confusion matrix -----------------------------------


def my_precision_recall_f1(cm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tp = cm.diagonal()  # correct predictions of each class
    predicted = cm.sum(dim=0)  # column sums: how often each class was predicted (TP + FP)
    actual = cm.sum(dim=1)  # row sums: how many samples each class has (TP + FN)
    precision = torch.where(predicted > 0, tp / predicted, 0.0)  # zero_division=0
    recall = torch.where(actual > 0, tp / actual, 0.0)
    both = precision + recall
    f1 = torch.where(both > 0, 2 * precision * recall / both, 0.0)
    return precision, recall, f1


def _swapped(cm):
    precision, recall, f1 = my_precision_recall_f1(cm)
    return recall, precision, f1


def _nan_on_empty(cm):
    tp = cm.diagonal()
    precision, recall = tp / cm.sum(dim=0), tp / cm.sum(dim=1)
    return precision, recall, 2 * precision * recall / (precision + recall)


def _arithmetic_f1(cm):
    precision, recall, _ = my_precision_recall_f1(cm)
    return precision, recall, (precision + recall) / 2


def _fp_with_diagonal(cm):
    tp, predicted = cm.diagonal(), cm.sum(dim=0)
    precision = torch.where(predicted > 0, tp / (tp + predicted), 0.0)  # FP = column sum, diagonal included
    _, recall, _ = my_precision_recall_f1(cm)
    both = precision + recall
    return precision, recall, torch.where(both > 0, 2 * precision * recall / both, 0.0)


def _macro(cm):
    return tuple(value.mean().item() for value in my_precision_recall_f1(cm))


WRONG_Q2 = [
    Mistake(
        _swapped,
        "precision and recall are swapped: precision divides by how often a class was PREDICTED (its "
        "column, since rows are true classes), recall by how many samples it HAS (its row)",
    ),
    Mistake(
        _nan_on_empty,
        "a class that is never predicted (or absent) gives 0 / 0 = NaN: define such a ratio as 0 "
        "(scikit-learn's zero_division=0), e.g. with torch.where",
    ),
    Mistake(
        _arithmetic_f1,
        "your F1 is the arithmetic mean of precision and recall: F1 is their HARMONIC mean, 2PR / (P + R)",
    ),
    Mistake(
        _fp_with_diagonal,
        "your false positives include the true positives: FP of a class is its column sum MINUS the diagonal",
    ),
    Mistake(
        _macro, "you averaged over the classes: return one value per class (three tensors of shape (C,))"
    ),
]

# --- Exercise 3: top-k accuracy ---------------------------------------------------------------------


def my_topk_accuracy(logits: torch.Tensor, targets: torch.Tensor, k: int) -> float:
    top = logits.topk(k, dim=1).indices  # (N, k): the k highest-scoring classes of each sample
    hits = (top == targets[:, None]).any(dim=1)  # is the true class among them?
    return hits.float().mean().item()


WRONG_Q3 = [
    Mistake(
        lambda logits, targets, k: my_topk_accuracy(-logits, targets, k),
        "you took the k LOWEST scores: top-k means the k highest (topk's default, largest=True)",
    ),
    Mistake(
        lambda logits, targets, k: my_topk_accuracy(logits, targets, 1),
        "your answer does not change with k: it is always the top-1 accuracy",
    ),
    Mistake(
        lambda logits, targets, k: my_topk_accuracy(logits, targets, k) * len(targets),
        "you counted the hits: return the fraction of samples (hits / N), a number from 0 to 1",
    ),
    Mistake(
        lambda logits, targets, k: my_topk_accuracy(logits, targets, min(k + 1, logits.shape[1])),
        "you looked at k + 1 classes: top-k counts a hit among exactly k",
    ),
]

# --- Exercise 4: cutting images into patches (ViT's first step) ------------------------------------


def my_patchify(images: torch.Tensor, patch: int) -> torch.Tensor:
    n, c, h, w = images.shape
    rows, cols = h // patch, w // patch
    blocks = images.reshape(n, c, rows, patch, cols, patch)  # split each side into (blocks, pixels)
    blocks = blocks.permute(0, 2, 4, 1, 3, 5)  # (N, rows, cols, C, p, p): patches in reading order
    return blocks.reshape(n, rows * cols, c * patch * patch)


def _channels_last(images, patch):
    n, c, h, w = images.shape
    blocks = images.reshape(n, c, h // patch, patch, w // patch, patch).permute(0, 2, 4, 3, 5, 1)
    return blocks.reshape(n, (h // patch) * (w // patch), c * patch * patch)


def _column_order(images, patch):
    n, c, h, w = images.shape
    blocks = images.reshape(n, c, h // patch, patch, w // patch, patch).permute(0, 4, 2, 1, 3, 5)
    return blocks.reshape(n, (h // patch) * (w // patch), c * patch * patch)


def _plain_reshape(images, patch):
    n, c, h, w = images.shape
    return images.reshape(n, (h // patch) * (w // patch), c * patch * patch)


WRONG_Q4 = [
    Mistake(
        _channels_last,
        "each patch is flattened channels-last (p, p, C): flatten it as (C, p, p), the layout of "
        "Conv2d's weights, so that the patch embedding equals the convolution",
    ),
    Mistake(
        _column_order,
        "your patches are in column order: number them row by row (left to right, then down), as "
        "the convolution's output is flattened",
    ),
    Mistake(
        _plain_reshape,
        "a plain reshape cuts the image into strips of consecutive pixels, not square patches: split "
        "each side into (blocks, pixels) first, then move the axes with permute",
    ),
]

# --- Exercise 5: how many tokens ViT-B/16 sees ------------------------------------------------------


def vit_tokens() -> int:
    # 224 / 16 = 14 patches per side, 14 x 14 = 196 patches, plus one class token.
    return (224 // 16) ** 2 + 1


WRONG_Q5 = [
    Mistake(196, "that counts the patches: the transformer gets one more token, the class token"),
    Mistake(14, "that is the number of patches along ONE side: the patches form a square grid"),
    Mistake(
        15, "that is one side of the grid plus one: count every patch of the grid, then add the extra token"
    ),
    Mistake(
        225, "you added the extra token to each side of the grid: add it once, after counting the patches"
    ),
    3137,  # patch size 4 instead of 16
    "197",  # a string, not a number
]
