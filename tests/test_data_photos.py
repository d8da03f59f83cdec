"""Tests for utils.data.photos: `read_photo`, `random_crops` and `load_sr_photos` through each source.

No internet: the BSDS300 path runs on a miniature BSDS300-images.tgz in the exact layout of the real one
(BSDS300/images/{train,test}/<id>.jpg, BSDS300/iids_train.txt and iids_test.txt; small real JPEGs written
with Pillow), served by a local HTTP server (see conftest.py) through a test registry; "offline" is a
registry whose URL points at a closed port. Each miniature photo is one flat grey level that says which
photo it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url, tar_gz
from utils.data.base import read_image
from utils.data.photos import (
    BSDS300,
    TEST_PHOTOS,
    TRAIN_PHOTOS,
    PhotoSet,
    load_sr_photos,
    random_crops,
)

IDS = {"train": ["2092", "8049", "12003", "15004", "16052", "22013"], "test": ["3096", "14037", "19021"]}


def level(iid: str) -> int:
    """The grey level of a miniature photo: a function of its id."""
    return 10 + 7 * (sorted(IDS["train"] + IDS["test"]).index(iid))


def jpeg(value: int, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (value, value, value)).save(buffer, format="JPEG", quality=100)
    return buffer.getvalue()


def miniature_tgz(drop: str | None = None, ids_file: bool = True) -> bytes:
    """BSDS300's layout, with flat photos of 48x32 (landscape) and 32x48 (portrait) as in the real one."""
    members = {}
    for split, ids in IDS.items():
        if ids_file:
            members[f"BSDS300/iids_{split}.txt"] = ("\n".join(ids) + "\n").encode()
        for i, iid in enumerate(ids):
            if iid != drop:
                members[f"BSDS300/images/{split}/{iid}.jpg"] = jpeg(
                    level(iid), (48, 32) if i % 2 else (32, 48)
                )
    return tar_gz(members)


@pytest.fixture
def bsds_registry(use_registry, server, cache):
    """`use(state)`: "online" (the miniature, served locally), "offline" (a closed port),
    "incomplete" (a listed photo missing), "no-ids" (the id lists missing)."""

    def use(state: str = "online", data: bytes | None = None) -> None:
        data = data or miniature_tgz(
            drop="8049" if state == "incomplete" else None, ids_file=state != "no-ids"
        )
        if state == "offline":
            url = closed_port_url("BSDS300-images.tgz")
        else:
            url = server.add("BSDS300-images.tgz", data)
        checksum = hashlib.sha256(data).hexdigest()
        use_registry(
            {
                "name": "bsds300",
                "description": "a miniature BSDS300-images.tgz",
                "urls": [url],
                "checksum": f"sha256:{checksum}",
                "size_bytes": len(data),
                "license": "CC0",
                "notebooks": ["18_super_resolution"],
                "fallback": "bundled photos",
                "archive": True,
                "checksum_source": "computed by the test",
            }
        )

    return use


def identify(photo: torch.Tensor) -> str:
    value = round(photo.mean().item() * 255)
    return next(iid for iid in IDS["train"] + IDS["test"] if abs(level(iid) - value) <= 2)


# --- BSDS300 (the miniature archive, same layout) --------------------------------------------------


def test_full_mode_reads_every_photo_of_both_splits_at_its_own_size(bsds_registry, server, cache, capsys):
    bsds_registry()
    photos = load_sr_photos(smoke=False)
    assert isinstance(photos, PhotoSet) and photos.name == BSDS300
    assert photos.train_names == tuple(IDS["train"]) and photos.test_names == tuple(IDS["test"])
    assert [identify(p) for p in photos.train] == IDS["train"]
    assert [identify(p) for p in photos.test] == IDS["test"]
    assert {tuple(p.shape) for p in photos.train} == {(3, 48, 32), (3, 32, 48)}  # not resized
    assert all(p.dtype == torch.float32 and p.min() >= 0 and p.max() <= 1 for p in photos.train + photos.test)
    assert server.requests == ["/BSDS300-images.tgz"]
    expected = f"DATA: BSDS300, 6 train / 3 test photos (the official splits), verified in {(cache / 'bsds300').resolve()}"
    assert announced(capsys.readouterr().out) == [expected] and photos.source == expected


def test_smoke_draws_a_random_subset_of_each_split_and_a_second_load_hits_the_cache(
    bsds_registry, server, capsys
):
    bsds_registry()
    a = load_sr_photos(smoke=True, seed=1, n_train=4, n_test=2)
    b = load_sr_photos(smoke=True, seed=1, n_train=4, n_test=np.int64(2))
    assert server.requests == ["/BSDS300-images.tgz"]
    assert "CACHE: BSDS300-images.tgz already downloaded and verified (sha256)" in capsys.readouterr().out
    assert len(set(a.train_names)) == 4 and set(a.train_names) <= set(IDS["train"])
    assert len(a.test_names) == 2 and set(a.test_names) <= set(IDS["test"])
    assert [identify(p) for p in a.train] == list(a.train_names)
    assert a.train_names == b.train_names and all(torch.equal(x, y) for x, y in zip(a.train, b.train))
    assert "4 train / 2 test photos (drawn at random from the official splits)" in a.source
    orders = {load_sr_photos(smoke=False, seed=s, n_train=6).train_names for s in range(5)}
    assert len(orders) > 1  # another seed, another draw


def test_smoke_defaults_to_20_and_5_photos_and_says_when_a_split_is_too_small(bsds_registry):
    bsds_registry()  # the miniature holds 6 and 3 photos
    with pytest.raises(ValueError, match="BSDS300 train: asked for 20 photos, but it has only 6"):
        load_sr_photos(smoke=True)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("incomplete", "lists 8049, but .* is missing"),
        ("no-ids", "iids_train.txt is missing: not the BSDS300 layout"),
    ],
)
def test_a_folder_not_in_the_bsds300_layout_is_named(bsds_registry, state, message):
    bsds_registry(state)
    with pytest.raises(ValueError, match=message):
        load_sr_photos(smoke=False)


# --- offline: photos bundled with scikit-image and scikit-learn ------------------------------------


@pytest.mark.parametrize("smoke", [True, False])
def test_offline_uses_bundled_photos_with_held_out_test_photos(bsds_registry, capsys, smoke):
    bsds_registry("offline")
    photos = load_sr_photos(smoke=smoke)
    assert photos.train_names == tuple(TRAIN_PHOTOS) and photos.test_names == tuple(TEST_PHOTOS)
    assert set(photos.train_names).isdisjoint(photos.test_names)
    assert len(photos.train) == 8 and len(photos.test) == 3
    import skimage.data

    assert torch.equal(
        photos.test[0], torch.from_numpy(skimage.data.chelsea()).permute(2, 0, 1).float() / 255
    )
    cameraman = photos.train[photos.train_names.index("cameraman")]
    assert cameraman.shape == (3, 512, 512) and torch.equal(cameraman[0], cameraman[2])  # grey on R, G, B
    for photo in photos.train + photos.test:
        assert photo.dtype == torch.float32 and photo.dim() == 3 and photo.shape[0] == 3
        assert photo.min() >= 0 and photo.max() <= 1 and photo.std() > 0.05  # real photos, not flat
    train_pixels = {hash(p.numpy().tobytes()) for p in photos.train}
    assert all(hash(p.numpy().tobytes()) not in train_pixels for p in photos.test)
    expected = (
        "OFFLINE: BSDS300 could not be downloaded (connection refused by 127.0.0.1) → using 11 photos bundled "
        "with scikit-image and scikit-learn (8 to train on: astronaut, coffee, rocket, china, cameraman, grass, "
        "gravel, brick; 3 held out to test on: cat, flower, coins) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and photos.source == expected


def test_without_scikit_image_a_clear_error(bsds_registry, monkeypatch, capsys):
    bsds_registry("offline")
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(ImportError, match="pip install scikit-image scikit-learn") as info:
        load_sr_photos(smoke=True)
    assert "BSDS300 could not be downloaded (connection refused by 127.0.0.1)" in str(info.value)
    assert announced(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1}, "smoke must be True or False"),
        ({"smoke": True, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "seed": 1.0}, "seed must be a non-negative int"),
        ({"smoke": True, "n_train": 0}, "n_train must be a positive int"),
        ({"smoke": True, "n_test": 2.0}, "n_test must be a positive int"),
        ({"smoke": True, "n_test": True}, "n_test must be a positive int"),
    ],
)
def test_load_sr_photos_checks_its_arguments_before_any_download(bsds_registry, server, kwargs, message):
    bsds_registry()
    with pytest.raises(ValueError, match=message):
        load_sr_photos(**kwargs)
    assert server.requests == []


def test_photo_set_is_frozen(bsds_registry):
    bsds_registry("offline")
    photos = load_sr_photos(smoke=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        photos.source = "something else"


# --- read_photo and random_crops -------------------------------------------------------------------


def test_read_photo_keeps_the_size_and_reads_grey_files_as_rgb(tmp_path):
    picture = np.zeros((30, 50, 3), dtype=np.uint8)
    picture[:, :25, 0] = 255
    Image.fromarray(picture).save(tmp_path / "half.png")
    Image.new("L", (7, 5), 128).save(tmp_path / "grey.png")
    photo, grey = read_image(tmp_path / "half.png"), read_image(str(tmp_path / "grey.png"))
    assert photo.shape == (3, 30, 50) and photo.dtype == torch.float32
    assert photo[0, :, :25].min() == 1 and photo[0, :, 25:].max() == 0 and photo[1:].max() == 0
    assert grey.shape == (3, 5, 7) and torch.allclose(grey, torch.full_like(grey, 128 / 255))
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_image(tmp_path / "missing.jpg")


def test_random_crops_are_unresized_pieces_of_the_photos():
    """Photos whose pixel value encodes (photo, row, column): each crop must be a contiguous block."""
    photos = []
    for k, (h, w) in enumerate([(40, 60), (50, 35)]):
        rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        photos.append(torch.stack([rows, cols, torch.full_like(rows, k)]).double())
    crops = random_crops(photos, count=200, size=33, seed=3)
    assert crops.shape == (200, 3, 33, 33) and crops.dtype == torch.float64
    for crop in crops:
        k = int(crop[2, 0, 0])
        y, x = int(crop[0, 0, 0]), int(crop[1, 0, 0])
        assert torch.equal(crop, photos[k][:, y : y + 33, x : x + 33])
    assert set(crops[:, 2, 0, 0].tolist()) == {0.0, 1.0}  # both photos used
    assert len({(int(c[0, 0, 0]), int(c[1, 0, 0])) for c in crops}) > 50  # many places
    assert torch.equal(crops, random_crops(photos, count=200, size=33, seed=3))
    assert not torch.equal(crops, random_crops(photos, count=200, size=33, seed=4))


@pytest.mark.parametrize(
    ("photos", "kwargs", "message"),
    [
        ([], {}, "non-empty list"),
        (torch.zeros(3, 40, 40), {}, "non-empty list"),
        ([torch.zeros(3, 40, 40), torch.zeros(1, 40, 40)], {}, "the same C"),
        ([torch.zeros(40, 40)], {}, "the same C"),
        ([torch.zeros(3, 40, 20)], {}, "do not fit in photos of size \\(40, 20\\)"),
        ([torch.zeros(3, 40, 40)], {"count": 0}, "count must be a positive int"),
        ([torch.zeros(3, 40, 40)], {"size": 2.0}, "size must be a positive int"),
        ([torch.zeros(3, 40, 40)], {"seed": -2}, "seed must be a non-negative int"),
    ],
)
def test_random_crops_rejects_bad_input(photos, kwargs, message):
    with pytest.raises(ValueError, match=message):
        random_crops(photos, **{"count": 2, "size": 33, **kwargs})


# --- the course mirror's miniature (tests/mirror/bsds300.py) ------------------------------------------


def test_the_mirror_miniature_serves_notebook_18_in_smoke_sizes(bsds_registry):
    """Notebook 18 online reads SMOKE's default 20 / 5 photos and scores centre crops of 120 pixels;
    the photos are real (textured, not flat) and no test photo is a training photo."""
    from tests.mirror.bsds300 import build_bsds300

    bsds_registry(data=build_bsds300())
    photos = load_sr_photos(smoke=True)
    assert len(photos.train) == 20 and len(photos.test) == 5 and photos.name == BSDS300
    assert set(photos.train_names).isdisjoint(photos.test_names)
    for photo in photos.train + photos.test:
        assert min(photo.shape[1:]) >= 120 and photo.std() > 0.05
    assert random_crops(photos.train, count=4, size=33).shape == (4, 3, 33, 33)
