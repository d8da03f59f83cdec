"""Exercises of notebook 22 (scaling up): the global batch and the scaled learning rate of
data-parallel training with gradient accumulation, what changes in a script with BatchNorm and
checkpoints when it becomes data-parallel, and reading a profiler table.

What is here a learner may read: names, graded hints, hidden test inputs, the profiler table of
exercise 3 and the diagnoses. The answers are in `exercises/answers/nb22.py` (spoilers).
"""

from __future__ import annotations

import math

from exercises.answers import nb22 as key
from utils.exercises import Exercise


def _batch_cases(rng) -> list[tuple]:
    """Fresh (per_process_batch, processes, accum_steps, base_lr, base_batch) tuples."""
    return [
        (
            int(rng.choice([8, 16, 32, 64, 128])),
            int(rng.choice([1, 2, 4, 8, 16])),
            int(rng.choice([1, 2, 3, 4, 8])),
            float(rng.choice([0.001, 0.01, 0.05, 0.1])),
            int(rng.choice([32, 64, 128, 256])),
        )
        for _ in range(5)
    ]


q1 = Exercise(
    name="Exercise 1 (global batch and learning rate, with accumulation)",
    reference=key.my_global_batch_and_lr,
    hints=[
        "Count the samples behind one optimizer step. Every process computes gradients on its own batch; "
        "with accumulation it does that several times, adding the gradients, before the all-reduce and the step.",
        "The linear scaling rule: if a learning rate was tuned for some batch size, a batch k times larger "
        "gets a learning rate k times larger. What is k here?",
        "k is the global batch divided by base_batch, the batch the base learning rate was tuned for (not the "
        "number of processes). Return the two values as a tuple (global batch, learning rate).",
    ],
    cases=[
        (32, 2, 1, 0.1, 32),
        (64, 8, 2, 0.1, 256),
        (16, 4, 4, 0.001, 128),
        (16, 1, 3, 0.05, 64),
        (256, 16, 1, 0.1, 256),
    ],
    wrong=key.WRONG_Q1,
    hidden=_batch_cases,
)

OPTIONS = ("model", "batchnorm", "optimizer", "loss_fn", "train_loader", "save_checkpoint", "print_accuracy")


def _diagnose_change(answer: object) -> str | None:
    """Name the first thing wrong with a chosen set, without listing the right set."""
    if not isinstance(answer, (set, frozenset)):
        return f"answer with a set of names, e.g. {{'loss_fn'}}, chosen from {OPTIONS}"
    unknown = sorted(str(name) for name in answer if name not in OPTIONS)
    if unknown:
        return f"{unknown} is not one of the options {OPTIONS}"
    if "optimizer" in answer:
        return (
            "the optimizer needs no change: it is built on the same parameters, and by the time "
            "optimizer.step() runs, backward() has already averaged the gradients across processes"
        )
    if "loss_fn" in answer:
        return "the loss needs no change: each process computes the loss of its own batch, as before"
    if "print_accuracy" in answer:
        return (
            "the print is harmless: every process holds the same weights and scores the same validation set, "
            "so each prints the same accuracy (print on rank 0 only to tidy the output, if you like)"
        )
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
    if "batchnorm" not in answer:
        return (
            "DDP averages gradients, not BatchNorm's batch statistics: unless the layers are converted, each "
            "process normalises with the mean and variance of its own share of the batch"
        )
    if "save_checkpoint" not in answer:
        return (
            "every process runs the same save line: N processes would write the same file at the same time, "
            "and a reader could find it half written"
        )
    return None


q2 = Exercise(
    name="Exercise 2 (what changes in a data-parallel script)",
    reference=key.to_change,
    hints=[
        "Ask of each line: does it behave differently when N processes run it at once? Three things change "
        "with N processes: what each process reads, what it computes from its own share only, and what it "
        "writes to disk.",
        "Gradients are averaged by one wrapper, and the data is split by a sampler. Which other layer computes "
        "something from the batch itself (not only from the weights), and which line touches a shared file?",
        "The optimizer, the loss and anything that only reads identical weights behave the same in every "
        "process. Answer with a set of the names that must change.",
    ],
    diagnose=_diagnose_change,
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
