"""NYU Depth v2 (labeled) for the test mirror: `nyu_depth_v2_labeled.mat` and `splits.mat` in the real formats.

- `nyu_depth_v2_labeled.mat` is a MATLAB v7.3 file, i.e. HDF5 behind MATLAB's 512-byte user block (its
  first 128 bytes: the text header MATLAB writes). MATLAB stores arrays column-major, so h5py sees
  `images` as (N, 3, 640, 480) uint8 and `depths` as (N, 640, 480) float32 metres, chunked one frame at
  a time and deflate-compressed as MATLAB writes them; `labels` (N, 640, 480) uint16 sits beside them.
- `splits.mat` is a MATLAB v5 file with 1-based column vectors `trainNdxs` and `testNdxs`.

The miniature holds 104 frames, 80 in the train split and 24 in the test split (interleaved, as in the
real file); notebook 20 draws 64 / 16 in SMOKE mode.

TEST-ONLY content: no Kinect frames ship offline, so each frame is a generated scene with exact depth
(`utils.data.scenes`, depths scaled to 1.6-9.6 m, NYU's range), drawn at 96 pixels and enlarged to the
centre 480x480 of the 640x480 frame (the sides repeat the scene's border columns). A depth network learns
from it as from NYU: nearer objects are larger and less hazy, the floor recedes upwards.

Example:
    >>> mat = FILES["nyu-depth-v2-labeled"]()  # doctest: +SKIP
    >>> mat[:10], mat[512:516]  # doctest: +SKIP
    (b'MATLAB 7.3', b'\\x89HDF')
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

N_FRAMES, N_TRAIN = 104, 80  # frames in the .mat file; the rest are the test split
SCENE = 96  # side of each generated scene before it is enlarged to 480 pixels
METRES_PER_UNIT = 1.6  # scene depths 1..6 → 1.6..9.6 m


def matlab_header() -> bytes:
    """The 128-byte header MATLAB writes at the start of a v7.3 file (the HDF5 user block)."""
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    return text.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02" + b"IM"


def write_labeled_mat(images: np.ndarray, depths: np.ndarray) -> bytes:
    """A MATLAB v7.3 `nyu_depth_v2_labeled.mat`: images (N, 3, 480, 640) uint8 and depths (N, 480, 640)
    float32 metres, stored column-major (H and W swapped) one frame per chunk, deflate-compressed."""
    import h5py  # MATLAB v7.3 is HDF5

    buffer = io.BytesIO()
    n = len(images)
    with h5py.File(buffer, "w", userblock_size=512) as mat:
        mat.create_dataset(
            "images", data=images.transpose(0, 1, 3, 2), chunks=(1, 3, 640, 480), compression="gzip"
        )
        mat.create_dataset(
            "depths",
            data=depths.astype(np.float32).transpose(0, 2, 1),
            chunks=(1, 640, 480),
            compression="gzip",
        )
        mat.create_dataset(
            "labels", data=np.zeros((n, 640, 480), np.uint16), chunks=(1, 640, 480), compression="gzip"
        )
    data = bytearray(buffer.getvalue())
    data[:128] = matlab_header()
    return bytes(data)


def write_splits_mat(train_ids: np.ndarray, test_ids: np.ndarray) -> bytes:
    """A MATLAB v5 `splits.mat` with the 1-based column vectors trainNdxs and testNdxs."""
    from scipy.io import savemat

    buffer = io.BytesIO()
    savemat(
        buffer,
        {
            "trainNdxs": np.asarray(train_ids, float)[:, None],
            "testNdxs": np.asarray(test_ids, float)[:, None],
        },
        do_compression=True,
    )
    return buffer.getvalue()


def frames() -> tuple[np.ndarray, np.ndarray]:
    """N_FRAMES Kinect-sized frames: images (N, 3, 480, 640) uint8 and depths (N, 480, 640) metres."""
    from utils.data.scenes import SceneDataset

    scenes = SceneDataset(N_FRAMES, SCENE, seed=2012, task="depth")
    images, depths = (torch.stack(parts) for parts in zip(*(scenes[i] for i in range(N_FRAMES))))
    pad = (80, 80, 0, 0)  # 480 → 640 columns
    images = F.pad(F.interpolate(images, size=(480, 480), mode="nearest"), pad, mode="replicate")
    depths = F.pad(F.interpolate(depths, size=(480, 480), mode="nearest"), pad, mode="replicate")
    return (images * 255).round().clamp(0, 255).byte().numpy(), (depths[:, 0] * METRES_PER_UNIT).numpy()


def split_ids() -> tuple[np.ndarray, np.ndarray]:
    """1-based (train, test) frame numbers, each sorted: a seeded random N_TRAIN frames train, the rest test."""
    order = np.random.default_rng(2012).permutation(N_FRAMES) + 1
    return np.sort(order[:N_TRAIN]), np.sort(order[N_TRAIN:])


def build_labeled() -> bytes:
    return write_labeled_mat(*frames())


def build_splits() -> bytes:
    return write_splits_mat(*split_ids())


FILES: dict[str, Callable[[], bytes]] = {
    "nyu-depth-v2-labeled": build_labeled,
    "nyu-depth-v2-splits": build_splits,
}
WEIGHTS: list[tuple[str, str]] = [
    ("mobilenet_v2", "IMAGENET1K_V2")
]  # the U-Net's encoder in notebook 20 (DEFAULT)
