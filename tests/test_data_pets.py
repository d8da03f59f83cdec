"""Tests for utils.data.pets: `load_pets` through each source, and its readers.

No internet: the real-dataset path runs on miniature copies of Oxford-IIIT Pet's two archives, in the
real layout (images.tar.gz → images/<id>.jpg; annotations.tar.gz → annotations/trainval.txt,
test.txt, list.txt, trimaps/<id>.png with values 1/2/3, plus the `._<id>.png` resource-fork files and
xmls/ of the real archive), served by the local HTTP server of conftest.py through a test registry.
Each miniature photo is one flat colour that says which photo it is; its trimap is pet on the left,
a border column, background on the right.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.datasets import OxfordIIITPet

from tests.conftest import announced, closed_port_url, tar_gz
from utils.data.pets import (
    IGNORE_INDEX,
    PETS_CLASSES,
    PixelDataset,
    SegmentationData,
    load_pets,
    read_pair,
    read_split,
    trimap_to_classes,
)
from utils.data.registry import entry
from utils.data.scenes import CLASSES as SCENE_CLASSES

TRAINVAL = ["Abyssinian_100", "Abyssinian_101", "american_bulldog_10", "american_bulldog_100", "Bengal_1"]
TEST = ["Abyssinian_201", "beagle_2", "Bengal_3"]
W, H = 40, 30  # miniature photo size (the real ones are about 500 x 375)


def brightness(image_id: str) -> int:
    return 30 + 20 * (TRAINVAL + TEST).index(image_id)


def photo(image_id: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (W, H), (brightness(image_id), 60, 90)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def trimap() -> bytes:
    values = np.full((H, W), 2, dtype=np.uint8)  # background
    values[:, : W // 2] = 1  # pet on the left
    values[:, W // 2] = 3  # a border column
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="PNG")
    return buffer.getvalue()


def split_file(ids: list[str]) -> bytes:
    return "".join(f"{i} {1 + k % 37} {1 + k % 2} {1 + k % 12}\n" for k, i in enumerate(ids)).encode()


def miniature_archives() -> dict[str, bytes]:
    ids = TRAINVAL + TEST
    images = {f"images/{i}.jpg": photo(i) for i in ids}
    annotations = {
        "annotations/list.txt": b"#Image CLASS-ID SPECIES BREED ID\n" + split_file(ids),
        "annotations/trainval.txt": split_file(TRAINVAL),
        "annotations/test.txt": split_file(TEST),
        "annotations/xmls/Abyssinian_100.xml": b"<annotation></annotation>",
        **{f"annotations/trimaps/{i}.png": trimap() for i in ids},
        **{f"annotations/trimaps/._{i}.png": b"\x00\x05\x16\x07 not a png" for i in ids},
    }
    return {"images.tar.gz": tar_gz(images), "annotations.tar.gz": tar_gz(annotations)}


@pytest.fixture
def pets_registry(use_registry, server, cache):
    """`use(state)`: a test registry whose two archives are "online" (served) or "offline" (closed port)."""

    def use(state: str = "online", archives: dict[str, bytes] | None = None) -> None:
        items = []
        for name, data in (archives or miniature_archives()).items():
            url = server.add(name, data) if state != "offline" else closed_port_url(name)
            items.append(
                {
                    "name": f"oxford-pets-{name.split('.')[0]}",
                    "description": f"a miniature {name}",
                    "urls": [url],
                    "checksum": f"md5:{hashlib.md5(data).hexdigest()}",
                    "size_bytes": len(data),
                    "license": "CC0",
                    "notebooks": ["12_semantic_segmentation"],
                    "fallback": "generated scenes",
                    "archive": True,
                    "checksum_source": "computed by the test",
                }
            )
        use_registry(*items)

    return use


# --- the registry -------------------------------------------------------------------------------


def test_registry_pins_torchvisions_md5_and_urls():
    published = dict(OxfordIIITPet._RESOURCES)
    for name, filename in (
        ("oxford-pets-images", "images.tar.gz"),
        ("oxford-pets-annotations", "annotations.tar.gz"),
    ):
        found = entry(name)
        url = f"https://www.robots.ox.ac.uk/~vgg/data/pets/data/{filename}"
        assert found.urls == (url,) and found.archive
        assert found.checksum == f"md5:{published[url]}"


# --- the real layout, served locally ------------------------------------------------------------


def test_load_pets_reads_the_real_layout(pets_registry, server, capsys):
    pets_registry("online")
    data = load_pets(smoke=False, image_size=16)
    lines = announced(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("DATA: Oxford-IIIT Pet, 5 train (trainval.txt) / 3 test")
    assert isinstance(data, SegmentationData) and data.source == lines[0]
    assert data.classes == PETS_CLASSES and data.ignore_index == IGNORE_INDEX == 255
    assert (len(data.train), len(data.test), data.image_size) == (5, 3, 16)
    for dataset, ids in ((data.train, TRAINVAL), (data.test, TEST)):
        for k, image_id in enumerate(ids):  # in the split file's order, each with its own photo
            image, target = dataset[k]
            assert image.shape == (3, 16, 16) and image.dtype == torch.float32
            assert image[0].mean().item() * 255 == pytest.approx(brightness(image_id), abs=4)
            assert target.shape == (16, 16) and target.dtype == torch.int64
            assert set(torch.unique(target).tolist()) == {0, 1, 255}
            assert (target[:, :6] == 1).all() and (target[:, -6:] == 0).all()  # pet left, background right
    assert sorted(server.requests) == ["/annotations.tar.gz", "/images.tar.gz"]


def test_a_random_subset_of_each_split(pets_registry, capsys):
    pets_registry("online")
    data = load_pets(smoke=False, image_size=16, seed=3, n_train=2, n_test=1)
    assert (len(data.train), len(data.test)) == (2, 1)
    with pytest.raises(ValueError, match="asked for 9 images, but there are only 5"):
        load_pets(smoke=False, image_size=16, n_train=9)


def test_offline_falls_back_to_scenes_in_one_line(pets_registry, capsys):
    pets_registry("offline")
    data = load_pets(smoke=False, image_size=32, n_train=6, n_test=3)
    lines = announced(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("OFFLINE: Oxford-IIIT Pet could not be downloaded")
    assert "6 train / 3 test generated shape scenes" in lines[0]
    assert data.classes == SCENE_CLASSES and data.ignore_index is None
    image, target = data.train[0]
    assert image.shape == (3, 32, 32) and target.shape == (32, 32) and target.max() < len(SCENE_CLASSES)


def test_smoke_mode_reads_a_random_subset_of_the_same_download(pets_registry, server, capsys):
    """SMOKE shrinks sizes, not the source: the real archives, a seeded random subset of each split."""
    pets_registry("online")
    data = load_pets(smoke=True, image_size=16, n_train=3, n_test=2)
    lines = announced(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("DATA: Oxford-IIIT Pet, 3 train (trainval.txt) / 2 test")
    assert "SMOKE: a random subset of each split" in lines[0]
    assert sorted(server.requests) == ["/annotations.tar.gz", "/images.tar.gz"]
    assert data.classes == PETS_CLASSES and (len(data.train), len(data.test)) == (3, 2)
    shown = {round(data.train[i][0][0].mean().item() * 255) for i in range(3)}
    trainval = {brightness(i) for i in TRAINVAL}
    assert all(min(abs(b - t) for t in trainval) <= 4 for b in shown)  # training photos come from trainval
    again = load_pets(smoke=True, image_size=16, n_train=3, n_test=2)
    assert all(torch.equal(again.train[i][0], data.train[i][0]) for i in range(3))  # seeded
    with pytest.raises(ValueError, match="trainval: asked for 160 images, but there are only 5"):
        load_pets(smoke=True, image_size=16)  # SMOKE's default: 160 / 64 images


def test_smoke_mode_offline_uses_scenes_with_its_default_sizes(pets_registry, capsys):
    pets_registry("offline")
    data = load_pets(smoke=True, image_size=16)
    lines = announced(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("OFFLINE: Oxford-IIIT Pet could not be downloaded")
    assert "160 train / 64 test generated shape scenes" in lines[0]
    assert (len(data.train), len(data.test)) == (160, 64)
    small = load_pets(smoke=True, image_size=32, n_train=4, n_test=2)
    train_images = torch.stack([small.train[i][0] for i in range(4)])
    test_images = torch.stack([small.test[i][0] for i in range(2)])
    assert not any(torch.equal(a, b) for a in train_images for b in test_images)  # different scenes
    again = load_pets(smoke=True, image_size=32, n_train=4, n_test=2)
    assert torch.equal(again.train[3][1], small.train[3][1])  # seeded


# --- the readers ------------------------------------------------------------------------------------


def test_trimap_values_become_classes():
    trimap_values = torch.tensor([[1, 2], [3, 1]], dtype=torch.uint8)
    assert trimap_to_classes(trimap_values).tolist() == [[1, 0], [255, 1]]
    with pytest.raises(ValueError, match="only the values 1, 2 and 3"):
        trimap_to_classes(torch.tensor([0, 1], dtype=torch.uint8))


def test_read_split_parses_the_split_files(tmp_path):
    (tmp_path / "trainval.txt").write_bytes(split_file(TRAINVAL))
    assert read_split(tmp_path, "trainval") == TRAINVAL
    with pytest.raises(ValueError, match="split must be one of"):
        read_split(tmp_path, "val")
    with pytest.raises(ValueError, match="test.txt is missing"):
        read_split(tmp_path, "test")
    (tmp_path / "test.txt").write_text("Abyssinian_1 1 1\n")
    with pytest.raises(ValueError, match="line 1: expected"):
        read_split(tmp_path, "test")


def test_read_pair_crops_photo_and_trimap_alike(tmp_path):
    (tmp_path / "a.jpg").write_bytes(photo("Bengal_1"))
    (tmp_path / "a.png").write_bytes(trimap())
    image, target = read_pair(tmp_path / "a.jpg", tmp_path / "a.png", 20)
    assert image.shape == (3, 20, 20) and image.dtype == torch.uint8
    assert target.dtype == torch.uint8 and set(torch.unique(target).tolist()) <= {0, 1, 255}
    assert (target[:, 10] == 255).any()  # the border column stays in the middle of the crop
    (tmp_path / "b.png").write_bytes(_png((10, 10)))
    with pytest.raises(ValueError, match="but its trimap"):
        read_pair(tmp_path / "a.jpg", tmp_path / "b.png", 20)


def _png(size):
    buffer = io.BytesIO()
    Image.new("L", size, 1).save(buffer, format="PNG")
    return buffer.getvalue()


def test_pixel_dataset_checks_its_tensors():
    with pytest.raises(ValueError, match="must be uint8"):
        PixelDataset(torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match="expected images"):
        PixelDataset(torch.zeros(1, 3, 4, 4, dtype=torch.uint8), torch.zeros(1, 5, 4, dtype=torch.uint8))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1}, "smoke must be True or False"),
        ({"smoke": True, "image_size": 8}, "image_size must be an int from 16"),
        ({"smoke": True, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "n_train": 0}, "n_train must be a positive int"),
        ({"smoke": True, "n_test": 2.0}, "n_test must be a positive int"),
    ],
)
def test_load_pets_checks_its_arguments_before_any_download(pets_registry, server, kwargs, message):
    pets_registry("online")
    with pytest.raises(ValueError, match=message):
        load_pets(**kwargs)
    assert server.requests == []


def test_segmentation_data_is_frozen(pets_registry, capsys):
    pets_registry("offline")
    data = load_pets(smoke=True, image_size=16, n_train=1, n_test=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.source = "something else"


# --- the course mirror's miniature (tests/mirror/pets.py) ------------------------------------


def test_the_mirror_miniature_serves_notebook_12_in_smoke_sizes_with_real_trimaps(pets_registry, capsys):
    """Notebook 12 online reads 128 training and 48 test photos; pets and background differ in colour."""
    from tests.mirror.pets import pets_archives

    pets_registry(archives=pets_archives())
    data = load_pets(smoke=True, image_size=64, n_train=128, n_test=48)
    assert (len(data.train), len(data.test)) == (128, 48) and data.classes == PETS_CLASSES
    images = torch.stack([data.test[i][0] for i in range(48)])
    targets = torch.stack([data.test[i][1] for i in range(48)])
    shares = [(targets == value).float().mean().item() for value in (0, 1, IGNORE_INDEX)]
    assert 0.4 < shares[0] < 0.9 and 0.1 < shares[1] < 0.5 and 0 < shares[2] < 0.15  # border: a thin band
    red = images[:, 0]
    assert red[targets == 1].mean() > red[targets == 0].mean() + 0.3  # warm pets on a cool background
