"""Tests for utils.data.imagenette: `load_imagenette` online (a miniature Imagenette archive) and offline
(patches of the photos bundled with scikit-image and scikit-learn).

No internet: the real-dataset path runs on a miniature .tgz in Imagenette's exact layout
(imagenette2-160/{train,val}/<wnid>/*.JPEG), served by a local HTTP server (conftest.py) through a
test registry; "offline" is a registry whose URL points at a closed port.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

import utils.data.imagenette as imagenette
from tests.conftest import announced, closed_port_url
from utils.data.imagenette import (
    IMAGENETTE_CLASSES,
    PHOTO_CLASSES,
    ImageTensors,
    Photos,
    class_counts,
    load_imagenette,
    stripes,
)

PER_CLASS = {"train": 3, "val": 2}  # JPEGs per class in the miniature archive
SPLIT_BLUE = {"train": 60, "val": 200}  # the blue value of every miniature image says its split


def colour(label: int, index: int, split: str) -> tuple[int, int, int]:
    """A miniature image is one flat colour: red = its class, green = its number, blue = its split."""
    return 20 * label + 10, 60 * index + 30, SPLIT_BLUE[split]


def decode(images: torch.Tensor) -> list[tuple[int, int, str]]:
    """(class, number, split) of each miniature image, from its mean colour (JPEG rounds a little)."""
    means = (images.float().mean(dim=(2, 3)) * (255 if images.is_floating_point() else 1)).tolist()
    return [
        (round((r - 10) / 20), round((g - 30) / 60), "train" if abs(b - 60) < abs(b - 200) else "val")
        for r, g, b in means
    ]


def miniature_archive(wnids: list[str] | None = None) -> bytes:
    """imagenette2-160.tgz in miniature: a few flat-colour 20x16 JPEGs per class and split."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for split, count in PER_CLASS.items():
            for label, wnid in enumerate(wnids if wnids is not None else IMAGENETTE_CLASSES):
                for index in range(count):
                    jpeg = io.BytesIO()
                    Image.new("RGB", (20, 16), colour(label, index, split)).save(jpeg, "JPEG", quality=95)
                    info = tarfile.TarInfo(f"imagenette2-160/{split}/{wnid}/{wnid}_{index}.JPEG")
                    info.size = len(jpeg.getvalue())
                    tar.addfile(info, io.BytesIO(jpeg.getvalue()))
    return buffer.getvalue()


@pytest.fixture
def imagenette_registry(use_registry, server, cache):
    """`use(state)`: a test registry whose "imagenette-160" is "online" (the miniature archive served
    locally), "offline" (a closed port) or "incomplete" (a class missing)."""

    def use(state: str = "online", data: bytes | None = None) -> None:
        wnids = list(IMAGENETTE_CLASSES)[:-1] if state == "incomplete" else None
        data = data or miniature_archive(wnids)
        url = server.add("imagenette2-160.tgz", data) if state != "offline" else closed_port_url("x.tgz")
        checksum = hashlib.md5(data).hexdigest()
        item = {
            "name": "imagenette-160",
            "description": "a miniature Imagenette archive",
            "urls": [url],
            "checksum": f"md5:{checksum}",
            "size_bytes": len(data),
            "license": "CC0",
            "notebooks": ["10_image_classification"],
            "fallback": "bundled photos",
            "archive": True,
            "checksum_source": "computed by the test",
        }
        use_registry(item)

    return use


def check_split(dataset: ImageTensors, n: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    assert isinstance(dataset, ImageTensors) and len(dataset) == n
    images, labels = dataset.tensors
    assert images.shape == (n, 3, size, size) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() >= 0 and images.max() <= 1 and labels.min() >= 0 and labels.max() <= 9
    assert dataset.images.dtype == torch.uint8  # stored small, served as floats
    return images, labels


# --- Imagenette, downloaded (the miniature archive) --------------------------------------------


def test_smoke_draws_balanced_subsets_of_each_split(imagenette_registry, server, cache, capsys):
    imagenette_registry()
    data = load_imagenette(smoke=True, image_size=16, n_train=20, n_val=10)
    assert isinstance(data, Photos)
    train_images, train_labels = check_split(data.train, 20, 16)
    val_images, val_labels = check_split(data.val, 10, 16)
    train_ids, val_ids = decode(train_images), decode(val_images)
    assert [label for label, _, _ in train_ids] == train_labels.tolist()  # each image keeps its label
    assert [label for label, _, _ in val_ids] == val_labels.tolist()
    assert {split for _, _, split in train_ids} == {"train"} and {split for _, _, split in val_ids} == {"val"}
    assert len(set(train_ids)) == 20  # no image twice
    assert class_counts(data.train, 10) == [2] * 10 and class_counts(data.val, 10) == [1] * 10
    assert train_labels[:10].unique().numel() > 3  # shuffled, not sorted by class
    assert data.classes == tuple(IMAGENETTE_CLASSES.values()) and data.classes[1] == "English springer"
    assert data.image_size == 16 and data.name == "Imagenette-160"
    assert server.requests == ["/imagenette2-160.tgz"]
    expected = (
        "DATA: Imagenette-160, 20 train / 10 val images (16x16, SMOKE: class-balanced random subsets of "
        f"the official splits), verified in {cache / 'imagenette-160'}"
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected


def test_full_mode_reads_every_image_of_both_splits(imagenette_registry, capsys):
    imagenette_registry()
    data = load_imagenette(smoke=False, image_size=24)
    train_images, _ = check_split(data.train, 30, 24)
    val_images, _ = check_split(data.val, 20, 24)
    assert sorted(decode(train_images)) == [(c, i, "train") for c in range(10) for i in range(3)]
    assert sorted(decode(val_images)) == [(c, i, "val") for c in range(10) for i in range(2)]
    assert announced(capsys.readouterr().out) == [data.source]
    assert data.source.startswith("DATA: Imagenette-160, 30 train / 20 val images (24x24, the official")


def test_the_same_seed_draws_the_same_images_another_seed_others(imagenette_registry):
    imagenette_registry()
    first = load_imagenette(smoke=True, seed=3, image_size=16, n_train=20, n_val=10)
    second = load_imagenette(smoke=True, seed=3, image_size=16, n_train=20, n_val=10)
    other = load_imagenette(smoke=True, seed=4, image_size=16, n_train=20, n_val=10)
    for split in ("train", "val"):
        assert torch.equal(getattr(first, split).images, getattr(second, split).images)
        assert torch.equal(getattr(first, split).labels, getattr(second, split).labels)
    assert not torch.equal(first.train.labels, other.train.labels)


def test_asking_for_more_images_than_a_class_has_is_a_clear_error(imagenette_registry):
    imagenette_registry()
    with pytest.raises(ValueError, match="asked for 4 images of class 'tench', but it has only 3"):
        load_imagenette(smoke=False, n_train=40)
    with pytest.raises(ValueError, match="Imagenette val: asked for 3 images of class 'tench'"):
        load_imagenette(smoke=True, n_train=20, n_val=25)
    with pytest.raises(ValueError, match="Imagenette train"):
        load_imagenette(smoke=True, image_size=16)  # SMOKE's 200 do not fit in 30 miniature images


def test_an_archive_in_another_layout_is_refused(imagenette_registry):
    imagenette_registry("incomplete")
    with pytest.raises(ValueError, match="n03888257 holds no .JPEG files: not the Imagenette layout"):
        load_imagenette(smoke=True, n_train=10, n_val=10)


# --- offline: patches of the bundled photos --------------------------------------------------


def test_offline_uses_patches_of_tenbundled_photos_and_says_so(imagenette_registry, capsys):
    imagenette_registry("offline")
    data = load_imagenette(smoke=True)
    check_split(data.train, 200, 64)
    check_split(data.val, 100, 64)
    assert class_counts(data.train, 10) == [20] * 10 and class_counts(data.val, 10) == [10] * 10
    assert data.classes == tuple(PHOTO_CLASSES) and len(data.classes) == 10
    assert data.name == "patches of 10 bundled photos" and data.image_size == 64
    expected = (
        "OFFLINE: Imagenette-160 could not be downloaded (connection refused by 127.0.0.1) → using 300 "
        "patches of 10 photos bundled with scikit-image and scikit-learn (200 train / 100 val, 64x64; task: "
        "which photo is a patch from? each photo cut in 5 vertical stripes: train patches from stripes 1, 3, 5, "
        "val from 2, 4) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected
    # real photos: a cat patch is colourful, a gravel patch grey (three equal channels)
    images, labels = data.train.tensors
    grey = images[labels == data.classes.index("gravel")]
    assert torch.equal(grey[:, 0], grey[:, 1]) and torch.equal(grey[:, 1], grey[:, 2])
    cat = images[labels == data.classes.index("cat")]
    assert (cat[:, 0] - cat[:, 2]).abs().mean() > 0.05


def test_offline_is_deterministic_and_honours_sizes(imagenette_registry):
    imagenette_registry("offline")
    a, b = (load_imagenette(smoke=False, seed=5, image_size=32, n_train=30, n_val=15) for _ in range(2))
    c = load_imagenette(smoke=False, seed=6, image_size=32, n_train=30, n_val=15)
    for split in ("train", "val"):
        assert torch.equal(getattr(a, split).images, getattr(b, split).images)
        assert torch.equal(getattr(a, split).labels, getattr(b, split).labels)
    assert not torch.equal(a.train.images, c.train.images)
    check_split(a.train, 30, 32)
    assert class_counts(a.val, 10) == [2] * 5 + [1] * 5  # 15 over 10 classes: the first get one more
    assert "(30 train / 15 val, 32x32;" in a.source


@pytest.mark.parametrize("image_size", [32, 128])  # 32: the stripes are shrunk first; 128: they are not
def test_offline_train_and_val_patches_never_share_a_pixel(imagenette_registry, monkeypatch, image_size):
    """Photos whose green channel is 50 x the stripe number: a patch that crossed into another stripe would
    mix two values (interpolation blends them), so each patch must be one flat value of its own part."""
    widths = iter([600, 451, 512, 640, 512, 512, 512, 512, 640, 640])

    def striped_photo(package: str, name: str) -> torch.Tensor:
        width = next(widths)
        green = torch.zeros(400, width)
        for number, (start, end) in enumerate(stripes(width, "train") + stripes(width, "val")):
            green[:, start:end] = 50 * (2 * number if number < 3 else 2 * (number - 3) + 1)
        return torch.stack([torch.rand(400, width) * 255, green, torch.full_like(green, 128)])

    monkeypatch.setattr(imagenette, "bundled_photo", striped_photo)
    imagenette_registry("offline")
    data = load_imagenette(smoke=True, image_size=image_size, n_train=100, n_val=50)
    for split, allowed in (("train", {0, 100, 200}), ("val", {50, 150})):
        green = getattr(data, split).images[:, 1].flatten(1)
        assert (green.min(dim=1).values == green.max(dim=1).values).all(), f"a {split} patch crosses a stripe"
        assert set(green[:, 0].tolist()) == allowed  # every stripe of the part is used, no other


def test_stripes_cut_a_photo_into_five_alternating_parts():
    assert stripes(500, "train") == [(0, 100), (200, 300), (400, 500)]
    assert stripes(500, "val") == [(100, 200), (300, 400)]
    assert stripes(np.int64(451), "val") == [(90, 180), (271, 361)]
    edges = sorted(stripes(451, "train") + stripes(451, "val"))
    assert edges[0][0] == 0 and edges[-1][1] == 451
    assert all(a[1] == b[0] for a, b in zip(edges, edges[1:]))  # no gap, no overlap
    with pytest.raises(ValueError, match="part must be 'train' or 'val'"):
        stripes(500, "test")
    with pytest.raises(ValueError, match="width must be an int >= 5"):
        stripes(4, "train")
    with pytest.raises(ValueError, match="width must be an int >= 5"):
        stripes(500.0, "val")


def test_offline_without_scikit_image_a_clear_error(imagenette_registry, monkeypatch, capsys):
    imagenette_registry("offline")
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    monkeypatch.setitem(sys.modules, "skimage", None)
    with pytest.raises(ImportError, match="pip install scikit-image scikit-learn") as info:
        load_imagenette(smoke=True)
    assert "Imagenette-160 could not be downloaded (connection refused by 127.0.0.1)" in str(info.value)
    assert announced(capsys.readouterr().out) == []


# --- arguments and the result ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1}, "smoke must be True or False"),
        ({"smoke": "yes"}, "smoke must be True or False"),
        ({"smoke": True, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "seed": 1.5}, "seed must be a non-negative int"),
        ({"smoke": True, "seed": True}, "seed must be a non-negative int"),
        ({"smoke": True, "image_size": 8}, "image_size must be an int from 16 to 512"),
        ({"smoke": True, "image_size": 64.0}, "image_size must be an int from 16 to 512"),
        ({"smoke": True, "image_size": 1024}, "image_size must be an int from 16 to 512"),
        ({"smoke": True, "n_train": 5}, "n_train must be an int >= 10"),
        ({"smoke": True, "n_val": 20.0}, "n_val must be an int >= 10"),
        ({"smoke": True, "n_val": False}, "n_val must be an int >= 10"),
    ],
)
def test_load_imagenette_checks_its_arguments_before_any_download(
    imagenette_registry, server, kwargs, message
):
    imagenette_registry()
    with pytest.raises(ValueError, match=message):
        load_imagenette(**kwargs)
    assert server.requests == []


def test_photos_is_frozen_and_numpy_ints_are_accepted(imagenette_registry):
    imagenette_registry()
    data = load_imagenette(
        smoke=True, seed=np.int64(0), image_size=np.int64(16), n_train=10, n_val=np.int64(10)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.source = "something else"
    assert [f.name for f in dataclasses.fields(Photos)][:8] == [
        "train",
        "val",
        "test",
        "classes",
        "image_size",
        "name",
        "source",
        "real",
    ]


def test_image_tensors_serves_floats_and_checks_its_inputs():
    images = torch.tensor([0, 51, 255], dtype=torch.uint8).reshape(3, 1, 1, 1).expand(3, 3, 2, 2).contiguous()
    dataset = ImageTensors(images, torch.tensor([2, 0, 1]))
    image, label = dataset[1]
    assert (
        image.shape == (3, 2, 2) and image.dtype == torch.float32 and image.max().item() == pytest.approx(0.2)
    )
    assert label.item() == 0 and len(dataset) == 3
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=3)))
    assert torch.equal(batch[0], dataset.tensors[0]) and torch.equal(batch[1], dataset.labels)
    with pytest.raises(ValueError, match="images must be a \\(N, C, H, W\\) uint8 tensor"):
        ImageTensors(images.float(), torch.tensor([2, 0, 1]))
    with pytest.raises(ValueError, match="labels must be a \\(3,\\) int64 tensor"):
        ImageTensors(images, torch.tensor([2, 0]))
    with pytest.raises(ValueError, match="labels must be a \\(3,\\) int64 tensor"):
        ImageTensors(images, torch.tensor([2, 0, 1], dtype=torch.int32))


def test_class_counts_counts_and_checks():
    dataset = ImageTensors(torch.zeros(4, 3, 2, 2, dtype=torch.uint8), torch.tensor([0, 2, 2, 2]))
    assert class_counts(dataset, 4) == [1, 0, 3, 0]
    with pytest.raises(ValueError, match="holds class 2, but num_classes is 2"):
        class_counts(dataset, 2)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        class_counts(dataset, 0)
    with pytest.raises(ValueError, match="dataset must be an ImageTensors"):
        class_counts(torch.utils.data.TensorDataset(torch.zeros(2)), 2)


def test_the_class_tables():
    assert list(IMAGENETTE_CLASSES) == sorted(IMAGENETTE_CLASSES)  # label order: sorted ids, as torchvision
    from torchvision.datasets import Imagenette

    assert (
        [names[0] for names in Imagenette._WNID_TO_CLASS.values()]
        == [
            "tench",
            "English springer",
            "cassette player",
            "chain saw",
            "church",
            "French horn",
            "garbage truck",
            "gas pump",
            "golf ball",
            "parachute",
        ]
        == list(IMAGENETTE_CLASSES.values())
    )
    assert list(Imagenette._WNID_TO_CLASS) == list(IMAGENETTE_CLASSES)
    assert {package for package, _ in PHOTO_CLASSES.values()} == {"skimage", "sklearn"}


def test_bundled_photo_reads_scikit_image_and_scikit_learn_photos_as_rgb():
    grey = imagenette.bundled_photo("skimage", "camera")  # a grey photo gets three equal channels
    assert grey.shape[0] == 3 and torch.equal(grey[0], grey[2]) and grey.max() <= 255
    colour = imagenette.bundled_photo("sklearn", "china.jpg")
    assert colour.shape == (3, 427, 640) and colour.dtype == torch.float32


# --- the course mirror's miniature (tests/mirror/imagenette.py) ------------------------------


def test_the_mirror_miniature_serves_notebook_10_in_smoke_sizes_and_is_learnable(imagenette_registry, capsys):
    """Notebook 10 online reads 200 training and 50 validation images; a nearest-centroid classifier on
    the images' mean colour must already beat chance (10 %) by far on held-out images."""
    from tests.mirror.imagenette import imagenette_tgz

    imagenette_registry(data=imagenette_tgz())
    data = load_imagenette(smoke=True, image_size=64, n_train=200, n_val=50)
    (train_images, train_labels), (val_images, val_labels) = data.train.tensors, data.val.tensors
    assert train_images.shape == (200, 3, 64, 64) and val_images.shape == (50, 3, 64, 64)
    assert class_counts(data.val, 10) == [5] * 10 and data.source.startswith("DATA: Imagenette-160")
    colour = lambda images: images.mean(dim=(2, 3))  # noqa: E731
    centroids = torch.stack([colour(train_images)[train_labels == c].mean(0) for c in range(10)])
    predicted = torch.cdist(colour(val_images), centroids).argmin(1)
    assert (predicted == val_labels).float().mean() > 0.5
