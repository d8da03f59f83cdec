"""Plotting helpers used across the course: image grids, training curves, sliders, and the palette.

Every course figure uses one colour-blind-safe palette (`COLORBLIND_SAFE`, set by `start_notebook`
through `use_course_palette`): change it here, in one place, and every notebook follows.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from utils.announce import console_safe
from utils.env import is_headless

# Okabe & Ito (2008), "Color Universal Design": eight colours that stay apart for the common kinds of
# colour-vision deficiency (and in greyscale, mostly). Blue, orange, green, vermilion, purple, sky
# blue, yellow, black.
COLORBLIND_SAFE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def use_course_palette(colors: Sequence[str] = COLORBLIND_SAFE) -> None:
    """Make `colors` matplotlib's default colour cycle ("C0", "C1", ... and every new line).

    `start_notebook` calls it, so each notebook's figures share the colour-blind-safe palette.

    Example:
        >>> use_course_palette(); plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
        '#0072B2'
    """
    if isinstance(colors, str) or len(colors) < 2:
        raise ValueError(f"colors must be a sequence of at least 2 matplotlib colours, got {colors!r}")
    plt.rcParams["axes.prop_cycle"] = cycler(color=list(colors))


def class_colormap(n_classes: int) -> ListedColormap:
    """A colormap with one colour-blind-safe colour per class (for class maps and scatter plots).

    Example:
        >>> class_colormap(3).colors
        ['#0072B2', '#E69F00', '#009E73']
    """
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive int, got {n_classes!r}")
    if n_classes > len(COLORBLIND_SAFE):
        return ListedColormap([plt.get_cmap("viridis")(k / (n_classes - 1)) for k in range(n_classes)])
    return ListedColormap(list(COLORBLIND_SAFE[:n_classes]))


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
        size: inches per image (its width; the height follows the images' aspect ratio).
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
    # Cells follow the images' shape: wide text lines get short cells, not squares with gaps.
    aspect = float(np.median([array.shape[0] / array.shape[1] for array in arrays]))
    row_height = size * min(aspect, 2.0) + (0.35 if titles is not None and aspect < 0.5 else 0.0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, row_height * nrows), squeeze=False)
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
        note = f"show_images: values in [{low:.3g}, {high:.3g}], not [0, 1] → rescaled to [0, 1] for display"
        print(console_safe(note))  # "->" on a console that cannot print "→"
        image = (image - low) / (high - low or 1.0)
    return image


def plot_history(history: dict[str, Sequence[float]], xlabel: str = "epoch") -> Figure:
    """Plot training curves: one panel per quantity, train and validation overlaid.

    Args:
        history: e.g. `{"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}` as returned
            by `utils.train.fit`. Keys starting with "train_"/"val_" that share the rest of their
            name go in one panel; at most three panels per row.
        xlabel: label of the x axis.
    """
    names = sorted({key.removeprefix("train_").removeprefix("val_") for key in history})
    if not names:
        raise ValueError("history is empty: nothing to plot")
    ncols = min(len(names), 3)  # many named losses (detection) wrap onto more rows
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.5 * ncols, 3.2 * nrows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
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


def plot_decision_boundary(
    predict: Callable[[torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    ax: plt.Axes | None = None,
    resolution: int = 200,
    title: str | None = None,
) -> plt.Axes:
    """Colour the plane by the class a 2-D classifier predicts, with the data points on top.

    Args:
        predict: a model or function taking points (M, 2) float32 and returning class scores
            (M, C) or class ids (M,). An `nn.Module` is put in eval mode for the plot (and back).
        X: the points, (N, 2); they set the plotted area (plus a margin).
        y: their classes, (N,) integers: marker colours and shapes.
        ax: where to draw (default: a new figure).
        resolution: grid points per axis.
        title: the panel's title.

    Example:
        >>> X, y = torch.randn(20, 2), torch.arange(20) % 2
        >>> ax = plot_decision_boundary(lambda p: (p[:, 0] > 0).long(), X, y, title="x > 0")
    """
    if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(
            f"X must be a tensor of 2-D points, shape (N, 2); got {getattr(X, 'shape', type(X))}"
        )
    if not isinstance(y, torch.Tensor) or y.shape != (X.shape[0],):
        raise ValueError(
            f"y must be a tensor of {X.shape[0]} class ids, shape (N,); got {getattr(y, 'shape', y)}"
        )
    ax = ax if ax is not None else plt.subplots(figsize=(4.5, 4))[1]
    X = X.detach().cpu().float()
    low, high = X.min(0).values, X.max(0).values
    margin = 0.1 * (high - low) + 1e-3
    xs = torch.linspace(float(low[0] - margin[0]), float(high[0] + margin[0]), resolution)
    ys = torch.linspace(float(low[1] - margin[1]), float(high[1] + margin[1]), resolution)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
    was_training = isinstance(predict, torch.nn.Module) and predict.training
    if isinstance(predict, torch.nn.Module):
        predict.eval()
        points = points.to(next(predict.parameters(), torch.empty(0)).device)
    with torch.no_grad():
        out = predict(points)
    if was_training:
        predict.train()
    classes = out.argmax(dim=1) if out.dim() == 2 else out
    n_classes = int(max(classes.max().item(), y.max().item())) + 1
    cmap = class_colormap(n_classes)
    ax.contourf(
        xs,
        ys,
        classes.reshape(resolution, resolution).cpu(),
        levels=np.arange(n_classes + 1) - 0.5,
        colors=[cmap(k) for k in range(n_classes)],
        alpha=0.25,
    )
    for k in range(n_classes):  # a marker shape per class too: colour is never the only cue
        mine = y == k
        marker = "os^Dv<>p"[k % 8]
        ax.scatter(X[mine, 0], X[mine, 1], color=cmap(k), marker=marker, s=12, edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_paths_on_surface(
    ax: plt.Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    surface: np.ndarray,
    paths: dict[str, np.ndarray],
    minimum: Sequence[float] | None = None,
    log_levels: bool = True,
) -> plt.Axes:
    """Contour lines of a 2-D loss surface with optimisation paths drawn on top.

    Args:
        ax: where to draw.
        xs, ys: the grid's coordinates, shapes (W,) and (H,).
        surface: the loss on the grid, shape (H, W): one row per y, one column per x.
        paths: name → (K, 2) array of the points visited, start first (one colour each).
        minimum: where the minimum is, drawn as a gold star (optional).
        log_levels: log-spaced contour levels (good for losses spanning decades; needs a
            positive surface), else evenly spaced.

    Example:
        >>> xs = ys = np.linspace(-1, 1, 50); surface = xs[None, :] ** 2 + ys[:, None] ** 2 + 0.1
        >>> ax = plot_paths_on_surface(plt.gca(), xs, ys, surface, {"GD": np.array([[1, 1], [0, 0]])})
    """
    xs, ys, surface = np.asarray(xs), np.asarray(ys), np.asarray(surface)
    if surface.shape != (len(ys), len(xs)):
        raise ValueError(
            f"surface must have one row per y and one column per x, shape ({len(ys)}, {len(xs)}); got {surface.shape}"
        )
    if log_levels and surface.min() > 0:
        levels = np.geomspace(surface.min(), surface.max(), 20)
    else:
        levels = np.linspace(surface.min(), surface.max(), 20)
    ax.contour(xs, ys, surface, levels=levels, cmap="viridis", linewidths=0.8)
    for i, (name, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {name!r} must be a (K, 2) array of points, got shape {path.shape}")
        color = f"C{(i + 3) % 10}"
        ax.plot(path[:, 0], path[:, 1], "o-", color=color, ms=3, lw=1, label=name)
        ax.plot(*path[0], "s", color="k", ms=5, label="start" if i == 0 else None)
    if minimum is not None:
        ax.plot(*minimum, "*", color="gold", mec="k", ms=14, label="minimum")
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def draw_computation_graph(root: object, names: dict[object, str], ax: plt.Axes) -> plt.Axes:
    """Draw a scalar computation graph: one box per value (its name or operation, its value), its
    gradient in red below it, arrows in the direction of the forward pass.

    Works with any node that has `data`, `grad`, `op`, `children` and `topological_order()` (children
    first), such as notebook 05's `Value`. Each operation sits one column right of its latest input;
    an input (a leaf) sits just left of the operation that uses it.

    Args:
        root: the last node (the loss).
        names: labels for some nodes (e.g. {w: "w"}); the others show their operation.
        ax: where to draw (its axis lines are switched off).

    Example:
        >>> class Node:
        ...     def __init__(self, data, children=(), op=""):
        ...         self.data, self.grad, self.children, self.op = data, 0.0, children, op
        ...     def topological_order(self):
        ...         return [*self.children, self]
        >>> x = Node(2.0); y = Node(4.0, (x,), "square")
        >>> ax = draw_computation_graph(y, {x: "x"}, plt.gca())
    """
    order = root.topological_order()
    if not order or root is not order[-1]:
        raise ValueError("root.topological_order() must list the nodes children first, ending with root")
    column: dict[object, int] = {}
    for v in order:  # children come first in `order`: an operation sits right of its inputs
        column[v] = 1 + max((column[c] for c in v.children), default=-1)
    for v in order:  # an input (a leaf) goes just left of the operation that uses it
        for c in v.children:
            column[c] = column[v] - 1 if not c.children else column[c]
    rows: dict[int, list] = {}
    for v in order:
        rows.setdefault(column[v], []).append(v)
    xy = {v: (col, (len(vs) - 1) / 2 - i) for col, vs in rows.items() for i, v in enumerate(vs)}
    arrow = {"arrowstyle": "->", "color": "gray", "shrinkA": 24, "shrinkB": 24}
    for v in order:
        for c in set(v.children):
            ax.annotate("", xy[v], xy[c], arrowprops=arrow)
        box = {"boxstyle": "round", "fc": "w"}
        ax.text(*xy[v], f"{names.get(v, v.op)}\n{v.data:.3f}", ha="center", va="center", bbox=box)
        ax.text(
            xy[v][0], xy[v][1] - 0.42, f"grad {v.grad:.3f}", ha="center", va="top", color="C3", fontsize=9
        )
    ax.set(xlim=(-0.6, max(column.values()) + 0.6), ylim=(-1.3, 1.0))
    ax.axis("off")
    return ax
