"""SPOILERS: the answers to notebook 14's exercises. Try first; .hint() helps.

Reference solutions, then the wrong answers each check must reject. A `Mistake` carries the message
a learner whose answer behaves exactly like it sees; a plain entry gets the generic message.
"""

import torch

from utils.exercises import Mistake

# --- Exercise 1: a Gaussian heatmap -----------------------------------------------------------------


def my_heatmap(point, size, stride, sigma):
    cells = size // stride
    centres = (torch.arange(cells, dtype=torch.float32) + 0.5) * stride  # cell centres, in image pixels
    dx2 = (centres[None, :] - point[0]) ** 2  # (1, W): columns go with x
    dy2 = (centres[:, None] - point[1]) ** 2  # (H, 1): rows go with y
    return torch.exp(-(dx2 + dy2) / (2 * sigma**2))


def _corners(point, size, stride, sigma):
    shifted = torch.as_tensor(point, dtype=torch.float32) + 0.5 * stride
    return my_heatmap(shifted, size, stride, sigma)


def _transposed(point, size, stride, sigma):
    return my_heatmap(point, size, stride, sigma).T


def _no_two(point, size, stride, sigma):
    return my_heatmap(point, size, stride, sigma / 2**0.5)


def _sigma_in_cells(point, size, stride, sigma):
    return my_heatmap(point, size, stride, sigma * stride)


WRONG_Q1 = [
    Mistake(
        _corners,
        "your peak sits half a cell off: cell (i, j) stands for the pixel point at its CENTRE, "
        "((j + 0.5) * stride, (i + 0.5) * stride), not at its top-left corner",
    ),
    Mistake(
        _transposed,
        "x and y are swapped: x is the horizontal coordinate, so it varies along the COLUMNS (the last "
        "axis); y varies along the rows",
    ),
    Mistake(
        _no_two,
        "your Gaussian is too narrow: the exponent is -d² / (2σ²), you left out the 2",
    ),
    Mistake(
        _sigma_in_cells,
        "your Gaussian is too wide: sigma is given in image pixels, like the point; measure the "
        "distance in image pixels too (cell centres times the stride)",
    ),
]

# --- Exercise 2: soft-argmax --------------------------------------------------------------------------


def my_soft_argmax(heatmaps, stride):
    n, k, h, w = heatmaps.shape
    weights = heatmaps.reshape(n, k, h * w).softmax(dim=-1).reshape(n, k, h, w)  # sums to 1 per map
    xs = (torch.arange(w, dtype=heatmaps.dtype) + 0.5) * stride  # column centres in pixels
    ys = (torch.arange(h, dtype=heatmaps.dtype) + 0.5) * stride  # row centres in pixels
    x = (weights.sum(dim=2) * xs).sum(dim=-1)  # expected x: column weights times column centres
    y = (weights.sum(dim=3) * ys).sum(dim=-1)
    return torch.stack([x, y], dim=-1)


def _argmax(heatmaps, stride):
    n, k, h, w = heatmaps.shape
    best = heatmaps.reshape(n, k, h * w).argmax(dim=-1)
    return torch.stack([(best % w + 0.5) * stride, (best // w + 0.5) * stride], dim=-1).to(heatmaps.dtype)


def _no_softmax(heatmaps, stride):
    n, k, h, w = heatmaps.shape
    weights = heatmaps / heatmaps.sum(dim=(2, 3), keepdim=True)
    xs = (torch.arange(w, dtype=heatmaps.dtype) + 0.5) * stride
    ys = (torch.arange(h, dtype=heatmaps.dtype) + 0.5) * stride
    return torch.stack([(weights.sum(2) * xs).sum(-1), (weights.sum(3) * ys).sum(-1)], dim=-1)


def _swapped(heatmaps, stride):
    return my_soft_argmax(heatmaps, stride).flip(-1)


def _cells(heatmaps, stride):
    return my_soft_argmax(heatmaps, 1) - 0.5


WRONG_Q2 = [
    Mistake(
        _argmax,
        "you took the arg-max: it can only land on cell centres; soft-argmax is the EXPECTED position "
        "under the softmax of the heatmap, a weighted average of all cell centres",
    ),
    Mistake(
        _no_softmax,
        "you divided the raw heatmap by its sum: the scores may be negative, so these are not "
        "probabilities; turn each map into probabilities with a softmax over all its cells",
    ),
    Mistake(_swapped, "x and y are swapped: return (x, y), x from the columns, y from the rows"),
    Mistake(
        _cells,
        "your answer is in heatmap cells: convert to image pixels, cell j's centre is at (j + 0.5) * stride",
    ),
]

# --- Exercise 3: PCK ----------------------------------------------------------------------------------


def my_pck(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)  # (N, K), in pixels
    correct = distance < threshold * normalizer[:, None]  # strictly closer, one length per instance
    return ((correct & visible).sum() / visible.sum()).item()


def _all_keypoints(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)
    return (distance < threshold * normalizer[:, None]).float().mean().item()


def _denominator_all(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)
    return ((distance < threshold * normalizer[:, None]) & visible).float().mean().item()


def _at_most(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)
    correct = distance <= threshold * normalizer[:, None]
    return ((correct & visible).sum() / visible.sum()).item()


def _no_normalizer(pred, target, visible, threshold, normalizer):
    distance = (pred - target).norm(dim=-1)
    return (((distance < threshold) & visible).sum() / visible.sum()).item()


def _squared(pred, target, visible, threshold, normalizer):
    distance = ((pred - target) ** 2).sum(dim=-1)
    correct = distance < threshold * normalizer[:, None]
    return ((correct & visible).sum() / visible.sum()).item()


WRONG_Q3 = [
    Mistake(
        _all_keypoints,
        "you scored every keypoint: leave out the ones that are not visible, in the count of correct "
        "ones AND in the number you divide by",
    ),
    Mistake(
        _denominator_all,
        "you divided by ALL keypoints: divide by the number of visible ones, since only they are scored",
    ),
    Mistake(
        _at_most,
        "a keypoint exactly at the threshold counts as correct in your answer: the convention here "
        "(mmpose's) is STRICTLY closer than threshold * normalizer",
    ),
    Mistake(
        _no_normalizer,
        "you compared the distance with the threshold alone: the threshold is a fraction of each "
        "instance's normalizer (e.g. its box size), so multiply them",
    ),
    Mistake(
        _squared,
        "you compared the SQUARED distance with the threshold: use the distance itself (a length, like "
        "threshold * normalizer)",
    ),
]

# --- Exercise 4: OKS ----------------------------------------------------------------------------------


def my_oks(pred, target, visible, area, sigmas):
    d2 = ((pred - target) ** 2).sum(dim=-1)  # squared distances (N, K)
    e = d2 / (2 * area[:, None] * (2 * sigmas) ** 2)
    similarity = torch.exp(-e) * visible  # invisible keypoints contribute nothing
    return similarity.sum(dim=-1) / visible.sum(dim=-1)


def _sigma_not_doubled(pred, target, visible, area, sigmas):
    return my_oks(pred, target, visible, area, sigmas / 2)


def _mean_over_all(pred, target, visible, area, sigmas):
    d2 = ((pred - target) ** 2).sum(dim=-1)
    e = d2 / (2 * area[:, None] * (2 * sigmas) ** 2)
    return (torch.exp(-e) * visible).mean(dim=-1)


def _sqrt_area(pred, target, visible, area, sigmas):
    return my_oks(pred, target, visible, area.sqrt(), sigmas)


def _distance_not_squared(pred, target, visible, area, sigmas):
    d = (pred - target).norm(dim=-1)
    e = d / (2 * area[:, None] * (2 * sigmas) ** 2)
    return (torch.exp(-e) * visible).sum(dim=-1) / visible.sum(dim=-1)


def _no_half(pred, target, visible, area, sigmas):
    return my_oks(pred, target, visible, area / 2, sigmas)


WRONG_Q4 = [
    Mistake(
        _sigma_not_doubled,
        "your OKS is too strict: pycocotools' variance is (2σ)², you used σ² (the sigmas of "
        "COCO_SIGMAS are doubled before squaring)",
    ),
    Mistake(
        _mean_over_all,
        "you averaged over ALL keypoints: average only over the visible ones (divide by how many "
        "are visible)",
    ),
    Mistake(
        _sqrt_area,
        "you divided by the square root of the area: the squared distance is in pixels², so it is "
        "divided by the area itself (pixels²)",
    ),
    Mistake(
        _distance_not_squared,
        "you used the distance, not its square: e = d² / (2 · area · (2σ)²)",
    ),
    Mistake(_no_half, "you left out the 2 in 2 · area · (2σ)²: your OKS is too strict"),
]
