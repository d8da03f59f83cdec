"""Faces for verification and identification: LFW online, generated identities offline.

`load_faces` tries, in order, and says in one line which one it used:

1. **LFW** (Labeled Faces in the Wild, funneled version: 13,233 photos of 5,749 people, 250x250
   JPEG), downloaded through the registry from the figshare mirror scikit-learn uses, with the
   sha256 scikit-learn publishes (`lfw-funneled`, `lfw-pairs-devtest`). The test set is LFW's
   `pairsDevTest.txt` (500 genuine and 500 impostor pairs); training uses only people who appear
   in none of those pairs, so every test identity is new to the model. Each photo is cropped
   around the face (rows 70-195, columns 63-188, as scikit-learn's default crop) and resized.
2. Offline: **generated identities**. An identity is a fixed vector of `N_PARAMS` numbers in
   [0, 1] (face shape, skin tone, hair, eye spacing and size, nose, mouth, iris colour, ...);
   `render_faces` draws one picture of it per call, with its own pose (roll, yaw, scale, shift),
   expression, lighting, background and pixel noise. Test identities are drawn apart from the
   training identities: never seen in training either.

Example:
    >>> faces = load_faces(smoke=True, image_size=32)  # doctest: +SKIP
    OFFLINE: LFW could not be downloaded (no network: ...) → using generated faces: 40 training ...
    >>> faces.train.tensors[0].shape, faces.pairs.shape  # doctest: +SKIP
    (torch.Size([400, 3, 32, 32]), torch.Size([1800, 2]))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from utils.archives import extract
from utils.checks import check_flag, check_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch

# What each of an identity's numbers sets (all in [0, 1]; the renderer maps them to sizes and colours).
PARAMS = (
    "face width",
    "face height",
    "skin tone",
    "hair colour",
    "hair length",
    "eye spacing",
    "eye height",
    "eye size",
    "nose length",
    "mouth width",
    "mouth height",
    "iris colour",
    "eyebrow thickness",
)
N_PARAMS = len(PARAMS)
LFW = "LFW (funneled)"
LFW_CROP = (63, 70, 188, 195)  # (left, top, right, bottom) of the 250x250 photo: the face and a margin
# (train identities, images per train identity, test identities, images per test identity)
GENERATED_SIZES = {True: (40, 10, 20, 10), False: (400, 20, 100, 10)}
SMOKE_SIZES = LFW_SMOKE = (
    40,
    8,
    100,
)  # SMOKE, a subset of LFW: train identities, images per identity (at most), test pairs
LFW_MAX_PER_IDENTITY = 20  # full mode: at most this many photos per training identity (G. W. Bush has 530)
IMAGE_SIZES = (16, 250)

_SKIN = np.array([[0.97, 0.84, 0.74], [0.87, 0.66, 0.50], [0.62, 0.42, 0.28], [0.36, 0.22, 0.14]])
_HAIR = np.array([[0.90, 0.78, 0.50], [0.55, 0.33, 0.15], [0.25, 0.15, 0.08], [0.06, 0.05, 0.05]])
_IRIS = np.array([[0.25, 0.45, 0.80], [0.30, 0.55, 0.35], [0.40, 0.25, 0.10]])


@dataclass(frozen=True, kw_only=True)
class FaceData(Splits):
    """Face images of training identities, of unseen test identities, and verification pairs.

    `train`: `TensorDataset(images, labels)`: images (N, 3, S, S) float32 in [0, 1], labels (N,)
    int64 identity ids 0 .. len(train_names) - 1; `test`: the same for the test identities (none of
    them in `train`). Extras:

    Attributes:
        pairs: (P, 2) int64 indices into `test` of the verification pairs.
        same: (P,) int64: 1 for a genuine pair (same identity), 0 for an impostor pair.
        train_names, test_names: a name per identity id.
        identities: generated faces: the (n_train + n_test, N_PARAMS) parameter vectors (training
            identities first); None for LFW.

    Example:
        >>> FaceData(train=None, pairs=torch.zeros(0, 2), same=torch.zeros(0)).identities is None
        True
    """

    pairs: Tensor
    same: Tensor
    train_names: tuple[str, ...] = ()
    test_names: tuple[str, ...] = ()
    identities: Tensor | None = None


# ---------------------------------------------------------------------------------------------
# Generated identities
# ---------------------------------------------------------------------------------------------


def make_identities(n: int, seed: int = 0) -> Tensor:
    """`n` random identities: each a vector of `N_PARAMS` numbers in [0, 1] (see `PARAMS`).

    Example:
        >>> make_identities(3, seed=0).shape
        torch.Size([3, 13])
    """
    n, seed = check_int(n, "n", 1), check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.uniform(0, 1, (n, N_PARAMS))).float()


def _palette(colours: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours along a path through `colours` (K, 3) at positions t in [0, 1]: shape t.shape + (3,)."""
    x = t * (len(colours) - 1)
    low = np.clip(np.floor(x).astype(int), 0, len(colours) - 2)
    w = (x - low)[..., None]
    return colours[low] * (1 - w) + colours[low + 1] * w


def _render_chunk(p: np.ndarray, rng: np.random.Generator, size: int, jitter: float) -> np.ndarray:
    """Draw one face per row of p (M, N_PARAMS) with random pose, light and noise: (M, S, S, 3).

    Everything is float32 (numpy's random numbers, float64, are cast): float64 arrays took twice as long
    for full mode's 9,000 generated faces.
    """
    m = len(p)
    col = lambda i: p[:, i][:, None, None]  # noqa: E731 (a parameter as an (M, 1, 1) array)
    rnd = lambda *shape: rng.standard_normal((m, *shape), dtype=np.float32)  # noqa: E731
    soft = 1.5 / size  # edges blur over about a pixel: no jagged outlines
    grid = ((np.arange(size) + 0.5) / size * 2 - 1).astype(np.float32)
    v, u = np.meshgrid(grid, grid, indexing="ij")  # v down, u right, both in [-1, 1]
    # pose: roll (in-plane rotation), scale, shift; yaw moves the inner features sideways
    roll = np.deg2rad(10 * jitter * rnd(1, 1))
    scale = np.exp(0.08 * jitter * rnd(1, 1))
    tx, ty = 0.06 * jitter * rnd(1, 1), 0.06 * jitter * rnd(1, 1)
    yaw = 0.12 * jitter * rng.uniform(-1, 1, (m, 1, 1)).astype(np.float32)
    du, dv = (u - tx) / scale, (v - ty) / scale
    x, y = np.cos(roll) * du + np.sin(roll) * dv, -np.sin(roll) * du + np.cos(roll) * dv
    y = y + 0.05  # the face a little above the centre, room for the chin

    def inside(d: np.ndarray) -> np.ndarray:  # d < 0 inside a shape, in face units
        return np.clip(0.5 - d / (2 * soft), 0, 1)  # 1 inside, 0 outside, a linear ramp across the edge

    def ellipse(cx, cy, rx, ry) -> np.ndarray:
        r = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
        return inside((r - 1) * np.minimum(rx, ry))

    def paint(image, mask, colour) -> np.ndarray:  # cover `image` with `colour` where `mask` is 1
        image += mask[..., None] * (np.asarray(colour, dtype=np.float32) - image)
        return image

    a, b = 0.50 + 0.16 * col(0), 0.66 + 0.16 * col(1)
    a = a * (1 - 0.5 * np.abs(yaw))  # a turned head looks narrower
    skin = _palette(_SKIN, p[:, 2])[:, None, None, :]
    hair = _palette(_HAIR, p[:, 3])[:, None, None, :]
    colour = (rng.uniform(0.2, 0.9, (m, 1, 1, 1)) * rng.uniform(0.8, 1.0, (m, 1, 1, 3))).astype(np.float32)
    background = np.clip(0.55 + jitter * (colour - 0.55), 0, 1)  # jitter 0: always the same grey
    image = np.broadcast_to(background, (m, size, size, 3)).astype(np.float32)
    hair_bottom = -0.2 + 0.9 * col(4)  # long hair falls to the shoulders
    behind = ellipse(0, -0.06, a * 1.16, b * 1.06 + 0.1 * col(4)) * inside(y - hair_bottom)
    image = paint(image, behind, hair)
    face = ellipse(0, 0, a, b)
    image = paint(image, face, skin)
    fringe = face * inside(y - (-b * (0.62 - 0.25 * col(4) * 0.4)))
    image = paint(image, fringe, hair)
    shift = yaw * 1.0
    ex, ey, er = 0.15 + 0.14 * col(5), -0.24 + 0.18 * col(6), 0.06 + 0.05 * col(7)
    iris = _palette(_IRIS, p[:, 11])[:, None, None, :]
    brow = 0.015 + 0.03 * col(12)
    for side in (-1, 1):
        cx = side * ex + shift
        image = paint(image, ellipse(cx, ey, er * 1.5, er * 0.85), np.array([0.96, 0.96, 0.94]))
        image = paint(image, ellipse(cx, ey, er * 0.62, er * 0.62), iris)
        image = paint(image, ellipse(cx, ey, er * 0.28, er * 0.28), np.zeros(3))
        bar = inside(np.maximum(np.abs(y - (ey - er * 1.7)) - brow, np.abs(x - cx) - er * 1.5))
        image = paint(image, bar, hair * 0.7)
    nose_length = 0.14 + 0.16 * col(8)
    nose = ellipse(shift * 1.4, ey + 0.06 + nose_length / 2, 0.045, nose_length / 2)
    image = paint(image, nose, skin * 0.78)
    mw, my = 0.14 + 0.16 * col(9), 0.30 + 0.16 * col(10)
    smile = 0.6 + 0.5 * jitter * rnd(1, 1)  # expression: how much the corners go up
    centre_line = my - smile * ((x - shift) ** 2 - mw**2)  # v points down: the corners curve up
    lips = inside(np.maximum(np.abs(y - centre_line) - 0.035, np.abs(x - shift) - mw))
    image = paint(image, lips, np.array([0.72, 0.28, 0.30]))
    # lighting: a brightness gradient from a random side, and an overall gain; then sensor noise
    angle = rng.uniform(0, 2 * np.pi, (m, 1, 1)).astype(np.float32)
    strength = 0.45 * jitter * rng.uniform(0, 1, (m, 1, 1)).astype(np.float32)
    gain = np.exp(0.15 * jitter * rnd(1, 1))
    light = gain * (1 + strength * (u * np.cos(angle) + v * np.sin(angle)))
    image = image * light[..., None] + 0.03 * jitter * rng.standard_normal(image.shape, dtype=np.float32)
    return np.clip(image, 0, 1)


def render_faces(
    identities: Tensor, labels: Tensor, image_size: int = 32, seed: int = 0, jitter: float = 1.0
) -> Tensor:
    """Draw one picture of identity `labels[i]` for each i: same face, new pose, light and noise.

    Args:
        identities: (K, N_PARAMS) parameter vectors in [0, 1], e.g. from `make_identities`.
        labels: (N,) int64 ids into `identities`: which identity each picture shows.
        image_size: side of the square pictures in pixels (16 to 250).
        seed: seed of the jitter (pose, expression, lighting, background, noise).
        jitter: 0 draws every picture of an identity identically; 1 is the default variation.

    Returns:
        A float32 tensor (N, 3, image_size, image_size) in [0, 1].

    Example:
        >>> render_faces(make_identities(2), torch.tensor([0, 0, 1]), image_size=32).shape
        torch.Size([3, 3, 32, 32])
    """
    identities = torch.as_tensor(identities)
    if identities.dim() != 2 or identities.shape[1] != N_PARAMS:
        raise ValueError(f"identities must have shape (K, {N_PARAMS}), got {tuple(identities.shape)}")
    if not bool(((identities >= 0) & (identities <= 1)).all()):
        raise ValueError("identities must hold numbers in [0, 1] (see make_identities)")
    labels = torch.as_tensor(labels)
    if labels.dim() != 1 or labels.dtype not in (torch.int32, torch.int64):
        raise ValueError(
            f"labels must be a 1-D integer tensor of identity ids, got {labels.dtype} {tuple(labels.shape)}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(identities)):
        raise ValueError(f"labels must be ids from 0 to {len(identities) - 1}")
    size = check_int(image_size, "image_size", *IMAGE_SIZES)
    if isinstance(jitter, bool) or not isinstance(jitter, (int, float)) or not 0 <= jitter <= 3:
        raise ValueError(f"jitter must be a number from 0 to 3, got {jitter!r}")
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    p = identities.float().numpy()[labels.numpy()]
    chunks = [_render_chunk(p[i : i + 512], rng, size, float(jitter)) for i in range(0, len(p), 512)]
    images = np.concatenate(chunks) if chunks else np.zeros((0, size, size, 3))
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().contiguous()


def _balanced_pairs(labels: Tensor, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
    """Every genuine pair (i < j, same label) and as many random impostor pairs (different labels)."""
    y = labels.numpy()
    i, j = np.triu_indices(len(y), k=1)
    genuine = np.stack([i[y[i] == y[j]], j[y[i] == y[j]]], axis=1)
    impostor_all = np.stack([i[y[i] != y[j]], j[y[i] != y[j]]], axis=1)
    impostor = impostor_all[rng.choice(len(impostor_all), size=len(genuine), replace=False)]
    pairs = np.concatenate([genuine, impostor])
    same = np.concatenate([np.ones(len(genuine)), np.zeros(len(impostor))]).astype(np.int64)
    order = rng.permutation(len(pairs))
    return torch.from_numpy(pairs[order]).long(), torch.from_numpy(same[order])


def generated_faces(
    n_train: int, per_train: int, n_test: int, per_test: int, image_size: int = 32, seed: int = 0
) -> tuple[TensorDataset, TensorDataset, Tensor, Tensor, Tensor]:
    """Generated training and test identities (disjoint), their pictures, and balanced test pairs.

    Returns:
        `(train, test, pairs, same, identities)`: TensorDatasets of (images, identity ids) with the
        identities taking turns, (P, 2) test pair indices, (P,) 1/0 genuine flags (every genuine
        pair of the test set and as many random impostor pairs), and the (n_train + n_test,
        N_PARAMS) identity vectors.

    Example:
        >>> train, test, pairs, same, ids = generated_faces(4, 3, 2, 3, image_size=16)
        >>> len(train), len(test), pairs.shape, int(same.sum())
        (12, 6, torch.Size([12, 2]), 6)
    """
    sizes = [
        check_int(v, k, 1) for k, v in [("n_train", n_train), ("per_train", per_train), ("n_test", n_test)]
    ]
    n_train, per_train, n_test = sizes
    per_test = check_int(per_test, "per_test", 2)
    if n_test < 2:
        raise ValueError(f"n_test must be at least 2 (impostor pairs need two identities), got {n_test}")
    identities = make_identities(n_train + n_test, seed)
    train_labels = torch.arange(n_train).repeat(per_train)
    test_labels = torch.arange(n_test).repeat(per_test)
    train = TensorDataset(render_faces(identities, train_labels, image_size, seed), train_labels)
    test_images = render_faces(identities, test_labels + n_train, image_size, seed + 1)
    pairs, same = _balanced_pairs(test_labels, np.random.default_rng(seed))
    return train, TensorDataset(test_images, test_labels), pairs, same, identities


# ---------------------------------------------------------------------------------------------
# LFW
# ---------------------------------------------------------------------------------------------


def read_pairs(path: str | os.PathLike) -> list[tuple[str, int, str, int]]:
    """Read an LFW pairs file (`pairsDevTest.txt`, `pairsDevTrain.txt`, `pairs.txt`).

    Lines with 3 tab-separated fields are genuine pairs (`name, n1, n2`), with 4 impostor pairs
    (`name1, n1, name2, n2`); image numbers count from 1. Header lines (fewer fields) are skipped.

    Returns:
        One `(name1, n1, name2, n2)` per pair (name1 == name2 for a genuine pair).

    Example:
        >>> read_pairs("pairsDevTest.txt")[0]  # doctest: +SKIP
        ('Abdel_Madi_Shabneh', 1, 'Abdel_Madi_Shabneh', 2)
    """
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.strip().split("\t")
        if len(fields) < 3:
            continue
        try:
            if len(fields) == 3:
                pairs.append((fields[0], int(fields[1]), fields[0], int(fields[2])))
            elif len(fields) == 4:
                pairs.append((fields[0], int(fields[1]), fields[2], int(fields[3])))
            else:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{path}, line {number}: expected 'name<TAB>n1<TAB>n2' or 'name1<TAB>n1<TAB>name2<TAB>n2', got {line!r}"
            ) from None
    if not pairs:
        raise ValueError(f"{path} holds no pairs: is it an LFW pairs file?")
    return pairs


def _read_face(path: Path, image_size: int) -> Tensor:
    if not path.is_file():
        raise ValueError(
            f"{path} is missing: the archive is not laid out as lfw_funneled/<Name>/<Name>_NNNN.jpg"
        )
    return read_image(path, image_size, fit="stretch", box=LFW_CROP)


def _photo(folder: Path, name: str, number: int) -> Path:
    return folder / name / f"{name}_{number:04d}.jpg"


def _lfw_folder() -> Path:
    """The extracted lfw_funneled folder. The figshare URL has no file name, so the download is
    linked as lfw-funneled.tgz for `extract` to see what it is."""
    download = fetch("lfw-funneled")
    archive = download.with_name("lfw-funneled.tgz")
    if not archive.exists():
        try:
            archive.symlink_to(download.name)
        except OSError:  # no symlinks (some Windows set-ups): a hard link, or a copy
            try:
                os.link(download, archive)
            except OSError:
                import shutil

                shutil.copyfile(download, archive)
    root = extract(archive)
    return root if root.name == "lfw_funneled" else root / "lfw_funneled"


def _lfw(smoke: bool, image_size: int, rng: np.random.Generator):
    """(train, test, pairs, same, train names, test names, details) from LFW."""
    listed = read_pairs(fetch("lfw-pairs-devtest"))
    folder = _lfw_folder()
    if smoke:  # a balanced subset of the test pairs
        genuine = [k for k, q in enumerate(listed) if q[0] == q[2]]
        impostor = [k for k, q in enumerate(listed) if q[0] != q[2]]
        half = LFW_SMOKE[2] // 2
        keep = sorted(rng.permutation(genuine)[:half].tolist() + rng.permutation(impostor)[:half].tolist())
        listed = [listed[k] for k in keep]
    test_names = sorted({q[0] for q in listed} | {q[2] for q in listed})
    photos = sorted({(q[0], q[1]) for q in listed} | {(q[2], q[3]) for q in listed})
    index = {photo: k for k, photo in enumerate(photos)}
    test_images = torch.stack([_read_face(_photo(folder, *photo), image_size) for photo in photos])
    test_labels = torch.tensor([test_names.index(name) for name, _ in photos])
    pairs = torch.tensor([[index[(q[0], q[1])], index[(q[2], q[3])]] for q in listed])
    same = torch.tensor([int(q[0] == q[2]) for q in listed])

    unseen = set(test_names)
    people = sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in unseen)
    files = {p.name: sorted(p.glob("*.jpg")) for p in people}
    least, most = (4, LFW_SMOKE[1]) if smoke else (2, LFW_MAX_PER_IDENTITY)
    train_names = [name for name in files if len(files[name]) >= least]
    if smoke:
        train_names = sorted(rng.permutation(train_names)[: LFW_SMOKE[0]].tolist())
    if len(train_names) < 2:
        raise ValueError(f"{folder}: fewer than 2 people with {least}+ photos outside the test pairs")
    chosen = [(k, path) for k, name in enumerate(train_names) for path in files[name][:most]]
    train_images = torch.stack([_read_face(path, image_size) for _, path in chosen])
    train_labels = torch.tensor([k for k, _ in chosen])
    order = torch.from_numpy(rng.permutation(len(chosen)))
    train = TensorDataset(train_images[order], train_labels[order])
    details = (
        f"{len(train):,} training photos of {len(train_names):,} people, {len(pairs):,} test pairs "
        f"({int(same.sum())} genuine) of {len(test_names):,} other people ({len(photos):,} photos, "
        f"{image_size}x{image_size}), verified in {folder.parent}"
    )
    test = TensorDataset(test_images, test_labels)
    return train, test, pairs, same, tuple(train_names), tuple(test_names), details


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def load_faces(smoke: bool = False, *, seed: int = 0, image_size: int = 32) -> FaceData:
    """Load LFW for face verification, or offline generated identities instead (one line says which).

    Args:
        smoke: True for SMOKE mode: a small subset of LFW (`SMOKE_SIZES`: 40 training people and
            100 test pairs; offline 40 x 10 training and 20 x 10 test generated pictures). False:
            LFW's training people (at most 20 photos each) and all 1,000 pairs of pairsDevTest;
            offline 400 x 20 and 100 x 10.
        seed: seed of the subsets, their order and the generated faces (>= 0).
        image_size: side of the square images in pixels (16 to 250).

    Returns:
        A `FaceData` (see there): train and test images with identity ids, the test pairs, names.

    Raises:
        ValueError: a bad argument, or an archive not laid out as LFW's.

    Example:
        >>> faces = load_faces(smoke=False, image_size=64)  # doctest: +SKIP
        DATA: LFW (funneled), ... training photos of ... people, 1,000 test pairs (500 genuine) of ...
    """
    check_flag(smoke)
    seed, image_size = check_int(seed, "seed"), check_int(image_size, "image_size", *IMAGE_SIZES)
    rng = np.random.default_rng(seed)

    def real() -> tuple[dict, str]:
        train, test, pairs, same, train_names, test_names, details = _lfw(smoke, image_size, rng)
        fields = dict(train=train, test=test, image_size=image_size, pairs=pairs, same=same)
        return fields | dict(train_names=train_names, test_names=test_names), details

    def substitute() -> tuple[dict, str]:
        n_train, per_train, n_test, per_test = GENERATED_SIZES[smoke]
        train, test, pairs, same, identities = generated_faces(
            n_train, per_train, n_test, per_test, image_size, seed
        )
        what = (
            f"generated faces: {n_train} training identities x {per_train} pictures, {n_test} other identities x "
            f"{per_test} for testing, {len(pairs):,} test pairs ({int(same.sum()):,} genuine), {image_size}x{image_size}"
        )
        names = dict(
            train_names=tuple(f"id {k}" for k in range(n_train)),
            test_names=tuple(f"id {n_train + k}" for k in range(n_test)),
        )
        fields = dict(train=train, test=test, image_size=image_size, name="generated faces", pairs=pairs)
        return fields | names | dict(same=same, identities=identities), what

    return load_or_substitute(FaceData, LFW, real, substitute)
