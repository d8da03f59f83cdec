"""Exercises of notebook 22 (scaling up): the global batch and the scaled learning rate of
data-parallel training, what a script wraps for DDP, and reading a profiler table.

What is here a learner may read: names, graded hints, hidden test inputs, the profiler table of
exercise 3 and the diagnoses. The answers are in `exercises/answers/nb22.py` (spoilers).
"""

from __future__ import annotations

import math

from exercises.answers import nb22 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (global batch and learning rate)",
    reference=key.my_global_batch_and_lr,
    hints=[
        "In data-parallel training every process computes gradients on its own batch, and the all-reduce "
        "averages them: one optimizer step has seen the batches of all processes together.",
        "The linear scaling rule: if a learning rate was tuned for some batch size, a batch k times larger "
        "gets a learning rate k times larger. What is k here?",
        "k is the global batch divided by the batch the base learning rate was tuned for (base_batch), not "
        "the number of processes. Return the two values as a tuple (global batch, learning rate).",
    ],
    cases=[
        (32, 2, 0.1, 32),
        (64, 8, 0.1, 256),
        (128, 4, 0.001, 128),
        (16, 1, 0.05, 64),
        (256, 16, 0.1, 256),
    ],
    wrong=key.WRONG_Q1,
)

OPTIONS = ("model", "optimizer", "loss_fn", "train_loader")


def _diagnose_wrap(answer: object) -> str | None:
    """Name the first thing wrong with a chosen set, without listing the right set."""
    if not isinstance(answer, (set, frozenset)):
        return f"answer with a set of names, e.g. {{'loss_fn'}}, chosen from {OPTIONS}"
    unknown = sorted(str(name) for name in answer if name not in OPTIONS)
    if unknown:
        return f"{unknown} is not one of the options {OPTIONS}"
    if "optimizer" in answer:
        return (
            "the optimizer needs no wrapper: it is built on the same parameters, and by the time "
            "optimizer.step() runs, backward() has already averaged the gradients across processes"
        )
    if "loss_fn" in answer:
        return "the loss needs no wrapper: each process computes the loss of its own batch, as before"
    if "model" not in answer:
        return (
            "without DistributedDataParallel around the model, the gradients are never averaged: each "
            "process takes its own steps and the replicas drift apart"
        )
    if "train_loader" not in answer:
        return (
            "with a plain loader every process trains on the whole dataset: N processes repeat the same "
            "batches, and an epoch is no faster. Something must give each process its own share"
        )
    return None


q2 = Exercise(
    name="Exercise 2 (what to wrap for DDP)",
    reference=key.to_wrap,
    hints=[
        "Ask of each object: does it behave differently when N processes train together? Two things "
        "change: the gradients must be averaged, and the data must be split.",
        "DistributedDataParallel is a wrapper around one of the four objects, and DistributedSampler "
        "goes inside another one. The remaining two only see gradients that are already averaged, "
        "or the loss of one batch.",
    ],
    diagnose=_diagnose_wrap,
    wrong=key.WRONG_Q2,
)

PROFILE_TABLE = """\
-----------------------------  ----------  ----------  ----------
Name                             Self CPU   CPU total  # of Calls
-----------------------------  ----------  ----------  ----------
## step                             5.0 ms    250.0 ms           1
data                               60.0 ms     95.0 ms           1
backward                            3.0 ms     80.0 ms           1
forward                             2.0 ms     55.0 ms           1
aten::convolution_backward         52.0 ms     52.0 ms           2
aten::conv2d                        0.5 ms     38.0 ms           2
aten::mkldnn_convolution           37.5 ms     37.5 ms           2
aten::stack                        35.0 ms     35.0 ms           1
optimizer                           1.0 ms     15.0 ms           1
aten::_foreach_add_                14.0 ms     14.0 ms           1
-----------------------------  ----------  ----------  ----------"""


def _diagnose_share(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer > 1:
        return "a share of a step is at most 1: if you meant a percentage, give it as a fraction"
    if math.isclose(answer, 60.0 / 250.0, rel_tol=1e-3):
        return (
            "you used the Self CPU column: self time leaves out the ops called inside the block "
            "(here the aten::stack of the collate function)"
        )
    if any(math.isclose(answer, 95.0 / total, rel_tol=1e-3) for total in (671.5, 495.0, 175.0)):
        return (
            "you divided by a sum of rows: the CPU total of a labelled block includes the ops inside it, so "
            "adding rows counts time twice. One row alone is the whole step"
        )
    return None


q3 = Exercise(
    name="Exercise 3 (read a profiler table)",
    reference=key.data_share,
    hints=[
        "Self CPU is the time spent in a row itself; CPU total also counts everything called inside it. "
        "The labels (## step, data, forward, ...) are blocks opened with record_function.",
        "The data, forward, backward and optimizer blocks all run inside the step block. So the step's "
        "CPU total is already the time of the whole step: do not add rows.",
        "Divide the data block's CPU total by the step block's CPU total, and give a fraction, not a percentage.",
    ],
    diagnose=_diagnose_share,
    wrong=key.WRONG_Q3,
)
