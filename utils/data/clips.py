"""Videos of actions for notebook 21: a UCF101 subset, or generated moving-shape videos offline.

A video is a uint8 tensor (T, 3, H, W): T frames in time order. A *clip* is a few of its frames,
as float32 (3, t, H, W) in [0, 1], channels first and then time, the layout `nn.Conv3d` and
torchvision's video models expect.

Two sources, and one line that says which was used:

1. `ucf101-subset` (datasets/registry.json): 405 real YouTube videos of 10 UCF101 actions, already
   split into train / val / test folders (`UCF101_subset/{train,val,test}/<Action>/v_<Action>_gXX_cYY.avi`;
   the groups `gXX` of a split do not occur in another, so no scene leaks). The .avi files are
   decoded with OpenCV (`cv2`, preinstalled on Colab; torchvision no longer decodes video itself).
   Each video keeps `frames` frames evenly spaced over its whole length, resized (shorter side) and
   centre-cropped to `size` pixels. SMOKE mode reads the same source, at most `SMOKE_REAL_PER_CLASS`
   videos of each action and split.
2. Offline, or without OpenCV: generated videos of one shape (a square or a triangle) that moves
   in one of `ACTIONS`. The world wraps around (a shape leaving on the right comes back on the
   left), and start position, angle, size, colour and speed are drawn from the same ranges for
   every action, so every single frame has the same distribution whatever the action: only time
   tells the actions apart.

Example:
    >>> data = make_action_videos(2, frames=12, size=32, seed=0)
    >>> data.videos.shape, data.videos.dtype, data.labels[:8].tolist()
    (torch.Size([14, 12, 3, 32, 32]), torch.uint8, [0, 1, 2, 3, 4, 5, 6, 0])
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from utils.checks import check_count, check_flag, check_int, is_int
from utils.data.base import Splits, Unavailable, load_or_substitute
from utils.data.registry import fetch

ACTIONS = ("left", "right", "up", "down", "clockwise", "anticlockwise", "still")
UCF101 = "UCF101 subset"  # the name printed
UCF101_SPLITS = ("train", "val", "test")
VIDEO_SUFFIXES = (".avi", ".mp4")
SPEED = (1.5, 2.5)  # pixels per frame, in units of size / 32 (a 32-pixel frame: 1.5 to 2.5 px per frame)
SPIN = (12.0, 24.0)  # degrees per frame (a square looks the same after 90: below 45 the direction is clear)
RADIUS = (0.16, 0.26)  # shape radius as a fraction of the frame side
PALETTE = (
    (0.9, 0.2, 0.2),
    (0.2, 0.75, 0.3),
    (0.25, 0.45, 0.95),
    (0.95, 0.85, 0.2),
    (0.7, 0.3, 0.8),
    (0.95, 0.95, 0.95),
)
INSTALL_HINT = "pip install opencv-python-headless"
SMOKE_SIZES = 10  # SMOKE: at most this many real videos per action and split


@dataclass(frozen=True)
class VideoSet:
    """Labelled videos of equal length and size, and where they came from.

    Attributes:
        videos: (N, T, 3, H, W) uint8: N videos of T frames each, time first.
        labels: (N,) int64 action ids (index into `classes`).
        classes: the action names, label 0 first.
        name: what the videos are, short enough for a plot title.
    """

    videos: Tensor
    labels: Tensor
    classes: tuple[str, ...]
    name: str

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, kw_only=True)
class ActionVideos(Splits):
    """`train`, `val`, `test`: `VideoSet`s of the same actions (the test set is never used for
    training or model choice); `classes`: the action names (see `Splits`).

    Example:
        >>> ActionVideos(train=None, classes=ACTIONS).classes[-1]
        'still'
    """


# ---------------------------------------------------------------------------------------------
# Generated videos: one shape, one motion, a world that wraps around
# ---------------------------------------------------------------------------------------------


def _polygon(shape: str) -> Tensor:
    """Unit normals and offsets of the half-planes of a shape of circumradius 1: inside where n·p <= d."""
    sides = 4 if shape == "square" else 3
    angles = torch.arange(sides) * (2 * math.pi / sides) + (math.pi / 4 if sides == 4 else math.pi / 2)
    normals = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # (sides, 2)
    offset = math.cos(math.pi / sides)  # distance from the centre to each side
    return normals, offset


def render_shape_video(
    shape: str,
    centers: Tensor,
    angles: Tensor,
    radius: float,
    colour: tuple[float, float, float],
    size: int,
    background: float = 0.2,
) -> Tensor:
    """Draw one convex shape per frame on a plain background, in a world that wraps around.

    Args:
        shape: "square" or "triangle".
        centers: (T, 2) float (x, y) pixel positions of the shape in each frame (any real values:
            the frame wraps around, so x = -3 is drawn at size - 3).
        angles: (T,) float, the shape's angle in each frame, in radians (positive turns clockwise on
            screen, since rows grow downwards).
        radius: circumradius in pixels (less than size / 2).
        colour: RGB in [0, 1].
        size: side of the square frame in pixels.
        background: grey level of the background.

    Returns:
        (T, 3, size, size) float32 in [0, 1], edges anti-aliased over about one pixel.

    Example:
        >>> video = render_shape_video("square", torch.tensor([[16.0, 16.0]]), torch.zeros(1), 6, (1, 0, 0), 32)
        >>> video.shape, video[0, 0, 16, 16].item(), video[0, 0, 0, 0].item()
        (torch.Size([1, 3, 32, 32]), 1.0, 0.20000000298023224)
    """
    if shape not in ("square", "triangle"):
        raise ValueError(f"shape must be 'square' or 'triangle', got {shape!r}")
    if centers.ndim != 2 or centers.shape[1] != 2 or angles.shape != centers.shape[:1]:
        raise ValueError(
            f"expected centers (T, 2) and angles (T,), got {tuple(centers.shape)} and {tuple(angles.shape)}"
        )
    if not 0 < radius < size / 2:
        raise ValueError(f"radius must be between 0 and size / 2 = {size / 2}, got {radius}")
    pixel = torch.arange(size, dtype=torch.float32) + 0.5
    # wrapped offset of every pixel from the centre, in [-size/2, size/2): (T, size) for x and for y
    dx = torch.remainder(pixel[None, :] - centers[:, :1].float() + size / 2, size) - size / 2
    dy = torch.remainder(pixel[None, :] - centers[:, 1:].float() + size / 2, size) - size / 2
    cos, sin = torch.cos(angles.float())[:, None, None], torch.sin(angles.float())[:, None, None]
    # rotate the offsets back by the shape's angle: (T, H, W) in the shape's own frame
    u = cos * dx[:, None, :] + sin * dy[:, :, None]
    v = -sin * dx[:, None, :] + cos * dy[:, :, None]
    normals, offset = _polygon(shape)
    outside = torch.stack([n[0] * u + n[1] * v for n in normals]).amax(dim=0) - offset * radius
    alpha = (0.5 - outside).clamp(0, 1)  # 1 inside, 0 outside, a ramp of one pixel at the edge
    colour_t = torch.tensor(colour, dtype=torch.float32)[None, :, None, None]
    return (background * (1 - alpha[:, None]) + colour_t * alpha[:, None]).clamp(0, 1)


def make_video(action: str, frames: int, size: int, rng: np.random.Generator, noise: float = 0.08) -> Tensor:
    """One generated video of `action` (a name in `ACTIONS`), as uint8 (frames, 3, size, size).

    Position, angle, radius, colour, shape and speed are drawn from the same ranges for every
    action; only how position or angle changes from frame to frame depends on the action.

    Example:
        >>> make_video("left", 8, 32, np.random.default_rng(0)).shape
        torch.Size([8, 3, 32, 32])
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    frames, size = check_int(frames, "frames", 1), check_int(size, "size", 8)
    shape = ("square", "triangle")[int(rng.integers(2))]
    start = rng.uniform(0, size, 2)
    angle0 = rng.uniform(0, 2 * math.pi)
    speed = rng.uniform(*SPEED) * size / 32
    spin = math.radians(rng.uniform(*SPIN))
    step = {"left": (-speed, 0), "right": (speed, 0), "up": (0, -speed), "down": (0, speed)}
    t = torch.arange(frames, dtype=torch.float32)
    velocity = torch.tensor(step.get(action, (0.0, 0.0)), dtype=torch.float32)
    centers = torch.tensor(start, dtype=torch.float32) + t[:, None] * velocity
    turn = {"clockwise": spin, "anticlockwise": -spin}.get(action, 0.0)
    angles = angle0 + turn * t
    radius = rng.uniform(*RADIUS) * size
    colour = PALETTE[int(rng.integers(len(PALETTE)))]
    video = render_shape_video(
        shape, centers, angles, radius, colour, size, background=rng.uniform(0.1, 0.35)
    )
    noisy = video + noise * torch.from_numpy(rng.standard_normal(video.shape).astype(np.float32))
    return (noisy.clamp(0, 1) * 255).round().to(torch.uint8)


def make_action_videos(
    per_class: int, frames: int = 16, size: int = 32, seed: int = 0, noise: float = 0.08
) -> VideoSet:
    """`per_class` generated videos of each action in `ACTIONS`, the actions taking turns (0, 1, ..., 0, 1, ...).

    Example:
        >>> data = make_action_videos(1, frames=4, size=16, seed=1)
        >>> data.videos.shape, data.classes[:2]
        (torch.Size([7, 4, 3, 16, 16]), ('left', 'right'))
    """
    per_class = check_int(per_class, "per_class", 1)
    rng = np.random.default_rng(check_int(seed, "seed"))
    videos, labels = [], []
    for _ in range(per_class):
        for label, action in enumerate(ACTIONS):
            videos.append(make_video(action, frames, size, rng, noise))
            labels.append(label)
    return VideoSet(torch.stack(videos), torch.tensor(labels), ACTIONS, "generated moving shapes")


# ---------------------------------------------------------------------------------------------
# Frame sampling and clips
# ---------------------------------------------------------------------------------------------


def clip_indices(num_frames: int, clip_len: int, mode: str = "dense", start: int = 0) -> Tensor:
    """Indices of the frames of one clip of a video of `num_frames` frames.

    Args:
        mode: "dense": `clip_len` consecutive frames from `start`; "uniform": `clip_len` frames spread
            evenly over the whole video (the middle of `clip_len` equal segments; `start` unused).

    Example:
        >>> clip_indices(16, 4, "dense", start=3).tolist(), clip_indices(16, 4, "uniform").tolist()
        ([3, 4, 5, 6], [2, 6, 10, 14])
    """
    num_frames, clip_len = check_int(num_frames, "num_frames", 1), check_int(clip_len, "clip_len", 1)
    if clip_len > num_frames:
        raise ValueError(f"a clip of {clip_len} frames does not fit in a video of {num_frames} frames")
    if mode == "dense":
        if not is_int(start) or not 0 <= start <= num_frames - clip_len:
            raise ValueError(f"start must be an int from 0 to {num_frames - clip_len}, got {start!r}")
        return torch.arange(int(start), int(start) + clip_len)
    if mode == "uniform":
        return ((torch.arange(clip_len) + 0.5) * num_frames / clip_len).long()
    raise ValueError(f"mode must be 'dense' or 'uniform', got {mode!r}")


def to_clip(video: Tensor, indices: Tensor) -> Tensor:
    """The frames `indices` of a uint8 video (T, 3, H, W) as a float32 clip (3, t, H, W) in [0, 1].

    Example:
        >>> to_clip(torch.zeros(8, 3, 4, 4, dtype=torch.uint8), torch.arange(2)).shape
        torch.Size([3, 2, 4, 4])
    """
    if video.ndim != 4 or video.shape[1] != 3:
        raise ValueError(f"expected a video (T, 3, H, W), got shape {tuple(video.shape)}")
    return video[indices].permute(1, 0, 2, 3).float().div(255)


class ClipDataset(Dataset):
    """Clips cut from labelled videos: item i is (clip (3, clip_len, H, W) float32 in [0, 1], label).

    Training (`clips_per_video=None`): one dense clip per video, at a random start each time the
    item is read (a cheap augmentation). Evaluation (`clips_per_video=k`): k dense clips per video
    at fixed, evenly spaced starts, in order: item i is clip i % k of video i // k.

    Example:
        >>> data = make_action_videos(1, frames=8, size=16)
        >>> clips = ClipDataset(data, clip_len=4, clips_per_video=3)
        >>> len(clips), clips[0][0].shape, clips.video_ids[:4].tolist()
        (21, torch.Size([3, 4, 16, 16]), [0, 0, 0, 1])
    """

    def __init__(
        self, data: VideoSet, clip_len: int, clips_per_video: int | None = None, seed: int = 0
    ) -> None:
        self.data, self.clip_len = data, check_int(clip_len, "clip_len", 1)
        num_frames = data.videos.shape[1]
        if clip_len > num_frames:
            raise ValueError(f"a clip of {clip_len} frames does not fit in videos of {num_frames} frames")
        self.k = None if clips_per_video is None else check_int(clips_per_video, "clips_per_video", 1)
        self.generator = torch.Generator().manual_seed(seed)
        last = num_frames - clip_len
        self.starts = None if self.k is None else torch.linspace(0, last, self.k).round().long()
        per_video = 1 if self.k is None else self.k
        self.video_ids = torch.arange(len(data)).repeat_interleave(per_video)

    def __len__(self) -> int:
        return len(self.video_ids)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        video_id = int(self.video_ids[i])
        if self.k is None:
            last = self.data.videos.shape[1] - self.clip_len
            start = int(torch.randint(last + 1, (1,), generator=self.generator))
        else:
            start = int(self.starts[i % self.k])
        indices = clip_indices(self.data.videos.shape[1], self.clip_len, "dense", start)
        return to_clip(self.data.videos[video_id], indices), self.data.labels[video_id]


# ---------------------------------------------------------------------------------------------
# UCF101 subset (Colab): the archive's layout, and decoding with OpenCV
# ---------------------------------------------------------------------------------------------


def ucf101_files(root: str | os.PathLike) -> dict[str, list[tuple[Path, str]]]:
    """The videos of each split of an extracted UCF101 subset: split → [(path, action), ...], sorted.

    `root` is the folder holding `train/`, `val/` and `test/` (or the folder holding `UCF101_subset/`).

    Example:
        >>> files = ucf101_files(fetch("ucf101-subset"))  # doctest: +SKIP
        >>> len(files["train"]), files["train"][0][1]  # doctest: +SKIP
        (300, 'ApplyEyeMakeup')
    """
    root = Path(root)
    if not (root / "train").is_dir() and (root / "UCF101_subset").is_dir():
        root = root / "UCF101_subset"
    found = {}
    for split in UCF101_SPLITS:
        folder = root / split
        if not folder.is_dir():
            raise ValueError(
                f"{folder} is missing: expected the layout UCF101_subset/{{train,val,test}}/<Action>/*.avi"
            )
        found[split] = sorted(
            (path, path.parent.name)
            for path in folder.glob("*/*")
            if path.suffix.lower() in VIDEO_SUFFIXES and not path.parent.name.startswith(".")
        )
        if not found[split]:
            raise ValueError(f"{folder} holds no videos (expected <Action>/*.avi)")
    actions = [sorted({a for _, a in files}) for files in found.values()]
    if any(a != actions[0] for a in actions):
        raise ValueError(f"the splits have different actions: {dict(zip(UCF101_SPLITS, actions))}")
    return found


def read_video(path: str | os.PathLike, frames: int, size: int) -> Tensor:
    """Decode a video file with OpenCV and keep `frames` frames evenly spaced over its whole length.

    Each frame is resized (shorter side to `size`) and centre-cropped to a square.

    Returns:
        (frames, 3, size, size) uint8, RGB.

    Raises:
        ImportError: OpenCV is not installed (`pip install opencv-python-headless`).
        ValueError: the file cannot be decoded, or has no frames.

    Example:
        >>> read_video("UCF101_subset/train/Archery/v_Archery_g01_c01.avi", 16, 112).shape  # doctest: +SKIP
        torch.Size([16, 3, 112, 112])
    """
    import cv2  # on Colab it is preinstalled; elsewhere: pip install opencv-python-headless

    frames, size = check_int(frames, "frames", 1), check_int(size, "size", 8)
    capture = cv2.VideoCapture(str(path))
    decoded = []
    try:
        while True:
            ok, frame = capture.read()  # BGR, (H, W, 3) uint8
            if not ok:
                break
            decoded.append(frame)
    finally:
        capture.release()
    if not decoded:
        raise ValueError(f"{path}: no frame could be decoded")
    keep = clip_indices(len(decoded), min(frames, len(decoded)), "uniform")
    keep = torch.cat(
        [keep, keep[-1:].repeat(frames - len(keep))]
    )  # a very short video: repeat its last frame
    video = torch.from_numpy(np.stack([decoded[i][:, :, ::-1] for i in keep.tolist()]).copy())
    return _square(video.permute(0, 3, 1, 2), size)


def _square(video: Tensor, size: int) -> Tensor:
    """(T, 3, H, W) uint8 → shorter side resized to `size`, centre-cropped to (T, 3, size, size)."""
    height, width = video.shape[-2:]
    scale = size / min(height, width)
    new = (max(size, round(height * scale)), max(size, round(width * scale)))
    resized = F.interpolate(video.float(), size=new, mode="bilinear", antialias=True, align_corners=False)
    top, left = (new[0] - size) // 2, (new[1] - size) // 2
    return resized[..., top : top + size, left : left + size].round().clamp(0, 255).to(torch.uint8)


def _ucf101(frames: int, size: int, limit: int | None) -> tuple[dict[str, VideoSet], tuple[str, ...], str]:
    try:
        import cv2  # noqa: F401  (before downloading 171 MB: without OpenCV the videos cannot be decoded)
    except ImportError:
        raise Unavailable(
            f"not tried: decoding its .avi videos needs OpenCV, which is not installed; {INSTALL_HINT}"
        ) from None
    folder = fetch("ucf101-subset")
    files = ucf101_files(folder)
    classes = tuple(sorted({action for _, action in files["train"]}))
    sets = {}
    for split, entries in files.items():
        if limit is not None:  # a few videos of each action, for a quick run
            entries = [e for c in classes for e in [e for e in entries if e[1] == c][:limit]]
        videos = torch.stack([read_video(path, frames, size) for path, _ in entries])
        labels = torch.tensor([classes.index(action) for _, action in entries])
        sets[split] = VideoSet(videos, labels, classes, UCF101)
    counts = " / ".join(f"{len(sets[s])} {s}" for s in UCF101_SPLITS)
    return (
        sets,
        classes,
        f"{len(classes)} actions, {counts} videos ({frames} frames of {size}x{size}), verified in {folder}",
    )


def load_action_videos(
    smoke: bool = False,
    *,
    seed: int = 0,
    frames: int = 16,
    image_size: int = 32,
    per_class: tuple[int, int, int] = (40, 10, 20),
    real_per_class: int | None = None,
) -> ActionVideos:
    """Videos of actions for training, validation and test: the UCF101 subset, or generated ones.

    Without OpenCV the generated videos are used too (nothing is downloaded). SMOKE mode reads
    fewer real videos (decoding all of them takes minutes on a CPU).

    Args:
        smoke: True for SMOKE mode: at most `SMOKE_SIZES` real videos per action and split unless
            `real_per_class` says otherwise (the generated videos: `per_class`, as in full mode).
        seed: seed of the generated videos (train, val and test use seed, seed + 1, seed + 2).
        frames: frames kept per video (real videos: evenly spaced over the whole video).
        image_size: side of the square frames in pixels (e.g. 32 for the generated videos on a CPU,
            112 for r3d_18).
        per_class: generated videos per action in (train, val, test).
        real_per_class: at most this many real videos per action and split (None: all of them).

    Example:
        >>> data = load_action_videos(smoke=True, frames=8, image_size=32, per_class=(2, 1, 1))  # doctest: +SKIP
        OFFLINE: UCF101 subset could not be downloaded (no network: ...) → using generated moving shapes, 14 train / 7 val / 7 test videos (8 frames of 32x32) instead.
        >>> data.train.videos.shape  # doctest: +SKIP
        torch.Size([14, 8, 3, 32, 32])
    """
    check_flag(smoke)
    seed, frames, size = (
        check_int(seed, "seed"),
        check_int(frames, "frames", 1),
        check_int(image_size, "image_size", 1),
    )
    if not isinstance(per_class, tuple | list) or len(per_class) != 3:
        raise ValueError(f"per_class must be three counts (train, val, test), got {per_class!r}")
    per_class = tuple(check_int(n, "per_class", 1, what="videos per action") for n in per_class)
    real_per_class = check_count(real_per_class, "real_per_class", what="videos per action and split")
    if smoke and real_per_class is None:
        real_per_class = SMOKE_SIZES

    def real() -> tuple[dict, str]:
        sets, classes, details = _ucf101(frames, size, real_per_class)
        return dict(
            train=sets["train"], val=sets["val"], test=sets["test"], classes=classes, image_size=size
        ), details

    def substitute() -> tuple[dict, str]:
        train, val, test = (make_action_videos(n, frames, size, seed + i) for i, n in enumerate(per_class))
        counts = " / ".join(f"{len(s)} {split}" for s, split in zip((train, val, test), UCF101_SPLITS))
        what = f"generated moving shapes, {counts} videos ({frames} frames of {size}x{size})"
        fields = dict(train=train, val=val, test=test, classes=ACTIONS, image_size=size)
        return fields | dict(name="generated moving shapes"), what

    return load_or_substitute(ActionVideos, UCF101, real, substitute, install=INSTALL_HINT)
