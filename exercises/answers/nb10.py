"""SPOILERS: the answers to notebook 10's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: the confusion matrix, unlabelled samples left out ----------------------------------


def my_confusion_matrix(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), preds.tolist()):
        if true >= 0:  # -1: no label, nothing to compare the prediction with
            cm[true, predicted] += 1  # row = true class, column = predicted class
    return cm


def _cell_48(preds, targets, num_classes):
    """Notebook 10's cell 48: every sample counted, so target -1 lands in the LAST row (index -1)."""
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true, predicted in zip(targets.tolist(), preds.tolist()):
        cm[true, predicted] += 1
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


def _unlabelled_as_class_0(preds, targets, num_classes):
    return my_confusion_matrix(preds, targets.clamp(min=0), num_classes)


WRONG_Q1 = [
    Mistake(
        _cell_48,
        "your matrix counts the unlabelled samples (target -1): index -1 is the LAST row in Python, so they "
        "were added to the last class; skip them",
        copy_of="cell 48's loop",
    ),
    Mistake(
        _unlabelled_as_class_0,
        "your matrix counts the unlabelled samples (target -1) as samples of class 0: skip them",
    ),
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
]

# --- Exercise 2: the F-beta score per class, from a confusion matrix --------------------------------


def my_fbeta(cm: torch.Tensor, beta: float) -> torch.Tensor:
    tp = cm.diagonal().float()
    predicted, actual = cm.sum(dim=0), cm.sum(dim=1)  # column sums (TP + FP), row sums (TP + FN)
    precision = torch.where(predicted > 0, tp / predicted, 0.0)
    recall = torch.where(actual > 0, tp / actual, 0.0)
    denominator = beta**2 * precision + recall
    return torch.where(denominator > 0, (1 + beta**2) * precision * recall / denominator, 0.0)


def _cell_50(cm, beta):
    """Notebook 10's cell 50: F1, in float64, whatever beta is."""
    tp = cm.diagonal().double()
    fp = cm.sum(dim=0).double() - tp
    fn = cm.sum(dim=1).double() - tp
    precision = torch.where(tp + fp > 0, tp / (tp + fp), 0.0)
    recall = torch.where(tp + fn > 0, tp / (tp + fn), 0.0)
    return torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)


def _f1_in_float32(cm, beta):
    return my_fbeta(cm, 1.0)


def _beta_on_recall(cm, beta):
    return my_fbeta(cm, 1 / beta)  # (1 + b²)PR / (P + b²R): the weights swapped


def _beta_not_squared(cm, beta):
    return my_fbeta(cm, beta**0.5)


def _nan_on_empty(cm, beta):
    tp = cm.diagonal().float()
    precision, recall = tp / cm.sum(dim=0), tp / cm.sum(dim=1)
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


WRONG_Q2 = [
    Mistake(_cell_50, copy_of="cell 50's F1"),
    Mistake(
        _f1_in_float32,
        "your score does not change with beta: it is F1 (beta = 1) every time",
    ),
    Mistake(
        _beta_on_recall,
        "your beta weighs precision, not recall: with beta > 1, F-beta must come closer to the recall",
    ),
    Mistake(_beta_not_squared, "beta enters the formula squared"),
    Mistake(
        _nan_on_empty,
        "a class that is never predicted (or absent) gives 0 / 0 = NaN: define such a ratio as 0 "
        "(scikit-learn's zero_division=0), e.g. with torch.where",
    ),
]

# --- Exercise 3: top-k accuracy per class ----------------------------------------------------------


def my_topk_per_class(logits: torch.Tensor, targets: torch.Tensor, k: int) -> torch.Tensor:
    hits = (logits.topk(k, dim=1).indices == targets[:, None]).any(dim=1).float()  # (N,): a hit or not
    num_classes = logits.shape[1]
    found = torch.zeros(num_classes).index_add_(0, targets, hits)  # hits per TRUE class
    samples = torch.bincount(targets, minlength=num_classes).float()
    return torch.where(samples > 0, found / samples.clamp(min=1), 0.0)


def _cell_55(logits, targets, k):
    """Notebook 10's cell 55: one top-k accuracy for all samples."""
    return (logits.topk(k, dim=1).indices == targets[:, None]).any(dim=1).float().mean().item()


def _by_predicted_class(logits, targets, k):
    hits = (logits.topk(k, dim=1).indices == targets[:, None]).any(dim=1).float()
    predicted = logits.argmax(dim=1)
    found = torch.zeros(logits.shape[1]).index_add_(0, predicted, hits)
    samples = torch.bincount(predicted, minlength=logits.shape[1]).float()
    return torch.where(samples > 0, found / samples.clamp(min=1), 0.0)


def _over_all_samples(logits, targets, k):
    hits = (logits.topk(k, dim=1).indices == targets[:, None]).any(dim=1).float()
    return torch.zeros(logits.shape[1]).index_add_(0, targets, hits) / len(targets)


def _nan_for_absent(logits, targets, k):
    hits = (logits.topk(k, dim=1).indices == targets[:, None]).any(dim=1).float()
    found = torch.zeros(logits.shape[1]).index_add_(0, targets, hits)
    return found / torch.bincount(targets, minlength=logits.shape[1]).float()


WRONG_Q3 = [
    Mistake(_cell_55, copy_of="cell 55's top-k accuracy"),
    Mistake(
        lambda logits, targets, k: my_topk_per_class(-logits, targets, k),
        "you took the k LOWEST scores: top-k means the k highest (topk's default, largest=True)",
    ),
    Mistake(
        lambda logits, targets, k: my_topk_per_class(logits, targets, 1),
        "your answer does not change with k: it is always the top-1 accuracy",
    ),
    Mistake(
        _by_predicted_class,
        "you grouped the samples by their PREDICTED class: per-class accuracy groups them by their TRUE class",
    ),
    Mistake(
        _over_all_samples,
        "you divided each class's hits by the number of ALL samples: divide by the number of samples of "
        "that class",
    ),
    Mistake(
        _nan_for_absent,
        "a class without any sample gives 0 / 0 = NaN: define its accuracy as 0, as the prompt says",
    ),
]

# --- Exercise 4: tokens back into an image (the inverse of patchify) --------------------------------


def my_unpatchify(patches: torch.Tensor, patch: int, height: int, width: int) -> torch.Tensor:
    n, _, dim = patches.shape
    rows, cols, channels = height // patch, width // patch, dim // (patch * patch)
    grid = patches.reshape(n, rows, cols, channels, patch, patch)  # undo the last reshape of patchify
    grid = grid.permute(0, 3, 1, 4, 2, 5)  # (N, C, patch row, pixel row, patch column, pixel column)
    return grid.reshape(n, channels, height, width)


def _cell_27(patches, patch, height, width):
    """Notebook 10's cell 27: F.unfold, the way IN; on tokens it fails (it wants (N, C, H, W))."""
    return F.unfold(patches, kernel_size=patch, stride=patch).transpose(1, 2)


def _plain_reshape(patches, patch, height, width):
    n, _, dim = patches.shape
    return patches.reshape(n, dim // (patch * patch), height, width)


def _channels_last(patches, patch, height, width):
    n, _, dim = patches.shape
    rows, cols, channels = height // patch, width // patch, dim // (patch * patch)
    grid = patches.reshape(n, rows, cols, patch, patch, channels).permute(0, 5, 1, 3, 2, 4)
    return grid.reshape(n, channels, height, width)


def _column_order(patches, patch, height, width):
    n, _, dim = patches.shape
    rows, cols, channels = height // patch, width // patch, dim // (patch * patch)
    grid = patches.reshape(n, cols, rows, channels, patch, patch).permute(0, 3, 2, 4, 1, 5)
    return grid.reshape(n, channels, height, width)


def _pixels_transposed(patches, patch, height, width):
    n, _, dim = patches.shape
    rows, cols, channels = height // patch, width // patch, dim // (patch * patch)
    grid = patches.reshape(n, rows, cols, channels, patch, patch).permute(0, 3, 1, 5, 2, 4)
    return grid.reshape(n, channels, height, width)


WRONG_Q4 = [
    Mistake(_cell_27, copy_of="cell 27's F.unfold"),
    Mistake(
        _plain_reshape,
        "a plain reshape lays the numbers of each token out as strips of consecutive pixels, not as a "
        "square patch: split the tokens' axes first, move them with permute, then merge",
    ),
    Mistake(
        _channels_last,
        "you read each token as (p, p, C), channels last: patchify flattened each patch as (C, p, p)",
    ),
    Mistake(
        _column_order,
        "your patches go down the columns first: the tokens are in reading order, left to right, then down",
    ),
    Mistake(
        _pixels_transposed,
        "each patch comes out transposed (its rows and columns swapped): inside a token, the pixel row "
        "comes before the pixel column",
    ),
]

# --- Exercise 5: how many tokens ViT-B/16 sees at 384 x 384 -----------------------------------------


def vit_tokens() -> int:
    # 384 / 16 = 24 patches per side, 24 x 24 = 576 patches, plus one class token.
    return (384 // 16) ** 2 + 1


WRONG_Q5 = [
    Mistake(
        65,
        "that is the tiny ViT of section 2.5 (its grid of 8 x 8 patches): count for 384 x 384 images "
        "and 16 x 16 patches",
        copy_of="cell 31's tiny ViT",
    ),
    Mistake(
        576,
        "you counted the patch tokens: section 2.5's last printed line lists everything that enters the "
        "encoder; compare",
    ),
    Mistake(197, "that is the count for 224 x 224 images: this ViT-B/16 reads 384 x 384"),
    Mistake(24, "that is the number of patches along ONE side: the patches form a square grid"),
    Mistake(
        625,
        "you added the extra token to each side of the grid before squaring: count the grid's patches first",
    ),
    2305,  # patch size 8 instead of 16
    "577 tokens",  # a string, not a number
]
