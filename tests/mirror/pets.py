"""Oxford-IIIT Pet in miniature (notebook 12): both archives in the real layout, and LR-ASPP's and
MobileNetV2's weights.

images.tar.gz holds images/<id>.jpg; annotations.tar.gz holds annotations/trainval.txt, test.txt,
list.txt, trimaps/<id>.png (1 pet, 2 background, 3 border) with the real archive's `._<id>.png`
resource-fork files, and xmls/. 140 trainval and 52 test photos (notebook 12 reads 128 and 48 in SMOKE
mode), with the real file names (<Breed_name>_<n>, cats capitalised). Learnable: each pet is a warm-coloured
blob (body and head, with darker spots) on a cool, patchy background; its trimap has a 2-pixel border band.
"""

from __future__ import annotations

import io

import numpy as np
import scipy.ndimage
from PIL import Image

from tests.conftest import tar_gz

BREEDS = (
    "Abyssinian",
    "Bengal",
    "Persian",
    "beagle",
    "pug",
    "shiba_inu",
)  # cats capitalised, as in the real one
COUNTS = {"trainval": 140, "test": 52}


def pet_photo(rng: np.random.Generator) -> tuple[bytes, bytes]:
    """One photo (JPEG bytes) and its trimap (PNG bytes: 1 pet, 2 background, 3 border)."""
    width, height = int(rng.integers(90, 130)), int(rng.integers(70, 100))
    blocks = rng.normal((70, 110, 150), 20, (height // 6 + 1, width // 6 + 1, 3))
    photo = blocks.repeat(6, 0).repeat(6, 1)[:height, :width]  # a cool, patchy background
    ys, xs = np.mgrid[0:height, 0:width] + 0.5
    cx, cy = rng.uniform(0.35, 0.65) * width, rng.uniform(0.4, 0.6) * height
    rx, ry = rng.uniform(0.18, 0.3) * width, rng.uniform(0.2, 0.32) * height
    body = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1
    hx, hy, hr = cx + rng.choice([-1, 1]) * rx, cy - 0.7 * ry, 0.45 * ry
    pet = body | ((xs - hx) ** 2 + (ys - hy) ** 2 <= hr**2)
    fur = np.array((200, 140, 60)) + rng.normal(0, 25, 3)
    photo[pet] = fur
    spots = pet & (rng.random((height, width)) < 0.04)
    photo[scipy.ndimage.binary_dilation(spots)] *= 0.5  # darker spots on the fur only
    border = scipy.ndimage.binary_dilation(pet, iterations=2) & ~scipy.ndimage.binary_erosion(
        pet, iterations=2
    )
    trimap = np.where(pet, 1, 2).astype(np.uint8)
    trimap[border] = 3
    jpeg, png = io.BytesIO(), io.BytesIO()
    Image.fromarray(photo.clip(0, 255).astype(np.uint8)).save(jpeg, format="JPEG", quality=90)
    Image.fromarray(trimap).save(png, format="PNG")
    return jpeg.getvalue(), png.getvalue()


def split_lines(ids: list[str]) -> bytes:
    """Split-file lines as the real ones: `<id> <class 1-37> <species 1 cat / 2 dog> <breed id>`."""
    lines = []
    for image_id in ids:
        breed = image_id.rsplit("_", 1)[0]
        k = BREEDS.index(breed)
        lines.append(f"{image_id} {k + 1} {1 if breed[0].isupper() else 2} {k % 3 + 1}\n")
    return "".join(lines).encode()


def pets_archives(counts: dict[str, int] = COUNTS, seed: int = 0) -> dict[str, bytes]:
    """{"images.tar.gz": bytes, "annotations.tar.gz": bytes} in the real layout (see the module doc)."""
    rng = np.random.default_rng(seed)
    splits = {split: [] for split in counts}
    images, trimaps = {}, {}
    number = 0
    for split, count in counts.items():
        for _ in range(count):
            number += 1
            image_id = f"{BREEDS[number % len(BREEDS)]}_{number}"
            splits[split].append(image_id)
            images[f"images/{image_id}.jpg"], trimaps[f"annotations/trimaps/{image_id}.png"] = pet_photo(rng)
    every = [i for ids in splits.values() for i in ids]
    annotations = {
        "annotations/list.txt": b"#Image CLASS-ID SPECIES BREED ID\n" + split_lines(every),
        **{f"annotations/{split}.txt": split_lines(ids) for split, ids in splits.items()},
        "annotations/xmls/Abyssinian_1.xml": b"<annotation></annotation>",
        **trimaps,
        **{f"annotations/trimaps/._{i}.png": b"\x00\x05\x16\x07 not a png" for i in every},
    }
    return {"images.tar.gz": tar_gz(images), "annotations.tar.gz": tar_gz(annotations)}


_BUILT: dict[str, bytes] = {}


def _archive(name: str) -> bytes:
    if not _BUILT:
        _BUILT.update(pets_archives())
    return _BUILT[name]


FILES = {
    "oxford-pets-images": lambda: _archive("images.tar.gz"),
    "oxford-pets-annotations": lambda: _archive("annotations.tar.gz"),
}
WEIGHTS = [("lraspp_mobilenet_v3_large", "COCO_WITH_VOC_LABELS_V1"), ("mobilenet_v2", "IMAGENET1K_V2")]
