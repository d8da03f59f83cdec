"""SPOILERS: the answers to notebook 12's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import functools

import torch
import torch.nn.functional as F

from utils.exercises import Mistake

# --- Exercise 1: frequency-weighted IoU from a confusion matrix --------------------------------------


def my_frequency_weighted_iou(cm: torch.Tensor) -> float:
    tp = cm.diagonal()  # pixels of class c predicted as c
    true = cm.sum(dim=1)  # pixels that ARE class c (rows are true classes)
    union = cm.sum(dim=0) + true - tp
    present = true > 0  # an absent class weighs 0: leave it out (its IoU may be 0 / 0)
    weights = true[present] / true.sum()
    return float((weights * tp[present] / union[present]).sum())


def _fw_variant(cm, *, weight_by="true", normalise=True, skip_absent=True):
    """Frequency-weighted IoU with one choice changed: the wrong answers of exercise 1."""
    tp, true, predicted = cm.diagonal(), cm.sum(dim=1), cm.sum(dim=0)
    iou = tp / (predicted + true - tp)
    weight = (true if weight_by == "true" else predicted).double()
    weight = weight / weight.sum() if normalise else weight
    if skip_absent:
        iou, weight = iou[true > 0], weight[true > 0]
    return float((weight * iou).sum())


def _cell_10_miou(cm):  # scores_by_hand's mIoU: every class with the same weight
    tp = cm.diagonal()
    return float((tp / (cm.sum(dim=0) + cm.sum(dim=1) - tp)).nanmean())


def _pixel_accuracy(cm):
    return float(cm.diagonal().sum() / cm.sum())


WRONG_Q1 = [
    Mistake(
        _cell_10_miou,
        "that is the mIoU of section 2's scores_by_hand (every class weighs the same): weight each class's IoU by the share "
        "of the pixels that truly belong to it",
        copy_of="section 2's scores_by_hand (cell 10)",
    ),
    Mistake(
        functools.partial(_fw_variant, weight_by="predicted"),
        "you weighted by the pixels PREDICTED as each class (column sums): the weights are the classes' "
        "true frequencies, the row sums",
    ),
    Mistake(
        functools.partial(_fw_variant, normalise=False),
        "your weights are pixel counts: divide them by the total number of pixels, so that they add up to 1",
    ),
    Mistake(
        _pixel_accuracy,
        "that is the pixel accuracy (the diagonal over all pixels): the IoU of each class also counts its "
        "false positives",
    ),
    functools.partial(_fw_variant, skip_absent=False),  # 0 · NaN for an absent class: NaN overall
]

# --- Exercise 2: the soft Dice loss -------------------------------------------------------------------


def my_soft_dice_loss(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    num_classes = probs.shape[1]
    truth = F.one_hot(target, num_classes).permute(0, 3, 1, 2).to(probs.dtype)  # (N, C, H, W), 1 where true
    overlap = (probs * truth).sum(dim=(0, 2, 3))  # a soft |P ∩ T| per class, over the whole batch
    sizes = probs.sum(dim=(0, 2, 3)) + truth.sum(dim=(0, 2, 3))  # a soft |P| + |T| per class
    return 1 - (2 * overlap / sizes).mean()


def _dice_variant(probs, target, *, hard=False, sum_over=(0, 2, 3), loss=True, jaccard=False):
    """The soft Dice loss with one choice changed: the wrong answers of exercise 2."""
    num_classes = probs.shape[1]
    if hard:  # section 2's counts: the arg-max class of each pixel
        probs = F.one_hot(probs.argmax(dim=1), num_classes).permute(0, 3, 1, 2).to(probs.dtype)
    truth = F.one_hot(target, num_classes).permute(0, 3, 1, 2).to(probs.dtype)
    overlap, sizes = (probs * truth).sum(dim=sum_over), (probs + truth).sum(dim=sum_over)
    score = overlap / (sizes - overlap) if jaccard else 2 * overlap / sizes
    return 1 - score.mean() if loss else score.mean()


WRONG_Q2 = [
    Mistake(
        functools.partial(_dice_variant, hard=True),
        "you counted arg-max pixels, as section 2's scores_by_hand does: a loss must use the probabilities themselves (the "
        "arg-max has no gradient), so |P| is the sum of the probabilities of the class",
        copy_of="section 2's scores_by_hand (cell 10)",
    ),
    Mistake(
        functools.partial(_dice_variant, loss=False),
        "that is the mean soft Dice itself, which is high when the prediction is good: a loss to minimise "
        "is 1 minus it",
    ),
    Mistake(
        functools.partial(_dice_variant, sum_over=(2, 3)),
        "you computed Dice image by image and averaged: add the overlaps and sizes up over the whole batch "
        "first, as the metrics of section 2 add up pixels over the dataset",
    ),
    Mistake(
        functools.partial(_dice_variant, sum_over=(0, 1, 2, 3)),
        "you pooled the classes into one Dice: compute one Dice per class (sum over images and pixels "
        "only), then average the classes, so that a small class counts as much as the background",
    ),
    Mistake(
        functools.partial(_dice_variant, jaccard=True),
        "that is a soft IoU (Jaccard) loss, |P ∩ T| / (|P| + |T| - |P ∩ T|): Dice puts twice the overlap "
        "over the two sizes added",
    ),
]

# --- Exercise 3: the output size of a dilated transposed convolution ----------------------------------


def my_transposed_size(
    size: int, kernel: int, stride: int, padding: int, output_padding: int = 0, dilation: int = 1
) -> int:
    span = dilation * (kernel - 1) + 1  # a dilated kernel's taps reach this far
    return (size - 1) * stride - 2 * padding + span + output_padding


def _size_variant(size, kernel, stride, padding, output_padding=0, dilation=1, *, span="dilated", gaps=-1):
    """The size with one choice changed: the wrong answers of exercise 3."""
    reach = {"dilated": dilation * (kernel - 1) + 1, "kernel": kernel, "k times d": kernel * dilation}[span]
    return (size + gaps) * stride - 2 * padding + reach + output_padding


def _conv_formula(size, kernel, stride, padding, output_padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _plus_padding(size, kernel, stride, padding, output_padding=0, dilation=1):
    return my_transposed_size(size, kernel, stride, padding, output_padding, dilation) + 4 * padding


WRONG_Q3 = [
    Mistake(
        functools.partial(_size_variant, span="kernel"),
        "right without dilation (section 3's formula), but the dilation is ignored: a dilated kernel's taps "
        "sit `dilation` pixels apart, so one copy of it covers more than `kernel` output pixels",
        copy_of="section 3's formula (cell 16)",
    ),
    Mistake(
        functools.partial(_size_variant, span="k times d"),
        "you took the dilated kernel's span as kernel × dilation: its taps are dilation apart, and there "
        "are kernel - 1 gaps between them",
    ),
    Mistake(
        _conv_formula,
        "that is the formula of an ordinary (strided, dilated) convolution, which shrinks the map: a "
        "transposed convolution runs it backwards and grows the map",
    ),
    Mistake(
        functools.partial(_size_variant, gaps=0),
        "one stride too many: with n input pixels there are n - 1 gaps between neighbours, and each gap "
        "is one stride long in the output",
    ),
    Mistake(
        _plus_padding,
        "padding has the opposite effect here: in a transposed convolution it crops the output, so it "
        "is subtracted",
    ),
]

# --- Exercise 4: the receptive field of stacked atrous convolutions -----------------------------------


def atrous_receptive_field() -> int:
    # A 3x3 conv with dilation d spans 1 + 2d pixels: each layer widens the field by 2d.
    return 1 + 2 * (1 + 2 + 4)


WRONG_Q4 = [
    Mistake(7, "that is three 3×3 layers WITHOUT dilation: dilation d spreads the taps d pixels apart"),
    Mistake(
        19,
        "you took the span of a dilated kernel as k · d: the three taps sit d apart, so they span "
        "k + (k - 1)(d - 1) pixels, not k · d",
    ),
    Mistake(
        9,
        "that is the span of the last layer alone (what section 6 prints for dilation 4): each layer widens "
        "the field of the ones before it",
        copy_of="section 6's span of one dilated layer (cell 33)",
    ),
    Mistake(21, "the spans do not multiply: each layer ADDS (its span - 1) to the field"),
    "15 pixels",  # a string, not a number
]
