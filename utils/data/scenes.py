"""Generated scenes with an exact answer for every pixel: the offline data of notebooks 11-13, 17, 20.

A scene is a textured, noisy background with a few coloured shapes (circle, square, triangle) standing
at different depths. Nearer shapes hide parts of farther ones, and shapes farther away are drawn
smaller and hazier, as in a photo. Because the scene is drawn, its truth is exact:

- `boxes` and `masks` of each *visible* object (what detection and instance segmentation predict),
- `semantic`: one class id per pixel (what semantic segmentation predicts),
- `depth`: the distance of every pixel (what depth estimation predicts),
- `objects`: shape, colour name, position and depth of each object (what a caption talks about).

Everything is seeded: the same seed gives the same scene on every machine.

Example:
    >>> scene = make_scene(64, seed=0)
    >>> scene.image.shape, scene.semantic.shape, len(scene.objects) == len(scene.boxes)
    (torch.Size([3, 64, 64]), torch.Size([64, 64]), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

CLASSES = ("background", "circle", "square", "triangle")  # class id = index; 0 is background
COLOURS = {  # name -> RGB in [0, 1]: the words a caption can use
    "red": (0.85, 0.15, 0.15),
    "green": (0.2, 0.7, 0.25),
    "blue": (0.2, 0.35, 0.9),
    "yellow": (0.95, 0.85, 0.2),
    "purple": (0.6, 0.25, 0.75),
    "white": (0.95, 0.95, 0.95),
}
NEAR, FAR = 1.0, 3.0  # depth range of objects; the background floor spans NEAR .. 2 * FAR


@dataclass(frozen=True)
class SceneObject:
    """One visible object of a scene: what it is and where, in words a caption can use.

    Attributes:
        shape: "circle", "square" or "triangle" (`CLASSES[label]`).
        colour: a key of `COLOURS`.
        center: (x, y) in pixels of the object's full (unoccluded) shape.
        size: its radius in pixels.
        depth: its distance from the camera, in [NEAR, FAR].
    """

    shape: str
    colour: str
    center: tuple[float, float]
    size: float
    depth: float


@dataclass(frozen=True)
class Scene:
    """A generated image with its exact targets (N visible objects, image of H × W pixels).

    Attributes:
        image: (3, H, W) float32 in [0, 1].
        boxes: (N, 4) float32, xyxy pixel boxes of the visible part of each object.
        labels: (N,) int64 class ids (1..len(CLASSES) - 1; 0 is background).
        masks: (N, H, W) bool, the visible pixels of each object.
        semantic: (H, W) int64, the class id of every pixel.
        depth: (H, W) float32, the distance of every pixel.
        objects: the N objects, nearest last (the drawing order).
    """

    image: torch.Tensor
    boxes: torch.Tensor
    labels: torch.Tensor
    masks: torch.Tensor
    semantic: torch.Tensor
    depth: torch.Tensor
    objects: tuple[SceneObject, ...]


def _smooth_noise(rng: np.random.Generator, size: int, cells: int, channels: int = 1) -> np.ndarray:
    """Smooth random texture of shape (channels, size, size) in [0, 1]: a coarse grid, upsampled."""
    coarse = torch.from_numpy(rng.random((1, channels, cells, cells), dtype=np.float32))
    fine = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return fine[0].clamp(0, 1).numpy()


def _shape_mask(shape: str, cx: float, cy: float, r: float, angle: float, yy, xx) -> np.ndarray:
    """Boolean mask of a full shape of radius `r` centred at (cx, cy), rotated by `angle` radians."""
    if shape == "circle":
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= r**2
    corners = 4 if shape == "square" else 3
    angles = angle + 2 * np.pi * np.arange(corners) / corners
    vx, vy = cx + r * np.cos(angles), cy + r * np.sin(angles)
    inside = np.ones_like(xx, dtype=bool)
    for i in range(corners):  # a convex polygon: inside every edge's half-plane
        x0, y0, x1, y1 = vx[i], vy[i], vx[(i + 1) % corners], vy[(i + 1) % corners]
        inside &= (x1 - x0) * (yy - y0) - (y1 - y0) * (xx - x0) >= 0
    return inside


def make_scene(
    size: int = 128,
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    num_objects: tuple[int, int] = (1, 4),
    noise: float = 0.04,
    min_visible: float = 0.3,
) -> Scene:
    """Draw one scene of `size` × `size` pixels with `num_objects` (inclusive range) shapes.

    An object that ends up with less than `min_visible` of its area visible (hidden behind nearer
    ones) is dropped from the targets and painted over, so every target can be seen.

    Args:
        size: image side in pixels (≥ 16).
        seed / rng: pass one of them for a reproducible scene (`rng` when drawing many).
        num_objects: (min, max) number of shapes to try to place.
        noise: standard deviation of the pixel noise added last.
        min_visible: smallest visible fraction of an object kept as a target.

    Example:
        >>> s = make_scene(32, seed=1, num_objects=(2, 2))
        >>> s.masks.shape[1:], s.boxes.dtype
        (torch.Size([32, 32]), torch.float32)
    """
    if size < 16:
        raise ValueError(f"size must be at least 16 pixels, got {size}")
    low, high = num_objects
    if not 0 <= low <= high:
        raise ValueError(f"num_objects must be (min, max) with 0 <= min <= max, got {num_objects}")
    rng = rng if rng is not None else np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5

    # Background: a floor that recedes towards the top (depth grows upwards), textured and tinted.
    floor_depth = NEAR + (2 * FAR - NEAR) * (1 - yy / size) ** 1.5
    tint = rng.uniform(0.25, 0.6, size=(3, 1, 1)).astype(np.float32)
    texture = _smooth_noise(rng, size, cells=int(rng.integers(4, 10)))
    image = tint * (0.7 + 0.6 * texture) * (0.6 + 0.4 * yy / size)
    depth = floor_depth.copy()
    semantic = np.zeros((size, size), dtype=np.int64)
    owner = -np.ones((size, size), dtype=np.int64)  # which object each pixel shows (-1: floor)

    drawn: list[tuple[SceneObject, np.ndarray, int]] = []
    count = int(rng.integers(low, high + 1))
    depths = np.sort(rng.uniform(NEAR, FAR, size=count))[::-1]  # far to near: painter's order
    for z in depths:
        label = int(rng.integers(1, len(CLASSES)))
        colour = str(rng.choice(list(COLOURS)))
        r = float(rng.uniform(0.14, 0.24) * size / z * NEAR * 1.6)
        cx, cy = (float(c) for c in rng.uniform(r * 0.6, size - r * 0.6, size=2))
        full = _shape_mask(CLASSES[label], cx, cy, r, float(rng.uniform(0, 2 * np.pi)), yy, xx)
        if not full.any():
            continue
        haze = (z - NEAR) / (FAR - NEAR) * 0.35  # farther objects fade towards the floor colour
        shade = 0.8 + 0.2 * _smooth_noise(rng, size, cells=3)
        rgb = np.asarray(COLOURS[colour], dtype=np.float32)[:, None, None] * shade
        image = np.where(full, (1 - haze) * rgb + haze * tint, image)
        depth = np.where(full, np.float32(z), depth)
        semantic[full] = label
        owner[full] = len(drawn)
        drawn.append((SceneObject(CLASSES[label], colour, (cx, cy), r, float(z)), full, label))

    image = np.clip(image + rng.normal(0, noise, size=image.shape), 0, 1).astype(np.float32)
    kept_objects, masks, labels = [], [], []
    for index, (obj, full, label) in enumerate(drawn):
        visible = owner == index
        if visible.sum() >= min_visible * full.sum() and visible.sum() >= 4:
            kept_objects.append(obj)
            masks.append(visible)
            labels.append(label)
        else:  # mostly hidden: not a fair target, so it is not one, and its pixels become floor
            semantic[visible] = 0
    mask_array = np.stack(masks) if masks else np.zeros((0, size, size), dtype=bool)
    return Scene(
        image=torch.from_numpy(image),
        boxes=masks_to_boxes(torch.from_numpy(mask_array)),
        labels=torch.tensor(labels, dtype=torch.int64),
        masks=torch.from_numpy(mask_array),
        semantic=torch.from_numpy(semantic),
        depth=torch.from_numpy(depth.astype(np.float32)),
        objects=tuple(kept_objects),
    )


def masks_to_boxes(masks: torch.Tensor) -> torch.Tensor:
    """Tight xyxy boxes (N, 4) around boolean masks (N, H, W), covering whole pixels.

    A pixel (column x, row y) spans [x, x + 1) × [y, y + 1), so a one-pixel mask at (3, 5) gets
    the box (3, 5, 4, 6), as in torchvision's detection datasets.

    Example:
        >>> m = torch.zeros(1, 8, 8, dtype=torch.bool); m[0, 5, 3] = True
        >>> masks_to_boxes(m).tolist()
        [[3.0, 5.0, 4.0, 6.0]]
    """
    if masks.ndim != 3:
        raise ValueError(f"masks must be (N, H, W), got shape {tuple(masks.shape)}")
    boxes = torch.zeros((masks.shape[0], 4), dtype=torch.float32)
    for i, mask in enumerate(masks.bool()):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        if len(xs) == 0:
            raise ValueError(f"mask {i} is empty: an empty mask has no box")
        boxes[i] = torch.stack([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]).float()
    return boxes


class SceneDataset(Dataset):
    """`n` seeded scenes as a torch Dataset, in the target format the task needs.

    `task` picks what an item is:
        - "detection" / "instance": (image, target) with target a dict in torchvision's detection
          format: `boxes` (N, 4) xyxy float32, `labels` (N,) int64, `masks` (N, H, W) uint8,
          `image_id` int, `area` (N,) float32, `iscrowd` (N,) int64. Batch with `detection_collate`.
        - "semantic": (image, class map (H, W) int64).
        - "depth": (image, depth (1, H, W) float32).
    Scene `i` is always the same scene (its seed is `seed * 1_000_003 + i`), so a train set and
    a test set built with different seeds never share a scene.

    Example:
        >>> data = SceneDataset(4, size=32, seed=0, task="semantic")
        >>> image, classes = data[0]
        >>> image.shape, classes.shape
        (torch.Size([3, 32, 32]), torch.Size([32, 32]))
    """

    TASKS = ("detection", "instance", "semantic", "depth")

    def __init__(self, n: int, size: int = 128, *, seed: int = 0, task: str = "detection", **scene_kwargs):
        if task not in self.TASKS:
            raise ValueError(f"task must be one of {self.TASKS}, got {task!r}")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self.n, self.size, self.seed, self.task, self.scene_kwargs = n, size, seed, task, scene_kwargs

    def __len__(self) -> int:
        return self.n

    def scene(self, index: int) -> Scene:
        """The full `Scene` behind item `index` (objects, depth, everything)."""
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} scenes")
        return make_scene(self.size, seed=self.seed * 1_000_003 + index, **self.scene_kwargs)

    def __getitem__(self, index: int):
        scene = self.scene(index)
        if self.task == "semantic":
            return scene.image, scene.semantic
        if self.task == "depth":
            return scene.image, scene.depth[None]
        return scene.image, scene_target(scene, index)


def scene_target(scene: Scene, image_id: int = 0) -> dict[str, torch.Tensor]:
    """A scene's objects as a torchvision detection target dict (see `SceneDataset`)."""
    return {
        "boxes": scene.boxes,
        "labels": scene.labels,
        "masks": scene.masks.to(torch.uint8),
        "image_id": image_id,
        "area": scene.masks.flatten(1).sum(1).float(),
        "iscrowd": torch.zeros(len(scene.labels), dtype=torch.int64),
    }


def detection_collate(batch: list) -> tuple[list, list]:
    """Batch (image, target) pairs as two lists, the way torchvision detection models take them
    (images may differ in size and targets in object count, so they cannot be stacked).

    Example:
        >>> images, targets = detection_collate(list(SceneDataset(2, size=32)))
        >>> len(images), sorted(targets[0])[:2]
        (2, ['area', 'boxes'])
    """
    images, targets = zip(*batch)
    return list(images), list(targets)
