"""Plotting helpers used across the course: image grids, training curves, and sliders."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from utils.env import is_headless


def show_images(
    images: torch.Tensor | Sequence[torch.Tensor | np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    size: float = 1.6,
    cmap: str | None = None,
) -> Figure:
    """Show images in a grid.

    Args:
        images: a batch tensor (N, C, H, W) or (N, H, W), or a list of (C, H, W) tensors or
            (H, W[, C]) arrays. Float images should be in [0, 1]; uint8 in [0, 255].
        titles: one title per image (optional).
        ncols: images per row.
        size: inches per image.
        cmap: colormap for single-channel images (default "gray").
    """
    if isinstance(images, torch.Tensor):
        if images.dim() not in (3, 4):
            raise ValueError(f"expected a batch (N, C, H, W) or (N, H, W), got shape {tuple(images.shape)}")
        images = list(images)
    if len(images) == 0:
        raise ValueError("no images to show")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images)):
        array = _to_hwc(image)
        ax.imshow(array, cmap=cmap or ("gray" if array.ndim == 2 else None))
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def _to_hwc(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """(C, H, W) tensor or (H, W[, C]) array → (H, W) or (H, W, C) NumPy array for imshow."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu()
        if image.dim() == 3 and image.shape[0] in (1, 3, 4):
            image = image.permute(1, 2, 0)
        image = image.numpy()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an image of shape (C, H, W), (H, W) or (H, W, C), got {image.shape}")
    return image


def plot_history(history: dict[str, Sequence[float]], xlabel: str = "epoch") -> Figure:
    """Plot training curves: one panel per quantity, train and validation overlaid.

    Args:
        history: e.g. `{"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}` as returned
            by `utils.train.fit`. Keys starting with "train_"/"val_" that share the rest of their
            name go in one panel.
        xlabel: label of the x axis.
    """
    names = sorted({key.removeprefix("train_").removeprefix("val_") for key in history})
    if not names:
        raise ValueError("history is empty: nothing to plot")
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes.flat, names):
        for split in ("train", "val", None):
            key = f"{split}_{name}" if split else name
            if key in history and len(history[key]):
                values = history[key]
                ax.plot(range(1, len(values) + 1), values, marker="o", ms=3, label=split or name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def slider_or_static(
    draw: Callable[[float], None],
    values: Sequence[float],
    default: float,
    description: str = "value",
) -> None:
    """An interactive slider over `values` that redraws with `draw(value)`; a static plot headless.

    In JupyterLab and Colab you get an ipywidgets slider. When the notebook is executed without a
    person (papermill, CI: `COURSE_HEADLESS=1`) or ipywidgets is missing, `draw(default)` is called
    once, so the executed notebook still shows a picture.

    Args:
        draw: a function that makes one plot for a value.
        values: the values the slider steps through (e.g. learning rates).
        default: the value shown first; must be one of `values`.
        description: the slider's label.
    """
    if default not in values:
        raise ValueError(f"default {default} must be one of the slider values {list(values)}")
    try:
        import ipywidgets as widgets
    except ImportError:
        widgets = None
    if widgets is None or is_headless():
        print(f"(static plot for {description} = {default}; run the notebook yourself to get a slider)")
        draw(default)
        plt.show()
        return

    def redraw(value: float) -> None:
        draw(value)
        plt.show()

    slider = widgets.SelectionSlider(
        options=list(values),
        value=default,
        description=description,
        style={"description_width": "initial"},  # show the whole label
        layout=widgets.Layout(width="450px"),
    )
    widgets.interact(redraw, value=slider)
