"""SPOILERS: the answers to notebook 21's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: the output size of a dilated 3D convolution --------------------------------------


def conv3d_output_size(size, kernel, stride, padding, dilation):
    # A kernel of k taps, dilation d, spans d (k - 1) + 1 positions.
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def _undilated(size, kernel, stride, padding, dilation):
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding))


def _span_d_times_k(size, kernel, stride, padding, dilation):
    return tuple(
        (n + 2 * p - d * k) // s + 1 for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def _span_without_end(size, kernel, stride, padding, dilation):
    return tuple(
        (n + 2 * p - d * (k - 1)) // s + 1 for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def _padding_dilated(size, kernel, stride, padding, dilation):
    return tuple(
        (n + 2 * p * d - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def _no_plus_one(size, kernel, stride, padding, dilation):
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


WRONG_Q1 = [
    Mistake(
        _undilated,
        "your sizes ignore the dilation: a dilated kernel spreads its taps apart, so it spans more positions",
        copy_of="section 3's output-size formula (no dilation)",
    ),
    Mistake(
        _span_d_times_k,
        "a kernel of k taps, d positions apart, has k - 1 gaps between its taps: its span is not d times k",
    ),
    Mistake(
        _span_without_end,
        "your span of the dilated kernel leaves out one of its end taps: count the positions from the "
        "first tap to the last, both included",
    ),
    Mistake(
        _padding_dilated, "padding is not dilated: it adds p positions at each end, whatever the dilation"
    ),
    Mistake(_no_plus_one, "you forgot the + 1: the first position of the kernel counts too"),
]

# --- Exercise 2: the multiply-adds of a (2+1)D block on a clip --------------------------------------


def macs_2plus1d(c_in, c_out, mid, k_t, k_s, size):
    t, h, w = size  # 'same' padding and stride 1: both convolutions output t x h x w positions
    per_position = c_in * mid * k_s * k_s + mid * c_out * k_t  # one multiply-add per weight
    return t * h * w * per_position


WRONG_Q2 = [
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s, size: c_in * mid * k_s * k_s + mid * c_out * k_t,
        "that counts the weights: each weight is used once at every output position",
        copy_of="section 4's weight count",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s, size: (
            size[1] * size[2] * c_in * mid * k_s * k_s + size[0] * size[1] * size[2] * mid * c_out * k_t
        ),
        "the spatial convolution runs on every frame of the clip, not on one",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s, size: size[0] * size[1] * size[2] * c_in * c_out * k_t * k_s * k_s,
        "that is the cost of a full 3D convolution: the (2+1)D block is two convolutions through `mid` channels",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s, size: (
            (size[0] - k_t + 1)
            * (size[1] - k_s + 1)
            * (size[2] - k_s + 1)
            * (c_in * mid * k_s * k_s + mid * c_out * k_t)
        ),
        "with 'same' padding each convolution keeps every position of the clip: nothing is lost at the borders",
    ),
    lambda c_in, c_out, mid, k_t, k_s, size: size[0] * size[1] * size[2] * (c_in + c_out) * mid,
]

# --- Exercise 3: video scores weighted by each clip's confidence -----------------------------------


def video_scores_weighted(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)  # each clip's class probabilities
    weights = probs.max(dim=1).values  # a clip's confidence: its largest probability
    total = torch.zeros(num_videos, probs.shape[1]).index_add_(0, video_ids, weights[:, None] * probs)
    weight_sums = torch.zeros(num_videos).index_add_(0, video_ids, weights)
    return total / weight_sums[:, None]  # a weighted mean: each row still sums to 1


def _plain_mean(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)
    summed = torch.zeros(num_videos, probs.shape[1]).index_add_(0, video_ids, probs)
    return summed / torch.bincount(video_ids, minlength=num_videos)[:, None]


def _divided_by_count(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)
    weights = probs.max(dim=1).values
    total = torch.zeros(num_videos, probs.shape[1]).index_add_(0, video_ids, weights[:, None] * probs)
    return total / torch.bincount(video_ids, minlength=num_videos)[:, None]


def _logit_weights(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)
    weights = clip_logits.max(dim=1).values
    total = torch.zeros(num_videos, probs.shape[1]).index_add_(0, video_ids, weights[:, None] * probs)
    return total / torch.zeros(num_videos).index_add_(0, video_ids, weights)[:, None]


def _weighted_logits(clip_logits, video_ids, num_videos):
    weights = clip_logits.softmax(dim=1).max(dim=1).values
    total = torch.zeros(num_videos, clip_logits.shape[1]).index_add_(
        0, video_ids, weights[:, None] * clip_logits
    )
    return (total / torch.zeros(num_videos).index_add_(0, video_ids, weights)[:, None]).softmax(dim=1)


def _most_confident_clip(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)
    confidence = probs.max(dim=1).values
    best = [
        max((i for i in range(len(video_ids)) if video_ids[i] == v), key=lambda i: confidence[i])
        for v in range(num_videos)
    ]
    return probs[best]


WRONG_Q3 = [
    Mistake(
        _plain_mean,
        "every clip counts the same in your scores: weight each clip by its confidence",
        copy_of="section 6's video_level",
    ),
    Mistake(
        _divided_by_count,
        "your rows no longer sum to 1: a weighted mean divides by the sum of the weights, not the number of clips",
    ),
    Mistake(
        _logit_weights,
        "your weights are the largest logits: a clip's confidence is its largest probability (logits can be "
        "negative, and their size depends on the others)",
    ),
    Mistake(
        _weighted_logits,
        "you averaged logits and took the softmax after: average the probabilities, as the notebook does",
    ),
    Mistake(
        _most_confident_clip,
        "you kept only the most confident clip of each video: every clip counts, in proportion to its confidence",
    ),
]

# --- Exercise 4: seconds between uniformly sampled frames -------------------------------------------


def seconds_between_frames() -> float:
    # 300 frames at 25 frames per second last 12 s; 8 uniform samples are one per 12 / 8 s segment.
    return 300 / 8 / 25


WRONG_Q4 = [
    Mistake(
        1.25,
        "that is the example of section 2, a 10-second video: this video is longer",
        copy_of="section 2's example (8 frames of a 10-second video)",
    ),
    Mistake(1 / 25, "that is the time between two consecutive frames, as in dense sampling"),
    Mistake(300 / 8, "that counts frames between two samples; the question asks for seconds"),
    Mistake(300 / 25, "that is how long the whole video lasts, not the gap between two samples"),
    Mistake(8 / 25, "that is how long a dense clip of 8 consecutive frames lasts"),
    Mistake(
        300 / 7 / 25,
        "that spacing puts a sample on the very first and the very last frame; uniform sampling here "
        "takes the middle of each of 8 equal segments",
    ),
    Mistake(
        torch.tensor(300 / 25), "that is how long the whole video lasts, not the gap between two samples"
    ),
]
