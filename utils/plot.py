"""Plotting helpers used across the course: image grids, training curves, and sliders."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from utils.env import is_headless


def show_images(
    images: torch.Tensor | np.ndarray | str | Path | Sequence[torch.Tensor | np.ndarray | str | Path],
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    size: float = 1.6,
    cmap: str | None = None,
) -> Figure:
    """Show images in a grid.

    Args:
        images: a batch tensor (N, C, H, W) or (N, H, W), a list of (C, H, W) tensors or
            (H, W[, C]) arrays, or image file paths. Float images should be in [0, 1] (others are
            rescaled per image for display, and a line says so); uint8 in [0, 255].
        titles: one title per image (optional).
        ncols: images per row.
        size: inches per image.
        cmap: colormap for single-channel images (default "gray").

    Example:
        >>> fig = show_images(torch.rand(4, 3, 32, 32), titles=["a", "b", "c", "d"], ncols=2)
    """
    if isinstance(images, (str, Path)):
        images = [images]
    if isinstance(images, (torch.Tensor, np.ndarray)):
        if images.ndim not in (3, 4):
            raise ValueError(
                f"expected a batch (N, C, H, W) or (N, H, W), got shape {tuple(images.shape)}; "
                "for one image, pass a list: show_images([image])"
            )
        images = list(images)
    if not isinstance(images, Sequence):
        raise TypeError(
            f"expected images (a batch tensor, a list of images or file paths), got {type(images).__name__}"
        )
    if len(images) == 0:
        raise ValueError("no images to show")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    if isinstance(ncols, bool) or not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    arrays = [_to_hwc(image) for image in images]
    ncols = min(int(ncols), len(arrays))
    nrows = math.ceil(len(arrays) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, array) in enumerate(zip(axes.flat, arrays)):
        ax.imshow(array, cmap=cmap or ("gray" if array.ndim == 2 else None))
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def _to_hwc(image: torch.Tensor | np.ndarray | str | Path) -> np.ndarray:
    """A (C, H, W) tensor, an (H, W[, C]) array or an image file → an (H, W) or (H, W, C) array for imshow."""
    if isinstance(image, (str, Path)):
        if not Path(image).is_file():
            raise FileNotFoundError(f"show_images: no image file at {image}")
        return plt.imread(image)
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu()
        if image.dim() == 3 and image.shape[0] in (1, 3, 4):
            image = image.permute(1, 2, 0)
        image = image.float().numpy() if image.is_floating_point() else image.numpy()
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected an image (tensor, array or file path), got {type(image).__name__}")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (3, 4)):
        raise ValueError(f"expected an image of shape (C, H, W), (H, W) or (H, W, C), got {image.shape}")
    if image.dtype.kind == "f" and image.size and (image.min() < 0 or image.max() > 1):
        low, high = float(image.min()), float(image.max())
        print(f"show_images: values in [{low:.3g}, {high:.3g}], not [0, 1] → rescaled to [0, 1] for display")
        image = (image - low) / (high - low or 1.0)
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
    person (papermill, nbconvert, CI: see `utils.env.is_headless`) or ipywidgets is missing,
    `draw(default)` is called once, so the executed notebook still shows a picture.

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
