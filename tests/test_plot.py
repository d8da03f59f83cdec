"""Tests for utils.plot: grids, curves and the slider-or-static fallback."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils.plot import (
    draw_computation_graph,
    plot_decision_boundary,
    plot_history,
    plot_paths_on_surface,
    show_images,
    slider_or_static,
)


def test_show_images_from_a_batch_and_from_a_list():
    fig = show_images(torch.rand(5, 3, 8, 8), titles=list("abcde"), ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5 and len(fig.axes) == 6
    assert shown[0].get_title() == "a" and shown[0].images[0].get_array().shape == (8, 8, 3)
    fig = show_images([np.zeros((4, 4)), torch.zeros(1, 4, 4)])
    assert [ax.images[0].get_cmap().name for ax in fig.axes] == ["gray", "gray"]
    plt.close("all")


def test_show_images_handles_lists_of_chw_tensors_paths_numpy_ints_and_odd_ranges(tmp_path, capsys):
    fig = show_images([torch.rand(3, 6, 6), torch.rand(1, 6, 6)], ncols=np.int64(2))
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(6, 6, 3), (6, 6)]
    plt.imsave(tmp_path / "photo.png", np.random.rand(5, 7, 3))
    fig = show_images(str(tmp_path / "photo.png"))
    assert fig.axes[0].images[0].get_array().shape[:2] == (5, 7)
    normalised = torch.randn(2, 3, 4, 4) * 2  # e.g. ImageNet-normalised: values outside [0, 1]
    fig = show_images(normalised)
    shown = fig.axes[0].images[0].get_array()
    assert shown.min() >= 0 and shown.max() <= 1
    assert "rescaled to [0, 1] for display" in capsys.readouterr().out
    plt.close("all")


def test_show_images_rejects_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image file"):
        show_images(tmp_path / "missing.png")
    with pytest.raises(TypeError, match="expected images"):
        show_images(42)
    with pytest.raises(ValueError, match="ncols must be a positive int"):
        show_images(torch.rand(2, 4, 4), ncols=0)
    with pytest.raises(ValueError, match="expected a batch"):
        show_images(torch.rand(3, 3))
    with pytest.raises(ValueError, match="no images"):
        show_images([])
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        show_images(torch.rand(3, 8, 8), titles=["a", "b"])
    with pytest.raises(ValueError, match="expected an image of shape"):
        show_images([np.zeros((2, 2, 2, 2))])


def test_plot_history_groups_train_and_val():
    fig = plot_history({"train_loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2], "val_accuracy": [0.1, 0.5, 0.7]})
    assert [ax.get_title() for ax in fig.axes] == ["accuracy", "loss"]
    loss_ax = fig.axes[1]
    assert [line.get_label() for line in loss_ax.lines] == ["train", "val"]
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    with pytest.raises(ValueError, match="empty"):
        plot_history({})
    plt.close("all")


def test_slider_or_static_draws_the_default_when_headless(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    drawn = []
    slider_or_static(drawn.append, [0.1, 0.5, 1.0], default=0.5, description="lr")
    assert drawn == [0.5]
    assert "static plot for lr = 0.5" in capsys.readouterr().out
    with pytest.raises(ValueError, match="must be one of the slider values"):
        slider_or_static(drawn.append, [0.1, 0.5], default=0.3)


def test_slider_or_static_makes_a_slider_when_interactive(monkeypatch):
    monkeypatch.setenv("COURSE_HEADLESS", "0")  # as JupyterLab would be detected
    drawn = []
    slider_or_static(drawn.append, [0.1, 0.5, 1.0], default=1.0)
    assert drawn == [1.0]  # ipywidgets.interact draws once with the initial value
    plt.close("all")


def test_plot_decision_boundary_colours_the_plane_by_predicted_class():
    X = torch.tensor([[-1.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [1.0, 1.0]])
    y = torch.tensor([0, 1, 0, 1])
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))  # class 1 where x1 > 0
        model.bias.zero_()
    model.train()
    ax = plot_decision_boundary(model, X, y, resolution=21, title="linear")
    assert model.training, "the model's mode is restored after plotting"
    filled = ax.collections[0]
    assert ax.get_title() == "linear" and ax.get_xlabel() == "$x_1$"
    assert len(filled.get_paths()) >= 2  # two coloured regions
    ax = plot_decision_boundary(lambda p: (p[:, 0] > 0).long(), X, y, resolution=21)
    assert len(ax.collections) == 3  # regions + the points of each class
    markers = {c.get_paths()[0].vertices.shape for c in ax.collections[1:]}
    assert len(markers) == 2, "each class has its own marker shape, not only its own colour"
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plot_decision_boundary(model, torch.zeros(4, 3), y)
    with pytest.raises(ValueError, match="4 class ids"):
        plot_decision_boundary(model, X, torch.zeros(3))
    plt.close("all")


def test_plot_paths_on_surface_draws_each_path_and_the_minimum():
    xs, ys = np.linspace(-2, 2, 30), np.linspace(-1, 1, 20)
    surface = xs[None, :] ** 2 + 10 * ys[:, None] ** 2 + 0.01
    paths = {"SGD": np.array([[1.5, 0.8], [0.5, -0.5], [0.0, 0.0]]), "Adam": np.array([[-1.5, 0.5], [0, 0]])}
    fig, ax = plt.subplots()
    plot_paths_on_surface(ax, xs, ys, surface, paths, minimum=(0, 0))
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["SGD", "start", "Adam", "minimum"]
    assert ax.get_xlim() == (-2, 2)
    with pytest.raises(ValueError, match="one row per y"):
        plot_paths_on_surface(ax, xs, ys, surface.T, paths)
    with pytest.raises(ValueError, match=r"\(K, 2\) array"):
        plot_paths_on_surface(ax, xs, ys, surface, {"bad": np.zeros(3)})
    plt.close("all")


def test_show_images_cells_follow_the_images_aspect_ratio():
    square = show_images(torch.rand(4, 1, 32, 32), ncols=4, size=2.0)
    lines = show_images(torch.rand(4, 1, 32, 256), titles=list("abcd"), ncols=1, size=4.0)
    assert tuple(square.get_size_inches()) == pytest.approx((8.0, 2.0))
    width, height = lines.get_size_inches()
    assert width == pytest.approx(4.0) and height < 4 * 4.0 / 2  # not four 4-inch squares
    plt.close("all")


def test_plot_history_wraps_many_panels_onto_rows_of_three():
    history = {f"train_loss_{i}": [1.0, 0.5] for i in range(5)}
    fig = plot_history(history)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 5 and len(fig.axes) == 6
    assert tuple(fig.get_size_inches()) == pytest.approx((13.5, 6.4))
    plt.close("all")


def test_show_images_note_survives_an_ascii_only_console(monkeypatch):
    """issue 17: in a script whose stdout is ASCII, the rescale note printed a raw "→" and crashed."""
    import io
    import sys

    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    show_images([np.full((4, 4), 3.0)])  # out of [0, 1]: the note is printed
    ascii_out.flush()
    printed = ascii_out.buffer.getvalue().decode("ascii")
    assert "not [0, 1] -> rescaled to [0, 1] for display" in printed


def test_use_course_palette_sets_the_colour_blind_safe_cycle():
    from utils.plot import COLORBLIND_SAFE, class_colormap, use_course_palette

    saved = plt.rcParams["axes.prop_cycle"]
    try:
        use_course_palette()
        assert plt.rcParams["axes.prop_cycle"].by_key()["color"] == list(COLORBLIND_SAFE)
        with pytest.raises(ValueError, match="at least 2"):
            use_course_palette(["red"])
    finally:
        plt.rcParams["axes.prop_cycle"] = saved
    assert class_colormap(3).colors == list(COLORBLIND_SAFE[:3])
    assert class_colormap(12).N == 12  # more classes than the palette: a viridis ramp
    with pytest.raises(ValueError, match="positive int"):
        class_colormap(0)


class _Node:
    """A scalar node with what draw_computation_graph reads (notebook 05's Value has the same)."""

    def __init__(self, data, children=(), op=""):
        self.data, self.grad, self.children, self.op = data, 0.0, children, op

    def topological_order(self):
        order = []
        for child in self.children:
            order += [n for n in child.topological_order() if n not in order]
        return [*order, self]


def test_draw_computation_graph_puts_each_operation_right_of_its_inputs():
    x, w = _Node(2.0), _Node(-0.5)
    product = _Node(-1.0, (w, x), "×")
    loss = _Node(1.0, (product, product), "×")
    loss.grad, product.grad = 1.0, -2.0
    ax = draw_computation_graph(loss, {x: "x", w: "w", loss: "L"}, plt.figure().gca())
    boxes = {t.get_text().split("\n")[0]: t.get_position() for t in ax.texts if "\n" in t.get_text()}
    assert set(boxes) == {"x", "w", "×", "L"}
    assert boxes["x"][0] == boxes["w"][0] < boxes["×"][0] < boxes["L"][0]
    grads = sorted(t.get_text() for t in ax.texts if t.get_text().startswith("grad"))
    assert grads == ["grad -2.000", "grad 0.000", "grad 0.000", "grad 1.000"]
    assert (
        len([a for a in ax.texts if getattr(a, "arrow_patch", None)]) == 3
    )  # x→×, w→×, ×→L (used twice: one arrow)
    plt.close("all")


def test_draw_computation_graph_rejects_an_order_that_does_not_end_with_the_root():
    node = _Node(1.0)
    node.topological_order = lambda: []
    with pytest.raises(ValueError, match="children first"):
        draw_computation_graph(node, {}, plt.figure().gca())
    plt.close("all")
