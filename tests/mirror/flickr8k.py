"""Flickr8k for the test mirror: Flickr8k_text.zip and Flickr8k_Dataset.zip in the real layout.

The real text archive holds, at its top level, `Flickr8k.token.txt` (lines
`<image>.jpg#<k><TAB><caption>`, k = 0..4: five captions per photo) and the official lists
`Flickr_8k.trainImages.txt`, `Flickr_8k.devImages.txt` and `Flickr_8k.testImages.txt`; the image
archive holds the JPEGs in `Flicker8k_Dataset/` (sic), with macOS `__MACOSX/…/._<name>` entries beside
them. The miniature has the same files and formats: 320 / 70 / 70 listed photos (notebook 17 draws
300 / 60 / 60 in SMOKE mode), landscape JPEGs of 112x84 pixels, five captions each, written as
Flickr8k's are ("A red circle to the left of a blue square .").

TEST-ONLY content: no captioned photos ship offline, so each photo is a generated scene
(`utils.data.scenes`, one or two coloured shapes, centred on a wider background) and its captions are
the grammar's paraphrases of it (`utils.data.captions.scene_captions`) plus one or two more, five
distinct captions per photo, as Flickr8k's five annotators write five different ones. A captioner
learns from them as from real captions; unlike the offline fallback, the test list is drawn like the
training list (no held-out colour-shape pairs), as Flickr8k's is.

Example:
    >>> text = zipfile.ZipFile(io.BytesIO(FILES["flickr8k-text"]()))  # doctest: +SKIP
    >>> text.read("Flickr8k.token.txt").decode().splitlines()[0]  # doctest: +SKIP
    '1000000000_42c57faa00.jpg#0\tA white circle .'
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable

import numpy as np
from PIL import Image

from utils.data.captions import caption_scenes

COUNTS = {"train": 320, "val": 70, "test": 70}  # photos per official list (SMOKE draws 300 / 60 / 60)
LISTS = {
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
SCENE, WIDTH = 84, 112  # each photo: a SCENE x SCENE scene centred on a WIDTH x SCENE background
CAPTIONS_PER_PHOTO = 5


def flickr_caption(text: str) -> str:
    """A grammar caption written as Flickr8k's are: a capital first letter, a spaced full stop."""
    return f"{text[0].upper()}{text[1:]} ."


def five_captions(refs: list[str]) -> list[str]:
    """The grammar's 3 (one object) or 4 (two objects) paraphrases, and more of the same kind: 5 in all."""
    if len(refs) == 3:  # "a red circle", "there is a red circle", "a single red circle"
        a = refs[0].removeprefix("a ")
        more = [f"one {a} on the floor", f"a {a} standing alone"]
    else:  # refs[2] is "a <left> and a <right>"
        a, b = refs[2].removeprefix("a ").split(" and a ")
        more = [f"a {b} and a {a}"]
    return [flickr_caption(text) for text in [*refs, *more]][:CAPTIONS_PER_PHOTO]


def photo_name(split: str, i: int) -> str:
    """A Flickr-like file name, e.g. '1000000003_0a1b2c3d4e.jpg' (unique per split and index)."""
    number = 1_000_000_000 + 1_000 * list(COUNTS).index(split) + i
    return f"{number}_{number * 2654435761 % 16**10:010x}.jpg"


def landscape_jpeg(square: np.ndarray) -> bytes:
    """A scene (S, S, 3) uint8 centred on a wider canvas (its border columns repeated), as JPEG."""
    pad = (WIDTH - square.shape[1]) // 2
    wide = np.pad(square, ((0, 0), (pad, WIDTH - square.shape[1] - pad), (0, 0)), mode="edge")
    buffer = io.BytesIO()
    Image.fromarray(wide).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@functools.cache
def photos() -> dict[str, tuple[list[str], list[bytes], list[list[str]]]]:
    """split → (file names, JPEG bytes, five captions each)."""
    out = {}
    for k, (split, count) in enumerate(COUNTS.items()):
        scenes = caption_scenes(count, SCENE, seed=1_000 + k, held_out=())
        names = [photo_name(split, i) for i in range(count)]
        jpegs = [landscape_jpeg(image.permute(1, 2, 0).numpy()) for image in scenes.images]
        captions = [five_captions(refs) for refs in scenes.captions]
        out[split] = (names, jpegs, captions)
    return out


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2012, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def build_text() -> bytes:
    """Flickr8k_text.zip: the caption file and the three official lists, at the top level."""
    lines = [
        f"{name}#{k}\t{caption}"
        for names, _, captions in photos().values()
        for name, refs in zip(names, captions)
        for k, caption in enumerate(refs)
    ]
    members = {"Flickr8k.token.txt": ("\n".join(lines) + "\n").encode()}
    for split, list_name in LISTS.items():
        members[list_name] = ("\n".join(photos()[split][0]) + "\n").encode()
    members["readme.txt"] = b"TEST-ONLY miniature of Flickr8k_text.zip (tests/mirror/flickr8k.py)\n"
    return _zip(members)


def build_images() -> bytes:
    """Flickr8k_Dataset.zip: every photo in Flicker8k_Dataset/, and two macOS resource-fork entries."""
    members = {}
    for names, jpegs, _ in photos().values():
        members |= {f"Flicker8k_Dataset/{name}": data for name, data in zip(names, jpegs)}
    for name in photos()["train"][0][:2]:
        members[f"__MACOSX/Flicker8k_Dataset/._{name}"] = b"\x00\x05\x16\x07 not a JPEG"
    return _zip(members)


FILES: dict[str, Callable[[], bytes]] = {"flickr8k-text": build_text, "flickr8k-images": build_images}
WEIGHTS: list[tuple[str, str]] = [("resnet18", "IMAGENET1K_V1")]  # the encoder of notebook 17
