"""Tests for utils.data.transfer: `read_image`, `texture_patches` and `load_transfer_task` through each
source of its chain.

No internet: the real-dataset path runs on a miniature hymenoptera_data.zip in the exact layout of the
real one (hymenoptera_data/{train,val}/{ants,bees}/*.jpg, small real JPEG files written with Pillow),
served by a local HTTP server (see conftest.py) through a test registry; "offline" is a registry whose
URL points at a closed port. Each miniature photo is one flat colour that says which file it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url
from tests.mirror.transfer import not_found_gif
from utils.data.base import read_image
from utils.data.transfer import (
    CROP_SIDES,
    TEXTURES,
    ImageTask,
    load_transfer_task,
    texture_patches,
)

COUNTS = {"train": 4, "val": 3}  # miniature photos per class and split
CLASSES = ("ants", "bees")
SPLIT_OFFSET = {"train": 0, "val": 8}  # photo ids: train 0-3 (ants) 4-7 (bees), val 8-10 (ants) 12-14 (bees)


# --- a miniature hymenoptera_data.zip and test registries --------------------------------------


def photo_id(split: str, label: int, index: int) -> int:
    return SPLIT_OFFSET[split] + 4 * label + index


def flat_jpeg(value: int, label: int, size: tuple[int, int] = (40, 30)) -> bytes:
    """A small real JPEG of one flat colour: ants red, bees blue, with brightness `value`."""
    colour = (value, 0, 0) if label == 0 else (0, 0, value)
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def brightness(identity: int) -> int:
    return 20 + 12 * identity


def identify(images: torch.Tensor) -> list[tuple[int, int]]:
    """(photo id, label it shows) of miniature photos, from their flat colour."""
    found = []
    for image in images:
        red, blue = image[0].mean().item() * 255, image[2].mean().item() * 255
        label = 0 if red > blue else 1
        found.append((round((max(red, blue) - 20) / 12), label))
    return found


def miniature_zip() -> bytes:
    """The real archive's layout with flat-colour photos, and its one placeholder that is not a photo."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for split, count in COUNTS.items():
            for label, name in enumerate(CLASSES):
                for index in range(count):
                    jpeg = flat_jpeg(brightness(photo_id(split, label, index)), label)
                    archive.writestr(
                        f"hymenoptera_data/{split}/{name}/{photo_id(split, label, index)}.jpg", jpeg
                    )
        archive.writestr(
            "hymenoptera_data/train/ants/imageNotFound.gif", not_found_gif()
        )  # as in the real one
    return buffer.getvalue()


@pytest.fixture
def transfer_registry(use_registry, server, cache):
    """`use(state)`: a test registry whose hymenoptera archive is "online" (the miniature, served
    locally), or "offline" (a closed port)."""

    def use(state: str = "online", data: bytes | None = None) -> None:
        data = data or miniature_zip()
        if state == "online":
            url = server.add("hymenoptera_data.zip", data)
        else:
            url = closed_port_url("hymenoptera_data.zip")
        checksum = hashlib.sha1(data).hexdigest()
        item = {
            "name": "hymenoptera",
            "description": "a miniature hymenoptera_data.zip",
            "urls": [url],
            "checksum": f"sha1:{checksum}",
            "size_bytes": len(data),
            "license": "CC0",
            "notebooks": ["09_transfer_learning"],
            "fallback": "scikit-image textures",
            "archive": True,
            "checksum_source": "computed by the test",
        }
        use_registry(item)

    return use


def check_split(dataset, n: int, size: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = dataset.tensors
    assert images.shape == (n, 3, size, size) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() >= 0 and images.max() <= 1
    assert labels.tolist() == [i % classes for i in range(n)]  # the classes take turns
    return images, labels


# --- read_image ------------------------------------------------------------------------------


def test_read_image_resizes_the_shorter_side_and_crops_the_centre(tmp_path):
    """A wide picture, red in its left quarter, green in the middle half, blue in its right quarter."""
    picture = np.zeros((30, 60, 3), dtype=np.uint8)
    picture[:, :15, 0], picture[:, 15:45, 1], picture[:, 45:, 2] = 255, 255, 255
    Image.fromarray(picture).save(tmp_path / "wide.png")
    image = read_image(tmp_path / "wide.png", 20)
    assert image.shape == (3, 20, 20) and image.dtype == torch.float32
    assert image[1].mean() > 0.95  # only the middle is kept (a resized edge may blend in a little)
    assert image[0].mean() < 0.02 and image[2].mean() < 0.02


def test_read_image_reads_jpeg_and_gray_files_as_rgb(tmp_path):
    (tmp_path / "ant.jpg").write_bytes(flat_jpeg(200, label=0, size=(100, 80)))
    Image.new("L", (16, 24), 128).save(tmp_path / "gray.png")
    ant, gray = read_image(tmp_path / "ant.jpg", 32), read_image(str(tmp_path / "gray.png"), 16)
    assert ant.shape == (3, 32, 32) and abs(ant[0].mean().item() * 255 - 200) < 3 and ant[2].max() < 0.05
    assert gray.shape == (3, 16, 16) and torch.allclose(gray, torch.full_like(gray, 128 / 255), atol=1e-6)


def test_read_image_refuses_a_missing_file_and_a_bad_size(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_image(tmp_path / "missing.jpg", 32)
    with pytest.raises(ValueError, match="image_size must be an int from 16 to 1024"):
        load_transfer_task(True, image_size=8)


# --- hymenoptera (the miniature archive, same layout) ----------------------------------------


def test_full_mode_reads_every_photo_of_both_folders(transfer_registry, server, cache, capsys):
    transfer_registry()
    task = load_transfer_task(smoke=False, image_size=32)
    assert isinstance(task, ImageTask)
    train_images, train_labels = check_split(task.train, 8, 32, classes=2)
    val_images, val_labels = check_split(task.val, 6, 32, classes=2)
    train_ids, val_ids = identify(train_images), identify(val_images)
    assert sorted(train_ids) == sorted((photo_id("train", c, i), c) for c in (0, 1) for i in range(4))
    assert sorted(val_ids) == sorted((photo_id("val", c, i), c) for c in (0, 1) for i in range(3))
    assert [label for _, label in train_ids] == train_labels.tolist()  # each photo keeps its own label
    assert [label for _, label in val_ids] == val_labels.tolist()
    assert task.classes == CLASSES and task.image_size == 32 and task.name == "hymenoptera (ants vs bees)"
    assert server.requests == ["/hymenoptera_data.zip"]
    expected = (
        "DATA: hymenoptera (ants vs bees), 8 train / 6 val images (32x32, the train and val folders), "
        f"verified in {(cache / 'hymenoptera').resolve()}"
    )
    assert announced(capsys.readouterr().out) == [expected] and task.source == expected


def test_smoke_and_counts_draw_a_balanced_subset_of_each_folder(transfer_registry, capsys):
    transfer_registry()
    task = load_transfer_task(smoke=True, image_size=16, train_per_class=3, val_per_class=np.int64(2))
    train_images, _ = check_split(task.train, 6, 16, classes=2)
    val_images, _ = check_split(task.val, 4, 16, classes=2)
    train_ids, val_ids = {i for i, _ in identify(train_images)}, {i for i, _ in identify(val_images)}
    assert train_ids <= set(range(8)) and val_ids <= set(range(8, 16)) and len(train_ids | val_ids) == 10
    assert "6 train / 4 val images (16x16, drawn from the train and val folders)" in task.source
    with pytest.raises(
        ValueError,
        match="hymenoptera \\(ants vs bees\\) train/ants: asked for 5 images, but there are only 4",
    ):
        load_transfer_task(smoke=False, image_size=16, train_per_class=5)


def test_smoke_defaults_to_40_and_20_per_class_and_says_when_a_folder_is_too_small(transfer_registry):
    transfer_registry()  # the miniature folders hold 4 and 3 photos per class, not 120 and 75
    with pytest.raises(ValueError, match="train/ants: asked for 40 images, but there are only 4"):
        load_transfer_task(smoke=True, image_size=16)


def test_the_same_seed_gives_the_same_images_another_seed_another_order(transfer_registry):
    transfer_registry()
    first = load_transfer_task(smoke=True, image_size=16, seed=3, train_per_class=3, val_per_class=2)
    second = load_transfer_task(smoke=True, image_size=16, seed=3, train_per_class=3, val_per_class=2)
    for split in ("train", "val"):
        for x, y in zip(getattr(first, split).tensors, getattr(second, split).tensors):
            assert torch.equal(x, y)
    orders = {
        tuple(i for i, _ in identify(load_transfer_task(smoke=False, image_size=16, seed=s).train.tensors[0]))
        for s in range(6)
    }
    assert len(orders) > 1  # another seed, another order


# --- offline: texture patches from scikit-image's photos -------------------------------------


def test_offline_uses_real_texture_patches_and_says_so(transfer_registry, capsys):
    transfer_registry("offline")
    task = load_transfer_task(smoke=True, image_size=48)
    train_images, _ = check_split(task.train, 120, 48, classes=3)
    check_split(task.val, 60, 48, classes=3)
    assert task.classes == TEXTURES == ("grass", "gravel", "brick")
    assert task.name == "scikit-image textures (grass, gravel, brick)" and task.image_size == 48
    assert torch.equal(train_images[:, 0], train_images[:, 2])  # gray photos, repeated on R, G, B
    assert train_images.std() > 0.05  # real texture, not a flat fill
    expected = (
        "OFFLINE: hymenoptera (ants vs bees) could not be downloaded (connection refused by 127.0.0.1) → using "
        "texture patches cut from scikit-image's grass, gravel and brick photos: 120 train / 60 val (48x48; "
        "train from the top half of each photo, val from the bottom half) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and task.source == expected


def test_offline_full_mode_and_counts(transfer_registry):
    transfer_registry("offline")
    full = load_transfer_task(smoke=False, image_size=16)
    check_split(full.train, 360, 16, classes=3)
    check_split(full.val, 225, 16, classes=3)
    small = load_transfer_task(smoke=False, image_size=16, train_per_class=2, val_per_class=500)
    check_split(small.train, 6, 16, classes=3)
    check_split(small.val, 1_500, 16, classes=3)  # patches can be cut without end
    assert "6 train / 1,500 val" in small.source


def test_offline_train_and_val_patches_come_from_different_halves(transfer_registry, monkeypatch):
    """Photos whose gray level is their row number / 511: a patch says which rows it came from."""
    transfer_registry("offline")
    rows = np.repeat(np.linspace(0, 1, 512)[:, None], 512, axis=1)
    for name in TEXTURES:
        monkeypatch.setattr(f"skimage.data.{name}", lambda rows=rows: rows.copy())
    task = load_transfer_task(smoke=True, image_size=16, train_per_class=30, val_per_class=30)
    assert task.train.tensors[0].max() <= 255 / 511 + 1e-6  # rows 0-255: the top half only
    assert task.val.tensors[0].min() >= 256 / 511 - 1e-6  # rows 256-511: the bottom half only


def test_offline_is_deterministic_for_a_seed(transfer_registry):
    transfer_registry("offline")
    a, b = (
        load_transfer_task(smoke=True, image_size=16, seed=5, train_per_class=4, val_per_class=2)
        for _ in range(2)
    )
    c = load_transfer_task(smoke=True, image_size=16, seed=6, train_per_class=4, val_per_class=2)
    assert all(
        torch.equal(x, y) for x, y in zip(a.train.tensors + a.val.tensors, b.train.tensors + b.val.tensors)
    )
    assert not torch.equal(a.train.tensors[0], c.train.tensors[0])


def test_without_scikit_image_a_clear_error(transfer_registry, monkeypatch, capsys):
    transfer_registry("offline")
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(ImportError, match="pip install scikit-image") as info:
        load_transfer_task(smoke=True, image_size=16)
    assert "hymenoptera (ants vs bees) could not be downloaded (connection refused by 127.0.0.1)" in str(
        info.value
    )
    assert announced(capsys.readouterr().out) == []


def test_texture_patches_stay_inside_their_rows_and_resize():
    photo = np.tile(np.arange(200, dtype=np.uint8)[:, None], (1, 300))  # gray level = row number
    patches = texture_patches(photo, 10, 24, (100, 200), np.random.default_rng(0))
    assert patches.shape == (10, 3, 24, 24) and patches.dtype == torch.float32
    assert patches.min() >= 100 / 255 - 1e-6 and patches.max() <= 199 / 255 + 1e-6
    sides = {round((p[0, -1, 0] - p[0, 0, 0]).item() * 255) for p in patches}  # rows covered ≈ the side
    assert len(sides) > 3 and all(CROP_SIDES[0] - 5 <= side <= 100 for side in sides)


@pytest.mark.parametrize(
    ("photo", "rows", "message"),
    [
        (np.zeros((64, 64, 3)), (0, 64), "expected a grayscale photo"),
        (np.zeros((512, 512)), (0, 40), "leave no room"),  # 40 rows < the smallest patch
        (np.zeros((512, 512)), (300, 200), "leave no room"),
        (np.zeros((100, 30)), (0, 100), "leave no room"),  # too narrow
    ],
)
def test_texture_patches_refuse_impossible_requests(photo, rows, message):
    with pytest.raises(ValueError, match=message):
        texture_patches(photo, 2, 16, rows, np.random.default_rng(0))


# --- arguments and the result ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1, "image_size": 64}, "smoke must be True or False"),
        ({"smoke": "no", "image_size": 64}, "smoke must be True or False"),
        ({"smoke": True, "image_size": 8}, "image_size must be an int from 16 to 1024"),
        ({"smoke": True, "image_size": 64.0}, "image_size must be an int from 16 to 1024"),
        ({"smoke": True, "image_size": True}, "image_size must be an int"),
        ({"smoke": True, "image_size": 64, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "image_size": 64, "seed": 0.5}, "seed must be a non-negative int"),
        ({"smoke": True, "image_size": 64, "train_per_class": 0}, "train_per_class must be a positive int"),
        ({"smoke": True, "image_size": 64, "val_per_class": 2.0}, "val_per_class must be a positive int"),
        ({"smoke": True, "image_size": 64, "val_per_class": False}, "val_per_class must be a positive int"),
    ],
)
def test_load_transfer_task_checks_its_arguments_before_any_download(
    transfer_registry, server, kwargs, message
):
    transfer_registry()
    with pytest.raises(ValueError, match=message):
        load_transfer_task(**kwargs)
    assert server.requests == []


def test_image_task_is_frozen(transfer_registry):
    transfer_registry("offline")
    task = load_transfer_task(smoke=True, image_size=16, train_per_class=1, val_per_class=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.source = "something else"
    assert [f.name for f in dataclasses.fields(ImageTask)][:8] == [
        "train",
        "val",
        "test",
        "classes",
        "image_size",
        "name",
        "source",
        "real",
    ]


# --- the course mirror's miniature (tests/mirror/transfer.py) ---------------------------------


def test_the_mirror_miniature_serves_notebook_09_in_smoke_sizes_and_is_learnable(transfer_registry, capsys):
    """Notebook 09 online reads 27 training and 20 validation photos per class; a classifier on the
    photos' mean colour (nearest class centroid) must already tell ants from bees on held-out photos."""
    from tests.mirror.transfer import hymenoptera_zip

    transfer_registry(data=hymenoptera_zip())
    task = load_transfer_task(smoke=True, image_size=64, train_per_class=27, val_per_class=20)
    train_images, train_labels = check_split(task.train, 54, 64, classes=2)
    val_images, val_labels = check_split(task.val, 40, 64, classes=2)
    assert task.classes == CLASSES and task.source.startswith("DATA: hymenoptera")
    colour = lambda images: images.mean(dim=(2, 3))  # noqa: E731
    centroids = torch.stack([colour(train_images)[train_labels == c].mean(0) for c in (0, 1)])
    predicted = torch.cdist(colour(val_images), centroids).argmin(1)
    assert (predicted == val_labels).float().mean() > 0.9
