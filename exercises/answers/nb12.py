"""SPOILERS: the answers to notebook 12's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: IoU per class from a confusion matrix ------------------------------------------------


def my_iou_per_class(cm: torch.Tensor) -> torch.Tensor:
    tp = cm.diagonal()  # pixels of class c predicted as c
    union = cm.sum(dim=0) + cm.sum(dim=1) - tp  # predicted c OR truly c: TP + FP + FN
    return tp / union  # 0 / 0 = NaN for a class absent from both


def _recall(cm):
    return cm.diagonal() / cm.sum(dim=1)


def _precision(cm):
    return cm.diagonal() / cm.sum(dim=0)


def _union_counts_tp_twice(cm):
    return cm.diagonal() / (cm.sum(dim=0) + cm.sum(dim=1))


def _zero_for_absent(cm):
    return torch.nan_to_num(my_iou_per_class(cm), nan=0.0)


def _mean(cm):
    return my_iou_per_class(cm).nanmean()


WRONG_Q1 = [
    Mistake(
        _recall,
        "you divided by the row sums only (the class's true pixels, TP + FN): that is recall; the union "
        "also holds the false positives",
    ),
    Mistake(
        _precision,
        "you divided by the column sums only (the pixels predicted as the class, TP + FP): that is "
        "precision; the union also holds the false negatives",
    ),
    Mistake(
        _union_counts_tp_twice,
        "your union counts the true positives twice: row sum + column sum holds the diagonal twice, "
        "subtract it once",
    ),
    Mistake(
        _zero_for_absent,
        "a class absent from both prediction and target has no IoU: leave it NaN (0 / 0), so that the "
        "mean can skip it, rather than 0, which would pull mIoU down",
    ),
    Mistake(_mean, "you averaged over the classes: return one IoU per class (a tensor of shape (C,))"),
]

# --- Exercise 2: Dice per class from a confusion matrix -----------------------------------------------


def my_dice_per_class(cm: torch.Tensor) -> torch.Tensor:
    tp = cm.diagonal()
    return 2 * tp / (cm.sum(dim=0) + cm.sum(dim=1))  # 2 TP / (2 TP + FP + FN)


def _dice_is_iou(cm):
    return my_iou_per_class(cm)


def _dice_without_two(cm):
    return cm.diagonal() / (cm.sum(dim=0) + cm.sum(dim=1))


def _dice_subtracts_tp(cm):
    tp = cm.diagonal()
    return 2 * tp / (cm.sum(dim=0) + cm.sum(dim=1) - tp)


WRONG_Q2 = [
    Mistake(
        _dice_is_iou,
        "that is the IoU, TP / (TP + FP + FN): Dice counts the overlap twice, 2 TP / (2 TP + FP + FN)",
    ),
    Mistake(
        _dice_without_two,
        "your values are half of Dice: the overlap counts twice in Dice (2 TP on top), so that a perfect "
        "prediction scores 1",
    ),
    Mistake(
        _dice_subtracts_tp,
        "you subtracted TP from the denominator: Dice divides by (pixels predicted as c) + (pixels truly "
        "c), the two sizes added as they are",
    ),
    lambda cm: torch.nan_to_num(my_dice_per_class(cm), nan=0.0),  # 0 instead of NaN for an absent class
]

# --- Exercise 3: the output size of a transposed convolution ------------------------------------------


def my_transposed_size(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def _conv_formula(size, kernel, stride, padding, output_padding=0):
    return (size + 2 * padding - kernel) // stride + 1


def _no_minus_one(size, kernel, stride, padding, output_padding=0):
    return size * stride - 2 * padding + kernel + output_padding


def _plus_padding(size, kernel, stride, padding, output_padding=0):
    return (size - 1) * stride + 2 * padding + kernel + output_padding


def _times_stride(size, kernel, stride, padding, output_padding=0):
    return size * stride


WRONG_Q3 = [
    Mistake(
        _conv_formula,
        "that is the formula of an ordinary (strided) convolution, which shrinks the map: a transposed "
        "convolution runs it backwards and grows the map",
    ),
    Mistake(
        _no_minus_one,
        "one stride too many: with n input pixels there are n - 1 gaps between neighbours, and each gap "
        "is one stride long in the output",
    ),
    Mistake(
        _plus_padding,
        "padding has the opposite effect here: in a transposed convolution it crops the output, so it "
        "is subtracted",
    ),
    Mistake(
        _times_stride,
        "size × stride is right only for some kernels and paddings: the kernel size, padding and "
        "output_padding change the output too",
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
    Mistake(9, "that is the span of the last layer alone: each layer widens the field of the ones before it"),
    Mistake(21, "the spans do not multiply: each layer ADDS (its span - 1) to the field"),
    "15 pixels",  # a string, not a number
]
