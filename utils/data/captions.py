"""Captioning data (notebook 17): words ↔ ids, grammar-made captions for generated scenes, and Flickr8k.

- `tokenize` and `Vocabulary`: a caption becomes a list of word ids between `<bos>` and `<eos>`,
  and back.
- `scene_captions`: several paraphrases of what a generated scene (`utils.data.scenes`) shows,
  written by a small grammar from its objects' colour, shape and position, e.g. "a red circle to
  the left of a blue square", "a blue square and a red circle"... (left to right).
- `caption_scenes`: a split of captioned scenes. `novel=True` keeps only scenes holding a colour-shape
  pair of `HELD_OUT` (never in the other splits): a test of combinations never seen in training.
- `load_captions`: Flickr8k (8,091 photos with 5 captions each, the official 6,000 / 1,000 / 1,000
  train / dev / test lists), downloaded through the registry and checked against its md5; offline,
  captioned scenes instead, with the novel-combination split as the test set. One line says which.

Images are kept as uint8 tensors (N, 3, S, S), square (shorter side resized, centre cropped), so
that Flickr8k at 224 px fits in memory; divide by 255 for floats.

Example:
    >>> vocab = Vocabulary.from_captions(["a red circle", "a blue square"])
    >>> vocab.encode("a red square"), vocab.decode(vocab.encode("a red square"))
    ([1, 4, 7, 8, 2], 'a red square')
"""

from __future__ import annotations

import numbers
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from utils.checks import check_count, check_flag, check_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch
from utils.data.scenes import Scene, SceneObject, make_scene
from utils.download import cache_dir

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")  # ids 0, 1, 2, 3 in every vocabulary
HELD_OUT = (("red", "square"), ("green", "triangle"), ("blue", "circle"))  # (colour, shape) never trained on
SCENE_OBJECTS = (1, 2)  # captioned scenes hold one or two shapes
FLICKR8K = "Flickr8k"
FLICKR8K_FILES = {  # the text files of Flickr8k_text.zip, as published
    "captions": "Flickr8k.token.txt",
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
SMOKE_SIZES = (300, 60, 60)  # SMOKE: (train, val, test) images drawn at random from Flickr8k's lists
FULL_SCENE_COUNTS = (4000, 500, 500)  # offline, full mode
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


# --- words and ids -------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Lower-case words of a caption; punctuation is dropped ("A dog's ball." → ["a", "dog's", "ball"]).

    Example:
        >>> tokenize("A child, in a PINK dress .")
        ['a', 'child', 'in', 'a', 'pink', 'dress']
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a caption string, got {type(text).__name__}: {text!r}")
    return _WORD.findall(text.lower())


class Vocabulary:
    """Word ↔ id maps, with the special tokens `<pad>` (0), `<bos>` (1), `<eos>` (2), `<unk>` (3) first.

    Example:
        >>> vocab = Vocabulary(["a", "dog"])
        >>> len(vocab), vocab.encode("a cat"), vocab.decode([1, 4, 5, 2, 0])
        (6, [1, 4, 3, 2], 'a dog')
    """

    def __init__(self, words: Iterable[str]):
        words = [w for w in dict.fromkeys(words) if w not in SPECIALS]  # unique, in order
        if any(not isinstance(w, str) or not w for w in words):
            raise ValueError(
                f"words must be non-empty strings, got {[w for w in words if not w or not isinstance(w, str)]}"
            )
        self.words: list[str] = [*SPECIALS, *words]
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        self.pad, self.bos, self.eos, self.unk = range(len(SPECIALS))

    @classmethod
    def from_captions(cls, captions: Iterable[str], min_count: int = 1) -> Vocabulary:
        """The words that occur at least `min_count` times in `captions` (tokenised), most frequent first.

        Example:
            >>> Vocabulary.from_captions(["a dog", "a cat"], min_count=2).words[4:]
            ['a']
        """
        if isinstance(min_count, bool) or not isinstance(min_count, numbers.Integral) or min_count < 1:
            raise ValueError(f"min_count must be a positive int, got {min_count!r}")
        counts = Counter(word for caption in captions for word in tokenize(caption))
        return cls(
            w for w, c in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if c >= min_count
        )

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, caption: str, max_words: int | None = None) -> list[int]:
        """`<bos>`, the ids of the caption's first `max_words` words (unknown words → `<unk>`), `<eos>`."""
        ids = [self.ids.get(word, self.unk) for word in tokenize(caption)]
        return [self.bos, *ids[:max_words], self.eos]

    def encode_batch(self, captions: Sequence[str], max_words: int) -> Tensor:
        """Captions as one int64 tensor (N, max_words + 2), each row padded with `<pad>` after `<eos>`.

        Example:
            >>> Vocabulary(["a", "dog"]).encode_batch(["a dog", "dog"], max_words=3).tolist()
            [[1, 4, 5, 2, 0], [1, 5, 2, 0, 0]]
        """
        if isinstance(max_words, bool) or not isinstance(max_words, numbers.Integral) or max_words < 1:
            raise ValueError(f"max_words must be a positive int, got {max_words!r}")
        out = torch.full((len(captions), max_words + 2), self.pad, dtype=torch.int64)
        for row, caption in enumerate(captions):
            ids = self.encode(caption, max_words)
            out[row, : len(ids)] = torch.tensor(ids)
        return out

    def decode(self, ids: Iterable[int] | Tensor) -> str:
        """The words of `ids` up to the first `<eos>`, without `<pad>` and `<bos>`, joined by spaces."""
        words = []
        for i in ids.tolist() if isinstance(ids, Tensor) else ids:
            if i == self.eos:
                break
            if not 0 <= int(i) < len(self.words):
                raise ValueError(f"id {i} is not in this vocabulary of {len(self.words)} words")
            if i not in (self.pad, self.bos):
                words.append(self.words[int(i)])
        return " ".join(words)


# --- captions for generated scenes ---------------------------------------------------------------


def _phrase(obj: SceneObject) -> str:
    return f"{obj.colour} {obj.shape}"


def scene_captions(scene: Scene | Sequence[SceneObject]) -> list[str]:
    """Paraphrases of what a scene shows (three for one object, four for two), from its objects.

    Objects are named by colour and shape, left to right (by the x of their centres). Scenes of
    more than two objects, or none, are refused: the grammar speaks of one or two.

    Example:
        >>> from utils.data.scenes import SceneObject
        >>> objects = [SceneObject("square", "blue", (90, 40), 10, 2.0), SceneObject("circle", "red", (20, 50), 12, 1.5)]
        >>> scene_captions(objects)[:2]
        ['a red circle to the left of a blue square', 'a blue square to the right of a red circle']
    """
    objects = scene.objects if isinstance(scene, Scene) else tuple(scene)
    if not 1 <= len(objects) <= 2:
        raise ValueError(f"the caption grammar describes scenes of 1 or 2 objects, got {len(objects)}")
    phrases = [_phrase(o) for o in sorted(objects, key=lambda o: o.center[0])]
    if len(phrases) == 1:
        (a,) = phrases
        return [f"a {a}", f"there is a {a}", f"a single {a}"]
    a, b = phrases
    return [
        f"a {a} to the left of a {b}",
        f"a {b} to the right of a {a}",
        f"a {a} and a {b}",
        f"there is a {a} near a {b}",
    ]


@dataclass(frozen=True)
class CaptionSplit:
    """Images with their reference captions.

    Attributes:
        images: (N, 3, S, S) uint8.
        captions: N lists of reference captions (strings), at least one per image.
        names: N names: Flickr8k file names, or "scene <i>" for generated scenes.
    """

    images: Tensor
    captions: list[list[str]]
    names: list[str]

    def __len__(self) -> int:
        return len(self.names)

    def pairs(self, vocab: Vocabulary, max_words: int) -> tuple[Tensor, Tensor]:
        """Every (image, caption) pair for teacher forcing: image indices (M,) and encoded captions (M, max_words + 2).

        Example:
            >>> split = caption_scenes(2, 32, seed=0)
            >>> index, ids = split.pairs(Vocabulary.from_captions(sum(split.captions, [])), max_words=9)
            >>> index.shape[0] == ids.shape[0] == sum(map(len, split.captions))
            True
        """
        index = [i for i, group in enumerate(self.captions) for _ in group]
        flat = [caption for group in self.captions for caption in group]
        return torch.tensor(index, dtype=torch.int64), vocab.encode_batch(flat, max_words)


def caption_scenes(
    n: int, size: int, *, seed: int, novel: bool = False, held_out: Sequence[tuple[str, str]] = HELD_OUT
) -> CaptionSplit:
    """`n` generated scenes of one or two shapes, with their grammar captions (`scene_captions`).

    Args:
        n: number of scenes.
        size: image side in pixels (≥ 16).
        seed: the same seed gives the same scenes; use a different seed per split.
        novel: False keeps only scenes without any `held_out` colour-shape pair (train, val); True
            keeps only scenes with at least one (a test of combinations never seen in training).
        held_out: (colour, shape) pairs kept out of the non-novel splits.

    Example:
        >>> split = caption_scenes(3, 32, seed=1, novel=True)
        >>> split.images.shape, split.images.dtype, len(split.captions[0]) >= 3
        (torch.Size([3, 3, 32, 32]), torch.uint8, True)
    """
    n = check_int(n, "n", 1)
    held = {tuple(pair) for pair in held_out}
    rng = np.random.default_rng([int(seed), int(novel)])
    images, captions = [], []
    while len(images) < n:
        scene = make_scene(size, rng=rng, num_objects=SCENE_OBJECTS)
        if not scene.objects or any((o.colour, o.shape) in held for o in scene.objects) != novel:
            continue
        images.append((scene.image * 255).round().to(torch.uint8))
        captions.append(scene_captions(scene))
    return CaptionSplit(torch.stack(images), captions, [f"scene {i}" for i in range(n)])


# --- Flickr8k ------------------------------------------------------------------------------------


def parse_flickr8k_captions(path: str | Path) -> dict[str, list[str]]:
    """Flickr8k.token.txt → {image file name: its captions, in order}.

    Each line is `<image>.jpg#<k><TAB><caption>` (k = 0..4).

    Example:
        >>> parse_flickr8k_captions("Flickr8k.token.txt")["1000268201_693b08cb0e.jpg"][0]  # doctest: +SKIP
        'A child in a pink dress is climbing up a set of stairs in an entry way .'
    """
    captions: dict[str, list[str]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        key, tab, caption = line.partition("\t")
        name, hash_sign, _ = key.rpartition("#")
        if not tab or not hash_sign or not name or not caption.strip():
            raise ValueError(f"{path}, line {number}: expected '<image>.jpg#<k><TAB><caption>', got {line!r}")
        captions.setdefault(name.strip(), []).append(caption.strip())
    return captions


def _find(folder: Path, name: str) -> Path:
    found = sorted(folder.rglob(name))
    if not found:
        raise ValueError(f"{folder}: no {name} inside; the archive is not laid out as Flickr8k's")
    return found[0]


def _split_names(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _flickr8k(image_size: int, counts: tuple[int | None, ...], rng: np.random.Generator):
    """(train, val, test, details for the DATA line) from the downloaded archives."""
    text, photos = fetch("flickr8k-text"), fetch("flickr8k-images")
    captions = parse_flickr8k_captions(_find(text, FLICKR8K_FILES["captions"]))
    files = {path.name: path for path in sorted(photos.rglob("*.jpg")) if not path.name.startswith("._")}
    splits = []
    for split, count in zip(("train", "val", "test"), counts):
        names = _split_names(_find(text, FLICKR8K_FILES[split]))
        if count is not None and count > len(names):
            raise ValueError(f"{FLICKR8K} {split}: asked for {count} images, but the list holds {len(names)}")
        if count is not None:
            names = [names[i] for i in sorted(rng.permutation(len(names))[:count])]
        for where, known in ((FLICKR8K_FILES["captions"], captions), ("the images archive", files)):
            missing = [name for name in names if name not in known]
            if missing:
                raise ValueError(
                    f"{FLICKR8K} {split}: {len(missing)} listed images are not in {where}, e.g. {missing[0]}"
                )
        images = [(read_image(files[name], image_size) * 255).round().to(torch.uint8) for name in names]
        splits.append(CaptionSplit(torch.stack(images), [captions[name] for name in names], names))
    train, val, test = splits
    how = "drawn from" if any(c is not None for c in counts) else "all of"
    details = (
        f"{len(train):,} train / {len(val):,} val / {len(test):,} test images ({image_size}x{image_size}, "
        f"{how} the official train / dev / test lists), verified in {cache_dir(writable=False)}"
    )
    return train, val, test, details


@dataclass(frozen=True, kw_only=True)
class CaptionData(Splits):
    """`train`, `val`, `test`: `CaptionSplit`s (offline, `test` holds scenes with colour-shape pairs
    never in train or val, `HELD_OUT`); `test_note`: what the test split is, in words.

    Example:
        >>> CaptionData(train=None, test_note="held-out scenes").test_note
        'held-out scenes'
    """

    test_note: str = ""


def load_captions(
    smoke: bool = False,
    *,
    seed: int = 0,
    image_size: int = 64,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
) -> CaptionData:
    """Flickr8k, or offline captioned scenes, as train / val / test `CaptionSplit`s; prints one line.

    Args:
        smoke: SMOKE mode: `SMOKE_SIZES` (300 / 60 / 60) images unless asked otherwise, drawn at
            random from Flickr8k's lists; full mode: all of Flickr8k (offline: 4,000 / 500 / 500 scenes).
        seed: seed of the choice of images (and of the scenes).
        image_size: side of the square images, 16 to 1024 pixels.
        n_train, n_val, n_test: numbers of images instead of the defaults.

    Raises:
        ValueError: a bad argument, an archive not laid out as Flickr8k's, more images asked for
            than a list holds.

    Example:
        >>> data = load_captions(smoke=True, image_size=64)  # doctest: +SKIP
        OFFLINE: Flickr8k could not be downloaded (no network: ...) → using generated scenes ... instead.
    """
    check_flag(smoke)
    seed, image_size = (
        check_int(seed, "seed"),
        check_int(image_size, "image_size", 16, 1024, "pixels per side"),
    )
    asked = tuple(
        check_count(n, name) for n, name in zip((n_train, n_val, n_test), ("n_train", "n_val", "n_test"))
    )

    def real() -> tuple[dict, str]:
        counts = tuple(a or d for a, d in zip(asked, SMOKE_SIZES if smoke else (None, None, None)))
        train, val, test, details = _flickr8k(image_size, counts, np.random.default_rng(seed))
        note = f"{FLICKR8K}'s official test images"
        return dict(train=train, val=val, test=test, image_size=image_size, test_note=note), details

    def substitute() -> tuple[dict, str]:
        counts = [a or d for a, d in zip(asked, SMOKE_SIZES if smoke else FULL_SCENE_COUNTS)]
        train = caption_scenes(counts[0], image_size, seed=3 * seed)
        val = caption_scenes(counts[1], image_size, seed=3 * seed + 1)
        test = caption_scenes(counts[2], image_size, seed=3 * seed + 2, novel=True)
        pairs = ", ".join(f"{c} {s}" for c, s in HELD_OUT)
        what = (
            f"generated scenes with grammar captions: {len(train):,} train / {len(val):,} val / {len(test):,} test "
            f"({image_size}x{image_size}; the test scenes hold a {pairs}, pairs never seen in train or val)"
        )
        note = f"scenes with an unseen colour-shape pair ({pairs})"
        fields = dict(train=train, val=val, test=test, image_size=image_size, name="generated scenes")
        return fields | dict(test_note=note), what

    return load_or_substitute(CaptionData, FLICKR8K, real, substitute)
