"""Tests for utils.data.pennfudan: `parse_annotation`, `read_instance_masks`, `PennFudanDataset` and
`load_pennfudan` through the registry.

No internet: a miniature PennFudanPed.zip in the exact layout of the real one (PennFudanPed/PNGImages/
*.png, PennFudanPed/PedMasks/*_mask.png with one integer id per person and 0 for background,
PennFudanPed/Annotation/*.txt in the PASCAL Annotation 1.00 text the real files use, plus the real
archive's readme.txt and added-object-list.txt) is served by the local HTTP server (conftest.py)
through a test registry; "offline" is a registry whose URL points at a closed port.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url
from utils.data.pennfudan import (
    CLASSES,
    Annotation,
    PennFudanDataset,
    load_pennfudan,
    parse_annotation,
    read_instance_masks,
)
from utils.data.scenes import masks_to_boxes

# name → (width, height, people as (x0, y0, x1, y1) rectangles, pixel edges), and the PNG mode of its mask
PHOTOS = {
    "FudanPed00001": ((40, 30), [(2, 3, 12, 25), (20, 5, 31, 29)], "L"),
    "FudanPed00002": ((36, 28), [(10, 1, 18, 27)], "P"),  # a palette PNG: the values are the ids
    "PennPed00001": ((44, 32), [(1, 2, 9, 20), (15, 4, 25, 31), (30, 0, 43, 18)], "L"),
}


def annotation_text(name: str, size: tuple[int, int], people: list) -> str:
    """An annotation file as the real ones are written (1-based inclusive corners)."""
    labels = " ".join(['"PASpersonWalking"'] * len(people))
    lines = [
        "# Compatible with PASCAL Annotation Version 1.00",
        f'Image filename : "PennFudanPed/PNGImages/{name}.png"',
        f"Image size (X x Y x C) : {size[0]} x {size[1]} x 3",
        'Database : "The Penn-Fudan-Pedestrian Database"',
        f"Objects with ground truth : {len(people)} {{ {labels} }}",
        "# Note there may be some objects not included in the ground truth list for they are severe-occluded",
        "# or have very small size.",
        "# Top left pixel co-ordinates : (1, 1)",
    ]
    for i, (x0, y0, x1, y1) in enumerate(people, start=1):
        lines += [
            f'# Details for pedestrian {i} ("PASpersonWalking")',
            f'Original label for object {i} "PASpersonWalking" : "PennFudanPed"',
            f'Bounding box for object {i} "PASpersonWalking" (Xmin, Ymin) - (Xmax, Ymax) : '
            f"({x0 + 1}, {y0 + 1}) - ({x1}, {y1})",
            f'Pixel mask for object {i} "PASpersonWalking" : "PennFudanPed/PedMasks/{name}_mask.png"',
            "",
        ]
    return "\r\n".join(lines)  # the real files have Windows line ends


def id_map(size: tuple[int, int], people: list) -> np.ndarray:
    ids = np.zeros((size[1], size[0]), dtype=np.uint8)
    for i, (x0, y0, x1, y1) in enumerate(people, start=1):
        ids[y0:y1, x0:x1] = i
    return ids


def png(array: np.ndarray, mode: str) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array, mode="RGB" if array.ndim == 3 else "L")
    if mode == "P":
        image = image.convert("P")  # palette indices equal the ids for a gray image of small values
        image.putpalette([v for i in range(256) for v in ((i * 80) % 256, (i * 40) % 256, 0)])
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo(size: tuple[int, int], index: int) -> np.ndarray:
    """A photo whose red channel says which photo it is."""
    array = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    array[..., 0], array[..., 1] = 40 * (index + 1), np.arange(size[0], dtype=np.uint8)[None, :]
    return array


def miniature_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "PennFudanPed/readme.txt", "Penn-Fudan Database for Pedestrian Detection and Segmentation"
        )
        archive.writestr("PennFudanPed/added-object-list.txt", "objects added to the list")
        for index, (name, (size, people, mode)) in enumerate(PHOTOS.items()):
            archive.writestr(f"PennFudanPed/PNGImages/{name}.png", png(photo(size, index), "RGB"))
            archive.writestr(f"PennFudanPed/PedMasks/{name}_mask.png", png(id_map(size, people), mode))
            archive.writestr(f"PennFudanPed/Annotation/{name}.txt", annotation_text(name, size, people))
    return buffer.getvalue()


@pytest.fixture
def pennfudan_registry(use_registry, server, cache):
    """`use(state)`: the archive "online" (served locally) or "offline" (closed port)."""

    def use(state: str = "online", data: bytes | None = None) -> None:
        data = data or miniature_zip()
        if state == "online":
            url = server.add("PennFudanPed.zip", data)
        else:
            url = closed_port_url("PennFudanPed.zip")
        checksum = hashlib.md5(data).hexdigest()
        use_registry(
            {
                "name": "pennfudan",
                "description": "a miniature PennFudanPed.zip",
                "urls": [url],
                "checksum": f"md5:{checksum}",
                "size_bytes": len(data),
                "license": "CC0",
                "notebooks": ["13_instance_segmentation"],
                "fallback": "generated shape scenes",
                "archive": True,
                "checksum_source": "computed by the test",
            }
        )

    return use


# --- parse_annotation and read_instance_masks ------------------------------------------------


def test_parse_annotation_reads_size_count_and_boxes_in_pixel_edges():
    size, people = PHOTOS["PennPed00001"][:2]
    found = parse_annotation(annotation_text("PennPed00001", size, people))
    assert isinstance(found, Annotation)
    assert (found.width, found.height, found.channels, found.count) == (44, 32, 3, 3)
    assert found.boxes.dtype == torch.float32 and found.boxes.tolist() == [
        list(map(float, p)) for p in people
    ]


def test_parse_annotation_refuses_what_is_not_an_annotation():
    with pytest.raises(ValueError, match="expected an 'Image size"):
        parse_annotation("hello")
    with pytest.raises(ValueError, match="Objects with ground truth"):
        parse_annotation("Image size (X x Y x C) : 4 x 4 x 3")
    text = annotation_text("x", (40, 30), [(0, 0, 5, 5), (6, 6, 9, 9)])
    broken = "\r\n".join(line for line in text.split("\r\n") if "object 2" not in line)
    with pytest.raises(ValueError, match="announces 2 objects but gives 1 boxes"):
        parse_annotation(broken)


@pytest.mark.parametrize("mode", ["L", "P"])
def test_read_instance_masks_gives_one_mask_per_id(tmp_path, mode):
    people = [(2, 3, 12, 25), (20, 5, 31, 29)]
    ids = id_map((40, 30), people)
    ids[ids == 2] = 5  # ids need not be consecutive
    (tmp_path / "m.png").write_bytes(png(ids, mode))
    masks = read_instance_masks(tmp_path / "m.png")
    assert masks.shape == (2, 30, 40) and masks.dtype == torch.bool
    assert torch.equal(masks[0], torch.from_numpy(ids == 1)) and torch.equal(
        masks[1], torch.from_numpy(ids == 5)
    )
    (tmp_path / "rgb.png").write_bytes(png(photo((8, 8), 0), "RGB"))
    with pytest.raises(ValueError, match="one channel of integer ids"):
        read_instance_masks(tmp_path / "rgb.png")


# --- load_pennfudan on the miniature archive -------------------------------------------------


def test_load_pennfudan_reads_every_photo_with_torchvision_targets(pennfudan_registry, server, cache, capsys):
    pennfudan_registry()
    split = load_pennfudan(n_test=1)
    data = split.test.dataset  # both splits are Subsets of the one PennFudanDataset
    assert split.real and len(split.train) == 2 and len(split.test) == 1
    assert sorted(split.train.indices + split.test.indices) == [0, 1, 2]  # a seeded split, disjoint
    assert (
        isinstance(data, PennFudanDataset)
        and len(data) == 3
        and data.classes == CLASSES == ("background", "person")
    )
    assert data.names == sorted(PHOTOS)
    for index, name in enumerate(data.names):
        size, people, _ = PHOTOS[name]
        image, target = data[index]
        assert image.shape == (3, size[1], size[0]) and image.dtype == torch.float32
        assert (
            abs(image[0].mean().item() * 255 - 40 * (list(PHOTOS).index(name) + 1)) < 0.5
        )  # the right photo
        assert sorted(target) == ["area", "boxes", "image_id", "iscrowd", "labels", "masks"]
        masks = target["masks"]
        assert masks.dtype == torch.uint8 and masks.shape == (len(people), size[1], size[0])
        ids = torch.from_numpy(id_map(size, people))
        assert all(torch.equal(masks[i].bool(), ids == i + 1) for i in range(len(people)))
        assert target["boxes"].dtype == torch.float32
        assert target["boxes"].tolist() == [list(map(float, p)) for p in people]
        assert torch.equal(target["boxes"], masks_to_boxes(masks.bool()))
        assert torch.equal(target["boxes"], data.annotation(index).boxes)  # masks and annotation agree here
        assert target["labels"].tolist() == [1] * len(people) and target["labels"].dtype == torch.int64
        assert target["area"].tolist() == [float((x1 - x0) * (y1 - y0)) for x0, y0, x1, y1 in people]
        assert target["iscrowd"].tolist() == [0] * len(people) and target["image_id"] == index
    assert server.requests == ["/PennFudanPed.zip"]
    expected = (
        "DATA: PennFudanPed, 3 photos, 6 pedestrians (boxes and instance masks), "
        f"verified in {(cache / 'pennfudan').resolve()}"
    )
    assert announced(capsys.readouterr().out) == [expected]


def test_load_pennfudan_offline_returns_generated_scenes_in_the_same_format(pennfudan_registry, capsys):
    pennfudan_registry("offline")
    data = load_pennfudan(task="instance", image_size=64, substitute_sizes=(6, 3))
    (line,) = announced(capsys.readouterr().out)
    assert line.startswith("OFFLINE: PennFudanPed could not be downloaded (connection refused")
    assert line.endswith("→ using 6 train / 3 test generated shape scenes (64x64, instance targets) instead.")
    assert not data.real and (len(data.train), len(data.test)) == (6, 3)
    image, target = data.train[0]
    assert image.shape == (3, 64, 64) and {"boxes", "labels", "masks"} <= set(target)


def test_load_pennfudan_checks_its_arguments_before_any_download(pennfudan_registry, server):
    pennfudan_registry()
    with pytest.raises(ValueError, match="task must be one of"):
        load_pennfudan(task="pose")
    with pytest.raises(ValueError, match="n_test must be a positive int"):
        load_pennfudan(n_test=0)
    assert server.requests == []
    with pytest.raises(ValueError, match="n_test must be below its 3 photos"):
        load_pennfudan(n_test=3)


# --- PennFudanDataset on a folder ------------------------------------------------------------


def extracted(tmp_path) -> PennFudanDataset:
    with zipfile.ZipFile(io.BytesIO(miniature_zip())) as archive:
        archive.extractall(tmp_path)
    return PennFudanDataset(tmp_path / "PennFudanPed")


def test_dataset_indexing_and_its_errors(tmp_path):
    data = extracted(tmp_path)
    assert torch.equal(data[-1][0], data[2][0]) and data[-1][1]["image_id"] == 2
    with pytest.raises(IndexError, match="index 3 out of range for 3 photos"):
        data[3]
    (tmp_path / "PennFudanPed" / "PedMasks" / "PennPed00001_mask.png").unlink()
    with pytest.raises(ValueError, match="photo PennPed00001.png has no PedMasks/PennPed00001_mask.png"):
        PennFudanDataset(tmp_path / "PennFudanPed")
    with pytest.raises(ValueError, match=r"missing \['PNGImages', 'PedMasks', 'Annotation'\]"):
        PennFudanDataset(tmp_path)


def test_dataset_refuses_a_mask_of_another_size(tmp_path):
    data = extracted(tmp_path)
    size, people, _ = PHOTOS["FudanPed00002"]
    (tmp_path / "PennFudanPed" / "PedMasks" / "FudanPed00002_mask.png").write_bytes(
        png(id_map((size[0] + 1, size[1]), people), "L")
    )
    with pytest.raises(ValueError, match="FudanPed00002: the mask is"):
        data[1]


# --- the course mirror's miniature (tests/mirror/pennfudan.py) -------------------------------


def test_the_mirror_miniature_has_60_photos_of_1_to_3_people_as_the_real_files_say(
    pennfudan_registry, capsys
):
    """Notebooks 11 and 13 online read it: 60 photos, 1 to 3 people each, masks and annotation boxes agreeing."""
    from tests.mirror.pennfudan import pennfudan_zip

    pennfudan_registry(data=pennfudan_zip())
    data = load_pennfudan(n_test=10).test.dataset
    assert len(data) == 60 and data.names[0] == "FudanPed00001" and data.names[-1] == "PennPed00030"
    counts = []
    for i in range(len(data)):
        image, target = data[i]
        counts.append(len(target["boxes"]))
        assert torch.equal(target["boxes"], data.annotation(i).boxes)  # the file's boxes = the masks' boxes
        assert image.shape[1:] == target["masks"].shape[1:] and target["area"].min() > 200
    assert sorted(set(counts)) == [1, 2, 3] and sum(counts) == 120
    assert announced(capsys.readouterr().out)[0].startswith("DATA: PennFudanPed, 60 photos, 120 pedestrians")
