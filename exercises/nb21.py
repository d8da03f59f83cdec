"""Exercises of notebook 21 (video action recognition): the output size of a 3D convolution, the
parameters of a (2+1)D block, video-level scores from clip scores, and the time between uniformly
sampled frames.

What is here a learner may read: names, graded hints, hidden test inputs and diagnoses. The answers
are in `exercises/answers/nb21.py` (spoilers).
"""

from __future__ import annotations

import math

import torch

from exercises.answers import nb21 as key
from utils.exercises import Exercise

q1 = Exercise(
    name="Exercise 1 (output size of a 3D convolution)",
    reference=key.conv3d_output_size,
    hints=[
        "Time, height and width are three independent axes: a 3D convolution applies the same 1-D rule to "
        "each of them, with that axis's own kernel size, stride and padding.",
        "Along one axis of n positions, padding p adds p positions at each end. A kernel of size k then fits "
        "at (n + 2p - k) + 1 places when the stride is 1.",
        "With a stride s, only every s-th of those places is used: divide the part before the + 1 by s, "
        "rounding down (integer division //), then add the 1. Return a tuple of three ints.",
    ],
    cases=[
        ((8, 32, 32), (3, 3, 3), (1, 1, 1), (1, 1, 1)),
        ((16, 112, 112), (3, 7, 7), (1, 2, 2), (1, 3, 3)),
        ((8, 32, 32), (3, 3, 3), (2, 2, 2), (0, 0, 0)),
        ((9, 15, 20), (1, 4, 5), (3, 2, 3), (0, 1, 2)),
    ],
    wrong=key.WRONG_Q1,
)

q2 = Exercise(
    name="Exercise 2 (parameters of a (2+1)D block)",
    reference=key.params_2plus1d,
    hints=[
        "A (2+1)D block is two convolutions in a row: first a spatial one (kernel 1 x k_s x k_s) from c_in "
        "to mid channels, then a temporal one (kernel k_t x 1 x 1) from mid to c_out channels.",
        "A convolution from a channels to b channels with a kernel of K numbers has a * b * K weights: "
        "one kernel per (input channel, output channel) pair. Leave the biases out.",
        "Count the weights of each of the two convolutions with that rule (K = k_s * k_s for the first, "
        "K = k_t for the second), and add the two counts.",
    ],
    cases=[
        (64, 64, 144, 3, 3),
        (3, 45, 45, 1, 7),
        (16, 32, 20, 3, 3),
        (1, 1, 1, 5, 2),
    ],
    wrong=key.WRONG_Q2,
)

_generator = torch.Generator().manual_seed(21)
q3 = Exercise(
    name="Exercise 3 (video-level scores)",
    reference=key.video_scores,
    hints=[
        "Each clip's logits become class probabilities with a softmax over the classes; the score of a "
        "video is the average of the probabilities of its own clips.",
        "video_ids[i] says which video clip i belongs to. Build a (num_videos, C) tensor of sums (a loop "
        "over the clips works; so does Tensor.index_add_) and a count of clips per video (a bincount of video_ids).",
        "Divide each video's summed probabilities by its number of clips (broadcasting needs the counts as a "
        "column of shape (num_videos, 1)). Every row of the result then sums to 1.",
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
        "First find how long the video lasts: 300 frames played at 25 frames per second.",
        "Uniform sampling cuts the video into 8 equal segments and takes one frame from the middle of each: "
        "two neighbouring samples are one segment apart.",
        "Divide the video's length in seconds by the number of segments (or: frames per segment, divided by "
        "the frame rate).",
    ],
    diagnose=_diagnose_seconds,
    wrong=key.WRONG_Q4,
)
