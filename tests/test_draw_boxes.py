"""Tests for utils.draw.draw_boxes: boxes, names and scores drawn on an image."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from utils.draw import draw_boxes  # noqa: E402


def test_draw_boxes_draws_one_rectangle_and_label_per_box():
    fig, ax = plt.subplots()
    boxes = torch.tensor([[2.0, 3.0, 20.0, 25.0], [5.0, 5.0, 9.0, 9.0]])
    draw_boxes(ax, torch.rand(3, 32, 32), boxes, labels=[1, 2], scores=torch.tensor([0.9, 0.25]),
               class_names=["background", "circle", "square"], title="detections")  # fmt: skip
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.texts] == ["circle 0.90", "square 0.25"]
    x, y = ax.patches[0].get_xy()
    assert (x, y, ax.patches[0].get_width(), ax.patches[0].get_height()) == (2.0, 3.0, 18.0, 22.0)
    assert ax.get_title() == "detections"
    plt.close(fig)


def test_draw_boxes_without_image_labels_or_boxes():
    fig, ax = plt.subplots()
    draw_boxes(ax, None, torch.zeros(0, 4))
    assert len(ax.patches) == 0 and len(ax.texts) == 0
    draw_boxes(ax, None, [[0, 0, 4, 4]], color="red", linestyle="--")
    assert len(ax.patches) == 1 and len(ax.texts) == 0
    plt.close(fig)


@pytest.mark.parametrize(
    ("boxes", "labels", "message"),
    [(torch.zeros(2, 5), None, r"\(N, 4\)"), (torch.zeros(2, 4), [1], "2 boxes but 1 labels")],
)
def test_draw_boxes_rejects_bad_input(boxes, labels, message):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        draw_boxes(ax, None, boxes, labels=labels)
    plt.close(fig)
