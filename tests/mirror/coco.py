"""COCO for notebooks 13 and 14: the COCO-trained torchvision weights they fine-tune or run (test-only
random values under the real file names), and a miniature of COCO 2017's person keypoints.

The two zips have the real layout and formats: `annotations_trainval2017.zip` holds
annotations/person_keypoints_val2017.json (COCO's JSON: images, annotations with `keypoints` as 17
(x, y, v) triples, `num_keypoints`, `bbox` (x, y, w, h), `area`, `iscrowd`, and the person category
with its keypoint names and 1-based skeleton) next to another annotation file; `val2017.zip` holds
val2017/<12-digit id>.jpg. Each photo shows two people side by side: stick figures of
utils.data.figures (a pose a network can learn, left limbs warm and right limbs cool), so that a
heatmap network trained on a few dozen of them in SMOKE mode learns something. As in COCO, some
annotations are crowds and some people have too few labelled keypoints: the loader leaves both out.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
from PIL import Image

from utils.data.figures import KEYPOINT_NAMES, SKELETON, make_figures

N_PHOTOS = 45  # two people each: more than SMOKE's 60 people once the few-keypoint ones are left out
SIZE = 128  # each person's half of the photo is SIZE x SIZE pixels

WEIGHTS: list[tuple[str, str]] = [
    ("maskrcnn_resnet50_fpn", "COCO_V1"),  # notebook 13, fine-tuned on Penn-Fudan
    ("keypointrcnn_resnet50_fpn", "COCO_V1"),  # notebook 14, run on COCO person crops
]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # stored, as COCO's zips (JPEGs do not compress)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _photos_and_annotations() -> tuple[dict[str, bytes], dict]:
    figures = make_figures(2 * N_PHOTOS, image_size=SIZE, seed=2017)
    rng = np.random.default_rng(2017)
    images, annotations, photos = [], [], {}
    for p in range(N_PHOTOS):
        image_id = 139 + 1000 * p  # COCO's ids are sparse
        canvas = np.concatenate([figures.images[2 * p + s].permute(1, 2, 0).numpy() for s in (0, 1)], axis=1)
        jpeg = io.BytesIO()
        Image.fromarray((canvas * 255).round().astype(np.uint8)).save(jpeg, format="JPEG", quality=90)
        photos[f"val2017/{image_id:012d}.jpg"] = jpeg.getvalue()
        images.append(
            {"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": 2 * SIZE, "height": SIZE}
        )
        for side in (0, 1):
            i = 2 * p + side
            k = figures.keypoints[i].numpy() + np.array([side * SIZE, 0])
            v = figures.visibility[i].numpy().copy()
            if p % 9 == 4 and side == 1:  # a person with only a few labelled keypoints (left out: < 8)
                v[5:] = 0
            k[v == 0] = 0
            x0, y0, x1, y1 = figures.boxes[i].tolist()
            annotations.append(
                {
                    "id": 900000 + i,
                    "image_id": image_id,
                    "category_id": 1,
                    "iscrowd": 0,
                    "num_keypoints": int((v > 0).sum()),
                    "keypoints": [round(float(c), 2) for row in np.c_[k, v] for c in row],
                    "bbox": [x0 + side * SIZE, y0, x1 - x0, y1 - y0],
                    "area": float(figures.areas[i]),
                    "segmentation": [[x0 + side * SIZE, y0, x1 + side * SIZE, y0, x1 + side * SIZE, y1]],
                }
            )
        if p % 15 == 7:  # a crowd region (left out by the loader, as COCO's own crowds)
            annotations.append(
                {
                    "id": 990000 + p,
                    "image_id": image_id,
                    "category_id": 1,
                    "iscrowd": 1,
                    "num_keypoints": 0,
                    "keypoints": [0] * 51,
                    "bbox": [0.0, 0.0, float(2 * SIZE), float(SIZE // 4)],
                    "area": float(2 * SIZE * SIZE // 4),
                    "segmentation": {"counts": [0, 2 * SIZE * SIZE], "size": [SIZE, 2 * SIZE]},
                }
            )
    order = rng.permutation(len(annotations))  # COCO's files are not sorted by image
    data = {
        "info": {"description": "TEST-ONLY miniature of COCO 2017 person keypoints (tests/mirror/coco.py)"},
        "licenses": [],
        "images": images,
        "annotations": [annotations[i] for i in order],
        "categories": [
            {
                "supercategory": "person",
                "id": 1,
                "name": "person",
                "keypoints": list(KEYPOINT_NAMES),
                "skeleton": [[a + 1, b + 1] for a, b in SKELETON],
            }
        ],
    }
    return photos, data


def annotations_zip() -> bytes:
    _, data = _photos_and_annotations()
    return _zip(
        {
            "annotations/person_keypoints_val2017.json": json.dumps(data).encode(),
            "annotations/captions_val2017.json": json.dumps({"annotations": []}).encode(),
        }
    )


def val_images_zip() -> bytes:
    photos, _ = _photos_and_annotations()
    return _zip(photos)


FILES = {"coco-2017-annotations": annotations_zip, "coco-2017-val-images": val_images_zip}
