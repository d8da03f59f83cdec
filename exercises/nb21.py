"""Exercises of notebook 21 (video action recognition): the output size of a dilated 3D convolution,
the multiply-adds of a (2+1)D block, video-level scores weighted by each clip's confidence, and the
time between uniformly sampled frames.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb21.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb21 as key
from utils.exercises import Exercise


def _conv_cases(rng) -> list[tuple]:
    """Fresh (size, kernel, stride, padding, dilation) tuples whose output has at least one position."""
    cases = []
    while len(cases) < 4:
        size = tuple(int(n) for n in rng.integers(4, 40, size=3))
        kernel = tuple(int(k) for k in rng.integers(1, 6, size=3))
        stride = tuple(int(s) for s in rng.integers(1, 4, size=3))
        padding = tuple(int(p) for p in rng.integers(0, 4, size=3))
        dilation = tuple(int(d) for d in rng.integers(1, 4, size=3))
        if all(n + 2 * p - d * (k - 1) - 1 >= 0 for n, k, p, d in zip(size, kernel, padding, dilation)):
            cases.append((size, kernel, stride, padding, dilation))
    return cases


q1 = Exercise(
    name="Exercise 1 (output size of a dilated 3D convolution)",
    reference=key.conv3d_output_size,
    hints=[
        "Dilation d spreads a kernel's taps d positions apart (d = 1: next to each other). Time, height "
        "and width are independent axes: solve one axis, then apply it to all three.",
        "Along one axis, a kernel of k taps with dilation d covers a span from its first tap to its last: "
        "count the gaps between taps and their length. That span plays the role of k in section 3's formula.",
        "Put the span in place of k in floor((n + 2p - k) / s) + 1 (integer division //), for each axis, and "
        "return a tuple of three ints. Check against nn.Conv3d(..., dilation=...) on a random clip.",
    ],
    cases=[
        ((8, 32, 32), (3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1)),
        ((16, 112, 112), (3, 7, 7), (1, 2, 2), (1, 3, 3), (2, 1, 1)),
        ((8, 32, 32), (3, 3, 3), (2, 2, 2), (0, 0, 0), (2, 3, 2)),
        ((9, 15, 20), (1, 4, 5), (3, 2, 3), (0, 1, 2), (3, 2, 2)),
        ((12, 20, 20), (3, 3, 3), (1, 1, 1), (2, 2, 2), (2, 2, 2)),
    ],
    wrong=key.WRONG_Q1,
    hidden=_conv_cases,
)


def _macs_cases(rng) -> list[tuple]:
    """Fresh (c_in, c_out, mid, k_t, k_s, size) tuples."""
    return [
        (
            int(rng.integers(1, 65)),
            int(rng.integers(1, 65)),
            int(rng.integers(1, 65)),
            int(rng.choice([1, 3, 5])),
            int(rng.choice([1, 3, 5, 7])),
            tuple(int(n) for n in rng.integers(2, 33, size=3)),
        )
        for _ in range(4)
    ]


q2 = Exercise(
    name="Exercise 2 (multiply-adds of a (2+1)D block)",
    reference=key.macs_2plus1d,
    hints=[
        "A convolution makes one multiply-add per weight for every output position it computes: its cost "
        "is (weights) x (output positions). Section 4 counted the weights of the two convolutions.",
        "With 'same' padding and stride 1, each of the two convolutions outputs one value per channel at "
        "every one of the t x h x w positions of the clip: count its positions, then multiply.",
        "Cost of the spatial convolution plus cost of the temporal one; both run on the whole clip "
        "(no biases, no BatchNorm). Return a Python int.",
    ],
    cases=[
        (64, 64, 144, 3, 3, (8, 56, 56)),
        (3, 45, 45, 1, 7, (16, 112, 112)),
        (16, 32, 20, 3, 3, (4, 10, 6)),
        (1, 1, 1, 5, 2, (7, 3, 2)),
    ],
    wrong=key.WRONG_Q2,
    hidden=_macs_cases,
)

_generator = torch.Generator().manual_seed(21)
q3 = Exercise(
    name="Exercise 3 (video-level scores weighted by confidence)",
    reference=key.video_scores_weighted,
    hints=[
        "Start from section 6's video score, the mean of the clips' softmax probabilities. Now a clip counts "
        "in proportion to its confidence, its largest class probability: a clip that hesitates between "
        "classes counts less than one that is sure.",
        "For each clip: its probabilities (softmax over dim=1) and its weight (their maximum). For each video: "
        "the sum of weight x probabilities over its clips (Tensor.index_add_ works, as does a loop).",
        "A weighted mean divides by the sum of the weights of the video's clips (shape (num_videos, 1) to "
        "broadcast), so every row of the result still sums to 1.",
    ],
    cases=[
        (
            torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 3.0], [-2.0, 0.5, 0.5]]),
            torch.tensor([0, 0, 1, 1]),
            2,
        ),
        (torch.tensor([[0.3, -0.2], [1.5, 0.1], [0.0, 2.0]]), torch.tensor([1, 0, 1]), 2),
        (torch.randn(12, 5, generator=_generator) * 3, torch.arange(4).repeat_interleave(3), 4),
        (torch.randn(5, 4, generator=_generator), torch.tensor([2, 0, 1, 2, 2]), 3),
    ],
    wrong=key.WRONG_Q3,
)


def _diagnose_seconds(answer: object) -> str | None:
    """Name the kind of mistake of a time in seconds, without the right value."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return None
    if answer <= 0:
        return "a time between two frames is positive"
    if answer > 12:
        return "the whole video lasts only 300 / 25 seconds: the gap between two samples must be shorter"
    return None


q4 = Exercise(
    name="Exercise 4 (seconds between uniformly sampled frames)",
    reference=key.seconds_between_frames,
    hints=[
        "First find how long this video lasts: 300 frames played at 25 frames per second.",
        "Uniform sampling cuts the video into 8 equal segments and takes one frame from the middle of each: "
        "two neighbouring samples are one segment apart.",
        "Divide the video's length in seconds by the number of segments (or: frames per segment, divided by "
        "the frame rate).",
    ],
    diagnose=_diagnose_seconds,
    wrong=key.WRONG_Q4,
)
