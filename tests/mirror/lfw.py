"""A miniature LFW for notebook 15, in the real layout: `lfw-funneled` (a tgz of
lfw_funneled/<Name>/<Name>_NNNN.jpg, 250x250 JPEG) and `lfw-pairs-devtest` (pairsDevTest.txt: a
header line, genuine lines `name n1 n2`, then impostor lines `name1 n1 name2 n2`, tab-separated).

Each person is a generated identity (utils.data.faces.render_faces) drawn into the face region of
the photo that the loader crops (LFW_CROP), on a background of its own: the same person looks alike
from photo to photo and different people differ, so an embedding can learn them, as on real LFW.
As in LFW, the number of photos per person varies: some test people have a single photo (impostor
pairs only) and some training people too few for SMOKE's "4 or more" rule.

Sizes cover SMOKE (40 training people with 4-8 photos: here 7-10 each, 50 + 50 test pairs drawn from the listed ones)
and leave some choice: 48 training people, 60 genuine and 60 impostor pairs.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from tests.conftest import tar_gz
from utils.data.faces import LFW_CROP, make_identities, render_faces

N_TRAIN, N_FEW, N_GENUINE, N_IMPOSTOR = 48, 12, 60, 60
SEED = 16


def _people() -> dict[str, int]:
    """Name → number of photos: training people (4-9 photos), few-photo people (1-3), test people."""
    rng = np.random.default_rng(SEED)
    people = {f"Train_Person_{k:02d}": int(rng.integers(7, 11)) for k in range(N_TRAIN)}
    people |= {f"Few_Photos_{k:02d}": int(rng.integers(1, 4)) for k in range(N_FEW)}
    people |= {f"Test_Person_{k:02d}": int(rng.integers(2, 5)) for k in range(N_GENUINE)}
    people |= {f"Test_Single_{k:02d}": 1 for k in range(N_IMPOSTOR // 2)}  # impostor pairs only
    return people


def pairs_text(people: dict[str, int] | None = None) -> str:
    """pairsDevTest.txt: the count, N_GENUINE genuine lines, then N_IMPOSTOR impostor lines."""
    people = people or _people()
    rng = np.random.default_rng(SEED + 1)
    genuine = [name for name in people if name.startswith("Test_Person")]
    single = [name for name in people if name.startswith("Test_Single")]
    lines = [str(N_GENUINE)]
    for name in genuine:
        n1, n2 = sorted(rng.choice(np.arange(1, people[name] + 1), size=2, replace=False).tolist())
        lines.append(f"{name}\t{n1}\t{n2}")
    for k in range(N_IMPOSTOR):
        a, b = single[k % len(single)], genuine[(7 * k) % len(genuine)]
        lines.append(f"{a}\t1\t{b}\t{int(rng.integers(1, people[b] + 1))}")
    return "\n".join(lines) + "\n"


def lfw_funneled_tgz() -> bytes:
    """lfw_funneled/<Name>/<Name>_NNNN.jpg for every person of `_people()`, 250x250 JPEG."""
    people = _people()
    names = list(people)
    labels = torch.tensor([k for k, name in enumerate(names) for _ in range(people[name])])
    left, top, right, bottom = LFW_CROP
    # drawn at 48 px and enlarged into the crop region (drawing at 125 px takes ten times longer)
    faces = render_faces(make_identities(len(names), seed=SEED), labels, image_size=48, seed=SEED)
    faces = (faces.permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy()
    rng = np.random.default_rng(SEED + 2)
    members, counter = {}, dict.fromkeys(names, 0)
    for face, label in zip(faces, labels.tolist()):
        name = names[label]
        counter[name] += 1
        photo = Image.new(
            "RGB", (250, 250), tuple(rng.integers(25, 230, 3).tolist())
        )  # a background of its own
        crop = Image.fromarray(face).resize((right - left, bottom - top), Image.Resampling.BILINEAR)
        photo.paste(crop, (left, top))
        jpeg = io.BytesIO()
        photo.save(jpeg, format="JPEG", quality=90)
        members[f"lfw_funneled/{name}/{name}_{counter[name]:04d}.jpg"] = jpeg.getvalue()
    return tar_gz(members)


FILES = {
    "lfw-funneled": lfw_funneled_tgz,
    "lfw-pairs-devtest": lambda: pairs_text().encode(),
}
