"""SPOILERS: the answers to notebook 14's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message;
`copy_of` marks the answer a copy of the notebook's nearest earlier cell gives.
"""

import math

import torch

from utils.exercises import Mistake

# --- Exercise 1: one target heatmap for several people (bottom-up) ---------------------------------------


def _gaussians(points, size, stride, sigma, offset=0.5):
    """One Gaussian map per person, (P, H, W): cell centres in image pixels, columns for x."""
    centres = (torch.arange(size // stride, dtype=torch.float32) + offset) * stride
    dx2 = (centres[None, None, :] - points[:, 0, None, None]) ** 2  # (P, 1, W)
    dy2 = (centres[None, :, None] - points[:, 1, None, None]) ** 2  # (P, H, 1)
    return torch.exp(-(dx2 + dy2) / (2 * sigma**2))


def my_target_heatmap(points, size, stride, sigma):
    cells = size // stride
    centres = (torch.arange(cells, dtype=torch.float32) + 0.5) * stride  # cell centres, in image pixels
    dx2 = (centres[None, None, :] - points[:, 0, None, None]) ** 2  # (P, 1, W): columns go with x
    dy2 = (centres[None, :, None] - points[:, 1, None, None]) ** 2  # (P, H, 1): rows go with y
    return torch.exp(-(dx2 + dy2) / (2 * sigma**2)).amax(dim=0)  # one map: the highest bump wins


def _one_map_per_person(points, size, stride, sigma):  # cell 9's render_heatmaps
    return _gaussians(points, size, stride, sigma)


def _summed(points, size, stride, sigma):
    return _gaussians(points, size, stride, sigma).sum(dim=0)


def _averaged(points, size, stride, sigma):
    return _gaussians(points, size, stride, sigma).mean(dim=0)


def _corners(points, size, stride, sigma):
    return _gaussians(points, size, stride, sigma, offset=0.0).amax(dim=0)


def _transposed(points, size, stride, sigma):
    return my_target_heatmap(points, size, stride, sigma).T


def _no_two(points, size, stride, sigma):
    return my_target_heatmap(points, size, stride, sigma / 2**0.5)


WRONG_Q1 = [
    Mistake(
        _one_map_per_person,
        "that is one map per person: the bottom-up target is ONE map for this keypoint type, holding "
        "every person's bump",
        copy_of="cell 9's render_heatmaps",
    ),
    Mistake(
        _summed,
        "you added the people's Gaussians: where two people are close, their bumps merge into one "
        "brighter bump that rises above a lone person's peak and peaks between them; keep each bump as it is",
    ),
    Mistake(
        _averaged,
        "you averaged the people's Gaussians: every peak is lowered, and the more people the lower; "
        "each person's keypoint should still be a peak as high as a lone person's",
    ),
    Mistake(
        _corners,
        "your peaks sit half a cell off: cell (i, j) stands for the point at its CENTRE, not its top-left corner",
    ),
    Mistake(
        _transposed,
        "x and y are swapped: x varies along the COLUMNS (the last axis), y along the rows",
    ),
    Mistake(_no_two, "your Gaussians are too narrow: the exponent is -d² / (2σ²), you left out the 2"),
]

# --- Exercise 2: soft-argmax around the peak -------------------------------------------------------------


def my_local_soft_argmax(heatmaps, stride, radius):
    n, k, h, w = heatmaps.shape
    best = heatmaps.reshape(n, k, h * w).argmax(dim=-1)
    row, col = best // w, best % w  # the hottest cell of each map
    rows = torch.arange(h)[:, None]
    cols = torch.arange(w)[None, :]
    near = ((rows - row[..., None, None]).abs() <= radius) & ((cols - col[..., None, None]).abs() <= radius)
    scores = heatmaps.masked_fill(~near, -math.inf)  # outside the window: probability 0
    p = scores.reshape(n, k, h * w).softmax(dim=-1).reshape(n, k, h, w)
    xs = (torch.arange(w, dtype=heatmaps.dtype) + 0.5) * stride
    ys = (torch.arange(h, dtype=heatmaps.dtype) + 0.5) * stride
    return torch.stack([(p.sum(dim=2) * xs).sum(-1), (p.sum(dim=3) * ys).sum(-1)], dim=-1)


def _global(heatmaps, stride, radius):  # cell 11's soft_argmax
    n, k, h, w = heatmaps.shape
    p = heatmaps.reshape(n, k, h * w).softmax(dim=-1).reshape(n, k, h, w)
    xs = (torch.arange(w, dtype=heatmaps.dtype) + 0.5) * stride
    ys = (torch.arange(h, dtype=heatmaps.dtype) + 0.5) * stride
    return torch.stack([(p.sum(dim=2) * xs).sum(-1), (p.sum(dim=3) * ys).sum(-1)], dim=-1)


def _argmax(heatmaps, stride, radius):
    n, k, h, w = heatmaps.shape
    best = heatmaps.reshape(n, k, h * w).argmax(dim=-1)
    return torch.stack([(best % w + 0.5) * stride, (best // w + 0.5) * stride], dim=-1).to(heatmaps.dtype)


def _not_renormalised(heatmaps, stride, radius):
    n, k, h, w = heatmaps.shape
    best = heatmaps.reshape(n, k, h * w).argmax(dim=-1)
    row, col = best // w, best % w
    rows, cols = torch.arange(h)[:, None], torch.arange(w)[None, :]
    near = ((rows - row[..., None, None]).abs() <= radius) & ((cols - col[..., None, None]).abs() <= radius)
    p = heatmaps.reshape(n, k, h * w).softmax(dim=-1).reshape(n, k, h, w) * near
    xs = (torch.arange(w, dtype=heatmaps.dtype) + 0.5) * stride
    ys = (torch.arange(h, dtype=heatmaps.dtype) + 0.5) * stride
    return torch.stack([(p.sum(dim=2) * xs).sum(-1), (p.sum(dim=3) * ys).sum(-1)], dim=-1)


def _narrow(heatmaps, stride, radius):
    return my_local_soft_argmax(heatmaps, stride, radius - 1) if radius > 0 else _argmax(heatmaps, stride, 0)


def _swapped(heatmaps, stride, radius):
    return my_local_soft_argmax(heatmaps, stride, radius).flip(-1)


WRONG_Q2 = [
    Mistake(
        _global,
        "that is soft-argmax over the whole map: a second bump elsewhere still pulls your position "
        "towards it; keep only the window around the hottest cell",
        copy_of="cell 11's soft_argmax",
    ),
    Mistake(
        _argmax,
        "that is the arg-max: the centre of the hottest cell; take the expected position under the "
        "softmax of the window around it",
    ),
    Mistake(
        _not_renormalised,
        "you took the softmax over the whole map and then cut the window out: its probabilities no "
        "longer sum to 1; take the softmax over the window's cells only",
    ),
    Mistake(
        _narrow,
        "your window is too narrow: it holds every cell at most `radius` cells away from the hottest "
        "one, in rows and in columns (the border cuts it)",
    ),
    Mistake(_swapped, "x and y are swapped: return (x, y), x from the columns, y from the rows"),
]

# --- Exercise 3: PCK per keypoint type -------------------------------------------------------------------


def my_pck_per_keypoint(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)  # (N, K), in pixels
    correct = distance < threshold * normalizer[:, None]  # strictly closer, one length per instance
    return (correct & visible).sum(dim=0) / visible.sum(dim=0)  # (K,): 0 / 0 = nan where never visible


def _overall(pred, target, visible, threshold, normalizer):  # cell 13's pck_hand
    distance = (pred - target).norm(dim=-1)
    return ((distance < threshold * normalizer[:, None]) & visible).sum() / visible.sum()


def _per_instance(pred, target, visible, threshold, normalizer):
    correct = (pred - target).norm(dim=-1) < threshold * normalizer[:, None]
    return (correct & visible).sum(dim=1) / visible.sum(dim=1)


def _all_keypoints(pred, target, visible, threshold, normalizer):
    correct = (pred - target).norm(dim=-1) < threshold * normalizer[:, None]
    return correct.float().mean(dim=0)


def _over_all_instances(pred, target, visible, threshold, normalizer):
    correct = (pred - target).norm(dim=-1) < threshold * normalizer[:, None]
    return (correct & visible).float().mean(dim=0)


def _at_most(pred, target, visible, threshold, normalizer):
    correct = (pred - target).norm(dim=-1) <= threshold * normalizer[:, None]
    return (correct & visible).sum(dim=0) / visible.sum(dim=0)


def _zero_when_never_visible(pred, target, visible, threshold, normalizer):
    correct = (pred - target).norm(dim=-1) < threshold * normalizer[:, None]
    return (correct & visible).sum(dim=0) / visible.sum(dim=0).clamp(min=1)


WRONG_Q3 = [
    Mistake(
        _overall,
        "that is one PCK over all keypoints: give one PCK per keypoint TYPE, a tensor of K numbers",
        copy_of="cell 13's pck_hand",
    ),
    Mistake(
        _per_instance,
        "you computed one PCK per instance (per row): give one per keypoint type, over the instances",
    ),
    Mistake(
        _all_keypoints,
        "you scored every keypoint: leave out the ones that are not visible, in the count of correct "
        "ones AND in the number you divide by",
    ),
    Mistake(
        _over_all_instances,
        "you divided by ALL instances: divide each keypoint type's count by the number of instances in "
        "which it is visible",
    ),
    Mistake(
        _at_most,
        "a keypoint exactly at the threshold counts as correct in your answer: the convention here "
        "(mmpose's) is STRICTLY closer than threshold * normalizer",
    ),
    Mistake(
        _zero_when_never_visible,
        "a keypoint type that no instance shows has no PCK (0 / 0): return nan for it, not a number "
        "that reads as 'always wrong'",
    ),
]

# --- Exercise 4: how far off may a keypoint be for a given OKS? ------------------------------------------


def my_oks_radius(area, sigmas, similarity):
    # exp(-d² / (2 A (2σ)²)) = s  ⇔  d² = 2 A (2σ)² ln(1 / s)
    return 2 * sigmas[None, :] * torch.sqrt(2 * area[:, None] * math.log(1 / similarity))


def _scale_only(area, sigmas, similarity):  # cell 14's 2σ√A
    return 2 * sigmas[None, :] * area[:, None].sqrt()


def _sigma_not_doubled(area, sigmas, similarity):
    return my_oks_radius(area, sigmas / 2, similarity)


def _no_two_area(area, sigmas, similarity):
    return my_oks_radius(area / 2, sigmas, similarity)


def _squared(area, sigmas, similarity):
    return my_oks_radius(area, sigmas, similarity) ** 2


def _sqrt_area(area, sigmas, similarity):
    return my_oks_radius(area.sqrt(), sigmas, similarity)


def _log_sign(area, sigmas, similarity):
    return 2 * sigmas[None, :] * torch.sqrt(2 * area[:, None] * math.log(similarity))


WRONG_Q4 = [
    Mistake(
        _scale_only,
        "that is OKS's length scale 2σ√A, the same for every similarity: the radius must also depend "
        "on the similarity asked for",
        copy_of="cell 14's 2σ√A",
    ),
    Mistake(
        _sigma_not_doubled,
        "your radius is too small: the variance in OKS is (2σ)², with the sigma doubled before squaring",
    ),
    Mistake(_no_two_area, "you left out the 2 in 2 · A · (2σ)²"),
    Mistake(
        _squared,
        "that is a squared distance (pixels²): the question asks for a distance in pixels",
    ),
    Mistake(
        _sqrt_area,
        "you used the square root of the area: OKS divides the squared distance by the area itself",
    ),
    Mistake(
        _log_sign,
        "your radius is not a number: ln of a similarity below 1 is negative, so solve for d² with the "
        "sign that makes it positive",
    ),
]
