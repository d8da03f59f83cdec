"""Drawing results on a figure: a confusion matrix (more drawings join as the task notebooks need them).

`utils.plot` draws what every notebook needs (image grids, training curves, sliders); this module
draws the results of one kind of task, starting with classification.

Example:
    >>> cm = torch.tensor([[5, 1], [2, 7]])
    >>> ax = plot_confusion_matrix(cm, ["cat", "dog"], normalize="true")
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('true class', 'predicted class')
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from utils.plot import class_colormap

NORMALIZE = (None, "true", "pred", "all")  # as scikit-learn's confusion_matrix(normalize=...)
# normalize → (what the title says, the colour bar's label)
_WHAT = {
    None: ("counts", "samples"),
    "true": ("rows sum to 1: the diagonal is the recall", "fraction of the true class"),
    "pred": ("columns sum to 1: the diagonal is the precision", "fraction of the predicted class"),
    "all": ("all cells sum to 1", "fraction of all samples"),
}


def normalize_confusion_matrix(cm: torch.Tensor | np.ndarray, normalize: str | None) -> np.ndarray:
    """The confusion matrix as fractions of its rows ("true"), columns ("pred") or total ("all").

    A row or column with no samples stays 0 instead of becoming NaN. `normalize=None` returns the
    counts unchanged, as floats.

    Example:
        >>> normalize_confusion_matrix(np.array([[3, 1], [0, 0]]), "true")
        array([[0.75, 0.25],
               [0.  , 0.  ]])
    """
    counts = _check_matrix(cm)
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize must be one of {NORMALIZE}, got {normalize!r}")
    if normalize is None:
        return counts
    totals = {
        "true": counts.sum(axis=1, keepdims=True),
        "pred": counts.sum(axis=0, keepdims=True),
        "all": counts.sum(keepdims=True),
    }[normalize]
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def plot_confusion_matrix(
    cm: torch.Tensor | np.ndarray,
    class_names: Sequence[str],
    ax: Axes | None = None,
    normalize: str | None = None,
    title: str | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Draw a confusion matrix (rows = true class, columns = predicted class) with each cell's value.

    Args:
        cm: (C, C) counts, e.g. from `utils.metrics.confusion_matrix`: `cm[i, j]` samples of class
            i were predicted as class j.
        class_names: C names, label 0 first, shown along both axes.
        ax: where to draw; default: a new figure sized to the number of classes.
        normalize: None (counts), "true" (fractions of each row: the diagonal is the recall),
            "pred" (fractions of each column: the diagonal is the precision) or "all".
        title: the title; default "Confusion matrix" and what the numbers are.
        cmap: matplotlib colour map of the cells.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = plot_confusion_matrix(torch.tensor([[5, 1], [2, 7]]), ["cat", "dog"])
        >>> [t.get_text() for t in ax.texts]
        ['5', '1', '2', '7']
    """
    values = normalize_confusion_matrix(cm, normalize)
    size = values.shape[0]
    if isinstance(class_names, str) or not isinstance(class_names, Sequence):
        raise ValueError(f"class_names must be a list of {size} names, got {class_names!r}")
    if len(class_names) != size:
        raise ValueError(f"got {len(class_names)} class names for a {size}x{size} confusion matrix")
    if ax is None:
        side = max(3.5, 0.55 * size + 2)
        _, ax = plt.subplots(figsize=(side + 1, side))
    elif not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    top = values.max() if normalize is None and values.max() > 0 else 1.0  # fractions: a fixed 0-1 scale
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=top)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_WHAT[normalize][1])
    fontsize = 9 if size <= 10 else 7
    for (i, j), value in np.ndenumerate(values):
        text = f"{value:.0f}" if normalize is None else f"{value:.2f}"
        color = "white" if value > 0.6 * top else "black"
        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=fontsize)
    ticks = np.arange(size)
    ax.set_xticks(ticks, labels=list(class_names), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, labels=list(class_names))
    ax.set(xlabel="predicted class", ylabel="true class")
    ax.set_title(title if title is not None else f"Confusion matrix ({_WHAT[normalize][0]})")
    return ax


def _check_matrix(cm: torch.Tensor | np.ndarray) -> np.ndarray:
    """A square matrix of finite, non-negative numbers, as a float64 array."""
    if isinstance(cm, torch.Tensor):
        cm = cm.detach().cpu().numpy()
    if not isinstance(cm, np.ndarray) or cm.dtype.kind not in "biuf":
        raise ValueError(f"cm must be a (C, C) tensor or array of counts, got {type(cm).__name__}")
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a square (C, C) matrix with C >= 1, got shape {cm.shape}")
    counts = cm.astype(np.float64)
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("cm must hold finite counts >= 0 (rows = true class, columns = predicted class)")
    return counts


def draw_boxes(
    ax: Axes,
    image: torch.Tensor | np.ndarray | None,
    boxes: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray | Sequence[int] | None = None,
    scores: torch.Tensor | np.ndarray | Sequence[float] | None = None,
    class_names: Sequence[str] | None = None,
    color: str | None = None,
    linestyle: str = "-",
    title: str | None = None,
) -> Axes:
    """Draw an image and xyxy boxes on it, each labelled with its class name and score.

    Args:
        ax: the matplotlib Axes to draw on.
        image: (3, H, W) float tensor in [0, 1], an (H, W, 3) array, or None to draw the boxes only.
        boxes: (N, 4) boxes in pixels, xyxy (x1, y1, x2, y2).
        labels: (N,) class ids (the box colour follows the class), or None.
        scores: (N,) confidences printed after the name (e.g. "circle 0.93"), or None (ground truth).
        class_names: names of the class ids (index = id), e.g. `utils.data.scenes.CLASSES`.
        color: one colour for every box instead of one per class.
        linestyle: "-" for predictions, "--" is a good choice for ground truth.
        title: the Axes title.

    Example:
        >>> fig, ax = plt.subplots()
        >>> ax = draw_boxes(ax, torch.rand(3, 32, 32), torch.tensor([[2.0, 3, 20, 25]]), [1], [0.9], ["bg", "cat"])
        >>> len(ax.patches), ax.texts[0].get_text()
        (1, 'cat 0.90')
    """
    from matplotlib.patches import Rectangle

    if not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    boxes = torch.as_tensor(np.asarray(boxes.detach().cpu() if isinstance(boxes, torch.Tensor) else boxes))
    if boxes.numel() == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be (N, 4) xyxy, got shape {tuple(boxes.shape)}")
    n = len(boxes)
    for name, values in (("labels", labels), ("scores", scores)):
        if values is not None and len(values) != n:
            raise ValueError(f"{n} boxes but {len(values)} {name}: they must match")
    if image is not None:
        if isinstance(image, torch.Tensor):
            image = image.detach().cpu()
            image = (
                image.permute(1, 2, 0).numpy()
                if image.dim() == 3 and image.shape[0] in (1, 3)
                else image.numpy()
            )
        ax.imshow(np.clip(image, 0, 1) if np.asarray(image).dtype.kind == "f" else image)
    palette = class_colormap(8)
    for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        label = int(labels[i]) if labels is not None else None
        edge = color or palette(label % 8 if label is not None else 0)
        ax.add_patch(
            Rectangle(
                (x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=edge, linewidth=1.5, linestyle=linestyle
            )
        )
        text = (
            class_names[label]
            if class_names is not None and label is not None
            else (str(label) if label is not None else "")
        )
        if scores is not None:
            text = f"{text} {float(scores[i]):.2f}".strip()
        if text:
            ax.text(
                x1,
                y1,
                text,
                fontsize=7,
                color="white",
                va="bottom",
                bbox={"facecolor": edge, "pad": 1, "linewidth": 0},
            )
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax
