"""Tests for utils.data.figures: `make_figures` (generated stick figures), `crop_person` and
`load_coco_people` through its sources.

No internet: the COCO path runs on two miniature zips in the exact layout of the real ones
(annotations/person_keypoints_val2017.json with COCO's fields; val2017/<12-digit id>.jpg, real JPEGs
written with Pillow), served by the local HTTP server of conftest.py through a test registry;
"offline" is a registry whose URLs point at a closed port.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url
from utils.data.figures import (
    FLIP_PAIRS,
    KEYPOINT_NAMES,
    SKELETON,
    Figures,
    PoseData,
    crop_person,
    load_coco_people,
    make_figures,
)
from utils.metrics import COCO_SIGMAS

# --- generated figures -------------------------------------------------------------------------


def test_make_figures_shapes_types_and_flags():
    f = make_figures(40, image_size=64, seed=3)
    assert isinstance(f, Figures) and len(f) == 40
    assert f.images.shape == (40, 3, 64, 64) and f.images.dtype == torch.float32
    assert f.images.min() >= 0 and f.images.max() <= 1
    assert f.keypoints.shape == (40, 17, 2) and f.keypoints.dtype == torch.float32
    assert f.visibility.shape == (40, 17) and f.visibility.dtype == torch.int64
    assert set(f.visibility.unique().tolist()) <= {0, 1, 2} and (f.visibility == 1).any()
    assert ((f.visibility > 0).sum(dim=1) >= 5).all()
    labelled = f.keypoints[f.visibility > 0]
    assert (labelled >= 0).all() and (labelled < 64).all()
    assert (f.keypoints[f.visibility == 0] == 0).all()  # COCO: x = y = 0 where v = 0
    assert ((f.boxes[:, 2:] > f.boxes[:, :2]).all()) and (f.areas > 50).all()
    assert len(KEYPOINT_NAMES) == 17 and len(COCO_SIGMAS) == 17 and len(SKELETON) == 19
    assert all(KEYPOINT_NAMES[a].replace("left", "right") == KEYPOINT_NAMES[b] for a, b in FLIP_PAIRS)


def test_figures_are_seeded_and_sliceable():
    a, b, c = make_figures(6, seed=1), make_figures(6, seed=1), make_figures(6, seed=2)
    assert torch.equal(a.images, b.images) and torch.equal(a.keypoints, b.keypoints)
    assert not torch.equal(a.images, c.images)
    part = a[2:4]
    assert len(part) == 2 and torch.equal(part.keypoints, a.keypoints[2:4]) and len(a[0]) == 1


def test_left_limbs_are_warm_and_on_the_image_right_of_a_front_facing_figure():
    f = make_figures(30, seed=5, occlusion=0.0)
    left, right = f.keypoints[:, 5, 0], f.keypoints[:, 6, 0]  # shoulders
    both = (f.visibility[:, 5] > 0) & (f.visibility[:, 6] > 0)
    assert (left[both] > right[both]).float().mean() > 0.9
    x, y = f.keypoints[:, 7].round().long().clamp(0, 63).T  # left elbows: drawn in a warm colour
    pixels = f.images[torch.arange(30), :, y, x]
    assert (pixels[:, 0] > pixels[:, 2]).float().mean() > 0.7


def test_occlusion_zero_hides_nothing():
    f = make_figures(20, seed=0, occlusion=0.0)
    assert not (f.visibility == 1).any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be a positive int"),
        ({"n": 2.0}, "n must be a positive int"),
        ({"n": 2, "image_size": 16}, "image_size must be an int from 32 to 512"),
        ({"n": 2, "seed": -1}, "seed must be a non-negative int"),
        ({"n": 2, "occlusion": 1.5}, "occlusion must be a probability"),
    ],
)
def test_make_figures_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_figures(**kwargs)


def test_crop_person_maps_keypoints_into_the_crop():
    photo = Image.new("RGB", (200, 100), (10, 20, 30))
    keypoints = np.array([[60.0, 60.0]] * 16 + [[0.0, 0.0]])
    visibility = np.array([2] * 15 + [1, 0])
    crop, k, v, scale = crop_person(photo, (40, 20, 40, 80), keypoints, visibility, 50)
    assert crop.shape == (50, 50, 3) and scale == pytest.approx(0.5)
    np.testing.assert_allclose(k[0], [25.0, 25.0])  # the box centre lands at the crop centre
    assert v.tolist() == visibility.tolist() and (k[16] == 0).all()


# --- COCO person keypoints: a miniature of the two real zips --------------------------------------


def _annotations() -> dict:
    def person(i, image_id, num, crowd=0):
        kp = []
        for k in range(17):
            kp += [20.0 + k, 30.0 + k, 2 if k < num else 0] if k < num else [0, 0, 0]
        return {
            "id": i,
            "image_id": image_id,
            "category_id": 1,
            "iscrowd": crowd,
            "num_keypoints": num,
            "keypoints": kp,
            "bbox": [10.0, 20.0, 40.0, 50.0],
            "area": 1500.0 + i,
            "segmentation": [],
        }

    return {
        "info": {},
        "licenses": [],
        "images": [
            {"id": i, "file_name": f"{i:012d}.jpg", "width": 80, "height": 90} for i in (139, 785, 872, 885)
        ],
        "annotations": [
            person(1, 139, 12),
            person(2, 785, 17),
            person(3, 872, 9),
            person(4, 885, 10),
            person(5, 885, 3),
            person(6, 139, 14, crowd=1),
        ],
        "categories": [
            {
                "id": 1,
                "name": "person",
                "keypoints": list(KEYPOINT_NAMES),
                "skeleton": [[a + 1, b + 1] for a, b in SKELETON],
            }
        ],
    }


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _jpeg(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 90), (value, value, value)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def coco_registry(server, cache, use_registry):
    """use(mode): serve the miniature zips; mode "offline" points at closed ports."""

    def use(mode: str = "ok"):
        annotations = _zip(
            {
                "annotations/person_keypoints_val2017.json": json.dumps(_annotations()).encode(),
                "annotations/instances_val2017.json": b"{}",
            }
        )
        images = _zip({f"val2017/{i:012d}.jpg": _jpeg(40 + i % 200) for i in (139, 785, 872, 885)})
        entries = []
        for name, data, file in (
            ("coco-2017-annotations", annotations, "annotations_trainval2017.zip"),
            ("coco-2017-val-images", images, "val2017.zip"),
        ):
            url = closed_port_url(file) if mode == "offline" else server.add(file, data)
            digest = hashlib.md5(data).hexdigest()
            entries.append(
                {
                    "name": name,
                    "description": "test",
                    "urls": [url],
                    "checksum": f"md5:{digest}",
                    "size_bytes": len(data),
                    "license": "test",
                    "notebooks": ["14_pose_estimation"],
                    "fallback": "the generated stick figures only",
                    "archive": False,
                    "checksum_source": "test",
                }
            )
        use_registry(*entries)

    return use


def test_load_coco_people_reads_the_real_layout(coco_registry, server, capsys):
    coco_registry()
    data = load_coco_people(image_size=32, min_keypoints=8, val_fraction=0.25, seed=0)
    assert isinstance(data, PoseData) and data.name == "COCO val2017 people"
    assert len(data.train) + len(data.val) == 4  # crowds and people with < 8 keypoints are left out
    assert len(data.val) == 1 and data.train.images.shape[1:] == (3, 32, 32)
    everyone = torch.cat([data.train.visibility, data.val.visibility])
    assert sorted((everyone > 0).sum(dim=1).tolist()) == [9, 10, 12, 17]
    scale = 32 / 62  # crop side: round(1.25 * 50) = 62 px
    first = data.train if (data.train.visibility > 0).sum(1).eq(17).any() else data.val
    row = int((first.visibility > 0).sum(1).eq(17).nonzero()[0])
    x0 = round(30 - 62 / 2)
    assert first.keypoints[row, 0, 0].item() == pytest.approx((20 - x0) * scale, abs=1e-4)
    assert first.areas[row].item() == pytest.approx(1502 * scale**2, rel=1e-5)
    assert sorted(server.requests) == ["/annotations_trainval2017.zip", "/val2017.zip"]
    lines = announced(capsys.readouterr().out)
    assert lines == [data.source] and data.source.startswith(
        "DATA: COCO person keypoints (val2017), 3 train / 1 held-out"
    )


def test_load_coco_people_offline_returns_generated_figures_and_says_so(coco_registry, capsys):
    coco_registry("offline")
    data = load_coco_people(image_size=32, max_people=20)
    assert not data.real and len(data.train) + len(data.val) == 20
    assert data.train.keypoints.shape[1:] == (17, 2) and data.train.images.shape[-1] == 32
    [line] = announced(capsys.readouterr().out)
    assert line.startswith(
        "OFFLINE: COCO person keypoints (val2017) could not be downloaded (connection refused"
    )
    assert line.endswith("→ using 16 train / 4 held-out generated stick figures (32x32) instead.")


def test_load_coco_people_keeps_at_most_max_people(coco_registry):
    coco_registry()
    small = load_coco_people(image_size=32, max_people=2, val_fraction=0.5)
    assert len(small.train) + len(small.val) <= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_size": 8}, "image_size must be an int from 32 to 512"),
        ({"max_people": 1}, "max_people must be an int >= 2"),
        ({"min_keypoints": 18}, "min_keypoints must be an int from 1 to 17"),
        ({"val_fraction": 1.0}, "val_fraction must be a number between 0 and 1"),
        ({"seed": -2}, "seed must be a non-negative int"),
    ],
)
def test_load_coco_people_checks_arguments_before_any_download(coco_registry, server, kwargs, message):
    coco_registry()
    with pytest.raises(ValueError, match=message):
        load_coco_people(**kwargs)
    assert server.requests == []


def test_pose_data_is_frozen(coco_registry):
    coco_registry()
    data = load_coco_people(image_size=32)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.source = "x"


def test_the_mirror_miniature_is_read_as_coco_and_has_smoke_sizes(server, cache, use_registry, capsys):
    """tests/mirror/coco.py (notebook 14's online run): crowds and people with few keypoints are left out,
    the rest split by image; enough people for SMOKE's draw; keypoints land on the crops' figures."""
    from tests.mirror.coco import N_PHOTOS, annotations_zip, val_images_zip

    entries = []
    for name, data, file in (
        ("coco-2017-annotations", annotations_zip(), "annotations_trainval2017.zip"),
        ("coco-2017-val-images", val_images_zip(), "val2017.zip"),
    ):
        entries.append(
            {
                "name": name,
                "description": "the test mirror's miniature",
                "urls": [server.add(file, data)],
                "checksum": f"md5:{hashlib.md5(data).hexdigest()}",
                "size_bytes": len(data),
                "license": "test",
                "notebooks": ["14_pose_estimation"],
                "fallback": "the generated stick figures only",
                "archive": False,
                "checksum_source": "test",
            }
        )
    use_registry(*entries)
    data = load_coco_people(image_size=64, seed=14)
    people = len(data.train) + len(data.val)
    assert 60 < people < 2 * N_PHOTOS  # a few left out (too few keypoints), crowds never counted
    assert ((data.train.visibility > 0).sum(dim=1) >= 8).all() and len(data.val) >= 10
    small = load_coco_people(image_size=64, max_people=60, seed=14)
    assert len(small.train) + len(small.val) == 60
    visible = data.train.visibility == 2
    assert (data.train.keypoints[visible] > 0).all() and (data.train.keypoints[visible] < 64).all()
    assert "OFFLINE" not in capsys.readouterr().out
