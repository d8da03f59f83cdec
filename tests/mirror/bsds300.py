"""BSDS300 for the test mirror: BSDS300-images.tgz in the real layout, with real photo content.

The real archive holds `BSDS300/images/{train,test}/<id>.jpg` (481x321 or 321x481 JPEGs) and the id
lists `BSDS300/iids_train.txt` and `BSDS300/iids_test.txt`. The miniature has the same layout and
formats, with 24 training and 8 test photos of 180x120 or 120x180 pixels (notebook 18 reads 20 / 5 in
SMOKE mode and scores centre crops of 120 pixels).

The content is REAL: crops of the photos that ship with scikit-image and scikit-learn, the training
photos cut from `utils.data.photos.TRAIN_PHOTOS` and the test photos from `TEST_PHOTOS` only, so the
held-out photos stay held out and a super-resolution model learns real detail from them.

Example:
    >>> data = FILES["bsds300"]()  # doctest: +SKIP
    >>> tarfile.open(fileobj=io.BytesIO(data)).getnames()[:2]  # doctest: +SKIP
    ['BSDS300/iids_train.txt', 'BSDS300/images/train/100000.jpg']
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from tests.conftest import tar_gz
from utils.data.imagenette import bundled_photo
from utils.data.photos import TEST_PHOTOS, TRAIN_PHOTOS

COUNTS = {"train": 24, "test": 8}  # photos per split (SMOKE reads 20 / 5)
SIZE = (120, 180)  # (short, long) side of each photo in pixels; BSDS300's are 321 and 481


def photo_jpeg(photo: torch.Tensor, quality: int = 92) -> bytes:
    """A (3, H, W) uint8-valued float tensor (0-255) as JPEG bytes."""
    array = photo.clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def crops(sources: dict[str, tuple[str, str]], count: int, seed: int) -> list[torch.Tensor]:
    """`count` photos of 180x120 (even i) or 120x180 (odd i) cut from the bundled photos `sources`,
    each a random window of 1 to 2 times that size, downscaled (antialiased) to it."""
    photos = [bundled_photo(*where).float() for where in sources.values()]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        photo = photos[i % len(photos)]
        height, width = (SIZE[0], SIZE[1]) if i % 2 == 0 else (SIZE[1], SIZE[0])
        _, h, w = photo.shape
        zoom = min(rng.uniform(1.0, 2.0), h / height, w / width)
        ch, cw = int(height * zoom), int(width * zoom)
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        window = photo[None, :, y : y + ch, x : x + cw]
        out.append(F.interpolate(window, size=(height, width), mode="bicubic", antialias=True)[0])
    return out


def build_bsds300() -> bytes:
    """BSDS300-images.tgz: the id lists and the JPEGs of both splits, in BSDS300's layout."""
    members: dict[str, bytes] = {}
    for split, sources, first_id, seed in (
        ("train", TRAIN_PHOTOS, 100_000, 0),
        ("test", TEST_PHOTOS, 300_000, 1),
    ):
        photos = crops(sources, COUNTS[split], seed)
        ids = [str(first_id + 7 * i) for i in range(len(photos))]
        members[f"BSDS300/iids_{split}.txt"] = ("\n".join(ids) + "\n").encode()
        for iid, photo in zip(ids, photos):
            members[f"BSDS300/images/{split}/{iid}.jpg"] = photo_jpeg(photo)
    return tar_gz(members)


FILES: dict[str, Callable[[], bytes]] = {"bsds300": build_bsds300}
