"""Depth data for notebook 20: NYU Depth v2 (labeled), or generated scenes offline.

`load_depth_data` says in one line which one it used:

1. The labeled subset of **NYU Depth v2** (Silberman et al., ECCV 2012): 1,449 indoor
   Kinect frames (640x480) with dense depth in metres (the holes of the sensor filled in by the
   authors), downloaded through the registry as the authors publish it, `nyu_depth_v2_labeled.mat`
   (2.8 GB), with the official train/test split `splits.mat` (795 / 654 frames). The .mat file is a
   MATLAB v7.3 file, i.e. HDF5 behind a 512-byte MATLAB header: reading it needs `h5py` (preinstalled
   on Colab; elsewhere `pip install h5py`). MATLAB stores arrays column-major, so h5py sees `images`
   as (1449, 3, 640, 480) uint8 and `depths` as (1449, 640, 480) float32: each frame is transposed
   back to (480, 640). Only the frames asked for are read: all of the official split in full mode,
   64 train / 16 test frames drawn from it in SMOKE mode (the same source, a small subset).
2. Offline, or without h5py (checked before downloading): generated scenes (`utils.data.scenes`) with exact depth, where nearer objects are drawn larger and
   less hazy and the floor recedes upwards: the monocular cues a network can learn.

Every frame becomes a square: the border where the Kinect's depth is not measured is cut away (the
crop of Eigen et al., rows 45-470 and columns 41-600), its centre square is kept and resized to the
asked size.

Example:
    >>> data = load_depth_data(smoke=True, image_size=64)  # doctest: +SKIP
    DATA: NYU Depth v2 (labeled), 64 train / 16 test frames (64x64, drawn from the official split), ...
    >>> images, depths = data.train.tensors; images.shape, depths.shape  # doctest: +SKIP
    (torch.Size([64, 3, 64, 64]), torch.Size([64, 1, 64, 64]))
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import TensorDataset

from utils.checks import check_count, check_flag, check_int
from utils.data.base import Splits, Unavailable, load_or_substitute
from utils.data.registry import fetch
from utils.data.scenes import FAR, SceneDataset

NYU = "NYU Depth v2 (labeled)"  # the name printed
NYU_LABELED, NYU_SPLITS = "nyu-depth-v2-labeled", "nyu-depth-v2-splits"  # registry names
FRAME = (480, 640)  # (H, W) of a Kinect frame
EIGEN_CROP = (slice(44, 471), slice(40, 601))  # rows 45..471, columns 41..601 (1-based): measured depth
NYU_MAX_DEPTH = 10.0  # metres: the Kinect's range, the usual cap for display and evaluation
SCENES_MAX_DEPTH = 2.0 * FAR  # the farthest floor of a generated scene
SMOKE_SIZES = (64, 16)  # SMOKE: NYU (train, test) frames drawn from the official split
OFFLINE_SMOKE_COUNTS = (256, 64)  # generated (train, test) scenes in SMOKE mode without NYU
OFFLINE_COUNTS = (2_000, 200)  # generated (train, test) scenes in full mode without NYU
IMAGE_SIZES = (16, 480)
H5PY_HINT = "pip install h5py"


@dataclass(frozen=True, kw_only=True)
class DepthData(Splits):
    """`train`, `test`: `TensorDataset(images, depths)`: images (N, 3, S, S) float32 in [0, 1],
    depths (N, 1, S, S) float32 in metres (NYU) or scene units (generated); `max_depth`: the
    farthest depth there can be, a colour-scale limit for plots (see `Splits` for the rest).

    Example:
        >>> data = load_depth_data(smoke=True, image_size=32)  # doctest: +SKIP
        >>> data.name, data.max_depth  # doctest: +SKIP
        ('generated scenes', 6.0)
    """

    max_depth: float = NYU_MAX_DEPTH


def square_frame(frame: Tensor, image_size: int) -> Tensor:
    """A Kinect frame (C, 480, 640) → (C, S, S): the Eigen crop, its centre square, resized (area-weighted).

    Example:
        >>> square_frame(torch.rand(3, 480, 640), 64).shape
        torch.Size([3, 64, 64])
    """
    if frame.dim() != 3 or tuple(frame.shape[1:]) != FRAME:
        raise ValueError(f"expected a frame (C, 480, 640), got shape {tuple(frame.shape)}")
    crop = frame[:, EIGEN_CROP[0], EIGEN_CROP[1]]  # (C, 427, 561)
    side = crop.shape[1]
    left = (crop.shape[2] - side) // 2
    square = crop[:, :, left : left + side].float()
    return F.interpolate(square[None], size=(image_size, image_size), mode="area")[0]


def read_nyu_splits(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The official split of the labeled frames from `splits.mat`: (train, test) 0-based indices.

    The file (MATLAB v5, read with scipy) holds `trainNdxs` and `testNdxs`, 1-based column vectors.

    Example:
        >>> train, test = read_nyu_splits("splits.mat")  # doctest: +SKIP
        >>> len(train), len(test)  # doctest: +SKIP
        (795, 654)
    """
    from scipy.io import loadmat

    content = loadmat(str(path))
    missing = [key for key in ("trainNdxs", "testNdxs") if key not in content]
    if missing:
        raise ValueError(f"{path} is not NYU's splits.mat: no {missing}")
    train, test = (np.asarray(content[key], dtype=np.int64).ravel() - 1 for key in ("trainNdxs", "testNdxs"))
    return train, test


def read_nyu_labeled(path: str | Path, indices: np.ndarray, image_size: int) -> tuple[Tensor, Tensor]:
    """Frames `indices` (0-based) of `nyu_depth_v2_labeled.mat`: images (N, 3, S, S) float32 in [0, 1]
    and depths (N, 1, S, S) float32 in metres, each cut and resized by `square_frame`.

    Example:
        >>> images, depths = read_nyu_labeled("nyu_depth_v2_labeled.mat", np.arange(4), 64)  # doctest: +SKIP
        >>> images.shape, depths.shape  # doctest: +SKIP
        (torch.Size([4, 3, 64, 64]), torch.Size([4, 1, 64, 64]))
    """
    import h5py  # MATLAB v7.3 is HDF5

    images, depths = [], []
    with h5py.File(str(path), "r") as mat:
        missing = [key for key in ("images", "depths") if key not in mat]
        if missing:
            raise ValueError(f"{path} is not NYU's labeled .mat file: no {missing}")
        for index in indices:
            image = torch.from_numpy(np.asarray(mat["images"][int(index)])).permute(0, 2, 1)  # (3, 480, 640)
            depth = torch.from_numpy(np.asarray(mat["depths"][int(index)], dtype=np.float32)).T[None]
            images.append(square_frame(image, image_size) / 255)
            depths.append(square_frame(depth, image_size))
    return torch.stack(images).clamp(0, 1), torch.stack(depths)


def generated_depth_scenes(
    n_train: int, n_test: int, image_size: int, seed: int = 0
) -> tuple[TensorDataset, TensorDataset]:
    """Generated scenes with exact depth (`SceneDataset(task="depth")`) as (train, test) TensorDatasets.

    The test scenes come from another seed than the training scenes, so no scene is in both.

    Example:
        >>> train, test = generated_depth_scenes(4, 2, 32)
        >>> train.tensors[0].shape, test.tensors[1].shape
        (torch.Size([4, 3, 32, 32]), torch.Size([2, 1, 32, 32]))
    """
    splits = []
    for n, split_seed in ((n_train, 2 * seed), (n_test, 2 * seed + 1)):
        scenes = SceneDataset(n, image_size, seed=split_seed, task="depth")
        images, depths = zip(*(scenes[i] for i in range(n)))
        splits.append(TensorDataset(torch.stack(images), torch.stack(depths)))
    return splits[0], splits[1]


def _nyu(image_size: int, counts: tuple[int | None, int | None], rng: np.random.Generator):
    """Download (or find in the cache) both files, read the frames asked for; raise FALLBACK_ERRORS."""
    splits_path = fetch(NYU_SPLITS)
    mat_path = fetch(NYU_LABELED)
    chosen = []
    for split, wanted, name in zip(read_nyu_splits(splits_path), counts, ("train", "test")):
        if wanted is not None and wanted > len(split):
            raise ValueError(f"{NYU} {name}: asked for {wanted} frames, but the split has only {len(split)}")
        chosen.append(split if wanted is None else np.sort(rng.choice(split, size=wanted, replace=False)))
    train, test = (TensorDataset(*read_nyu_labeled(mat_path, ids, image_size)) for ids in chosen)
    how = "the official split" if counts == (None, None) else "drawn from the official split"
    details = (
        f"{len(chosen[0]):,} train / {len(chosen[1]):,} test frames ({image_size}x{image_size}, {how}), "
        f"verified in {Path(mat_path).parent}"
    )
    return train, test, details


def load_depth_data(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 64,
    n_train: int | None = None,
    n_test: int | None = None,
) -> DepthData:
    """Images with depth maps: NYU Depth v2 (labeled), or generated scenes offline.

    Args:
        smoke: True: `SMOKE_SIZES` (64 train / 16 test) NYU frames drawn from the official split
            (offline: 256 / 64 generated scenes), unless asked otherwise. False: NYU's official
            split (795 / 654 frames), or offline 2,000 / 200 generated scenes.
        seed: seed of the scenes, or of the NYU frames drawn (>= 0).
        image_size: side S of the square images, 16 to 480 pixels.
        n_train, n_test: how many training / test images instead of the defaults (NYU: frames drawn
            at random from the official split).

    Returns:
        A `DepthData` (train and test TensorDatasets, size, name, source line, largest depth).

    Raises:
        ValueError: a bad argument, or more NYU frames asked for than a split has.

    Example:
        >>> data = load_depth_data(smoke=False, image_size=128)  # doctest: +SKIP
        DATA: NYU Depth v2 (labeled), 795 train / 654 test frames (128x128, the official split), verified in ...
    """
    check_flag(smoke)
    seed, image_size = check_int(seed, "seed"), check_int(image_size, "image_size", *IMAGE_SIZES, "pixels")
    counts = tuple(check_count(n, name) for n, name in ((n_train, "n_train"), (n_test, "n_test")))

    def real() -> tuple[dict, str]:
        if importlib.util.find_spec("h5py") is None:  # checked first: no 2.8 GB download that cannot be read
            raise Unavailable(f"its MATLAB v7.3 format needs h5py, which is not installed: {H5PY_HINT}")
        nyu_counts = tuple(n or d for n, d in zip(counts, SMOKE_SIZES)) if smoke else counts
        train, test, details = _nyu(image_size, nyu_counts, np.random.default_rng(seed))
        return dict(train=train, test=test, image_size=image_size, name="NYU Depth v2"), details

    def substitute() -> tuple[dict, str]:
        n_tr, n_te = (n or d for n, d in zip(counts, OFFLINE_SMOKE_COUNTS if smoke else OFFLINE_COUNTS))
        train, test = generated_depth_scenes(n_tr, n_te, image_size, seed)
        what = f"{n_tr:,} train / {n_te:,} test generated scenes ({image_size}x{image_size}, exact depth)"
        fields = dict(train=train, test=test, image_size=image_size, name="generated scenes")
        return fields | dict(max_depth=SCENES_MAX_DEPTH), what

    return load_or_substitute(DepthData, NYU, real, substitute)
