"""SPOILERS: the answers to notebook 21's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: the output size of a 3D convolution ----------------------------------------------


def conv3d_output_size(size, kernel, stride, padding):
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding))


def _no_plus_one(size, kernel, stride, padding):
    return tuple((n + 2 * p - k) // s for n, k, s, p in zip(size, kernel, stride, padding))


def _padding_once(size, kernel, stride, padding):
    return tuple((n + p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding))


def _stride_ignored(size, kernel, stride, padding):
    return tuple(n + 2 * p - k + 1 for n, k, p in zip(size, kernel, padding))


def _divided_everything(size, kernel, stride, padding):
    return tuple((n + 2 * p - k + 1) // s for n, k, s, p in zip(size, kernel, stride, padding))


def _rounded_up(size, kernel, stride, padding):
    return tuple(-((k - n - 2 * p) // s) + 1 for n, k, s, p in zip(size, kernel, stride, padding))


WRONG_Q1 = [
    Mistake(_no_plus_one, "you forgot the + 1: the first position of the kernel counts too"),
    Mistake(_padding_once, "padding is added on both sides of each axis, so it counts twice"),
    Mistake(_stride_ignored, "your sizes ignore the stride: a stride of s keeps every s-th position"),
    Mistake(
        _divided_everything,
        "you divided the + 1 by the stride too: divide (n + 2p - k) by s, round down, then add 1",
    ),
    Mistake(_rounded_up, "you rounded the division up: a kernel that does not fit is not applied"),
]

# --- Exercise 2: the parameters of a (2+1)D block ---------------------------------------------------


def params_2plus1d(c_in, c_out, mid, k_t, k_s):
    spatial = c_in * mid * k_s * k_s  # 1 x k_s x k_s kernels: c_in -> mid
    temporal = mid * c_out * k_t  # k_t x 1 x 1 kernels: mid -> c_out
    return spatial + temporal


WRONG_Q2 = [
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: c_in * c_out * k_t * k_s * k_s,
        "that is the count of a full 3D convolution: the (2+1)D block has two convolutions through `mid` channels",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: c_in * mid * k_s + mid * c_out * k_t,
        "a spatial kernel is k_s x k_s, not k_s: it covers height and width",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: c_in * mid * k_s * k_s + c_in * c_out * k_t,
        "the temporal convolution reads the `mid` channels of the spatial one, not the block's input",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: (c_in * mid * k_s * k_s) * (mid * c_out * k_t),
        "the two convolutions have separate weights: add their counts, do not multiply them",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: c_in * mid * k_t * k_t + mid * c_out * k_s,
        "the kernel sizes are swapped: the spatial kernel is k_s x k_s, the temporal one k_t",
    ),
    Mistake(
        lambda c_in, c_out, mid, k_t, k_s: c_in * mid * k_s * k_s + mid + mid * c_out * k_t + c_out,
        "you counted a bias per output channel: the question counts the weights of the kernels only",
    ),
    lambda c_in, c_out, mid, k_t, k_s: mid * (k_s * k_s + k_t),  # forgot the channels in and out
]

# --- Exercise 3: from clip scores to video scores ---------------------------------------------------


def video_scores(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)  # each clip's class probabilities
    total = torch.zeros(num_videos, clip_logits.shape[1]).index_add_(0, video_ids, probs)
    counts = torch.bincount(video_ids, minlength=num_videos).clamp(min=1)
    return total / counts[:, None]  # the mean over the clips of each video


def _mean_logits(clip_logits, video_ids, num_videos):
    total = torch.zeros(num_videos, clip_logits.shape[1]).index_add_(0, video_ids, clip_logits)
    return total / torch.bincount(video_ids, minlength=num_videos).clamp(min=1)[:, None]


def _summed_probs(clip_logits, video_ids, num_videos):
    return torch.zeros(num_videos, clip_logits.shape[1]).index_add_(0, video_ids, clip_logits.softmax(dim=1))


def _max_probs(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=1)
    return torch.stack([probs[video_ids == v].max(dim=0).values for v in range(num_videos)])


def _softmax_over_clips(clip_logits, video_ids, num_videos):
    probs = clip_logits.softmax(dim=0)
    total = torch.zeros(num_videos, clip_logits.shape[1]).index_add_(0, video_ids, probs)
    return total / torch.bincount(video_ids, minlength=num_videos).clamp(min=1)[:, None]


def _first_clip(clip_logits, video_ids, num_videos):
    first = torch.stack([(video_ids == v).nonzero()[0, 0] for v in range(num_videos)])
    return clip_logits.softmax(dim=1)[first]


WRONG_Q3 = [
    Mistake(
        _mean_logits,
        "you averaged the raw logits: turn each clip's logits into probabilities (softmax) first, then average",
    ),
    Mistake(_summed_probs, "you summed the probabilities: the video score is their mean over its clips"),
    Mistake(_max_probs, "you took the largest probability over the clips: the video score is their mean"),
    Mistake(
        _softmax_over_clips,
        "your softmax runs over the clips (dim=0): each clip's probabilities must sum to 1 over the classes (dim=1)",
    ),
    Mistake(_first_clip, "your scores come from one clip per video: average over all of its clips"),
]

# --- Exercise 4: seconds between uniformly sampled frames -------------------------------------------


def seconds_between_frames() -> float:
    # 300 frames at 25 frames per second last 12 s; 8 uniform samples are one per 12 / 8 s segment.
    return 300 / 8 / 25


WRONG_Q4 = [
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
