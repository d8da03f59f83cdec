"""Text-line images for OCR (notebook 16): rendered lines made here, and real word crops (IIIT5K-Word).

1. `make_text_lines` renders random strings with a real TrueType font that ships with matplotlib
   (DejaVu Sans), with jitter (size, position, contrast, polarity), blur and noise: a seeded, fast,
   offline source of labelled text lines. Held-out strings: pass the training strings as `exclude`.
   With `lazy=True` a line is drawn the first time it is used, then kept (`RenderedImages`): full
   mode's 50,000 lines cost nothing until a batch needs them.
2. `load_iiit5k` downloads IIIT5K-Word (5,000 real word crops from scene photos and born-digital
   images, 2,000 train / 3,000 test) through the registry, checked against its pinned sha256,
   and reads its own layout (`IIIT5K/traindata.mat`, `IIIT5K/testdata.mat`, `IIIT5K/train/*.png`,
   `IIIT5K/test/*.png`). Offline: words rendered in a font the recogniser never saw in
   training (DejaVu Serif).

Every image is grayscale, float32 in [0, 1], `height` pixels high and `width` wide: a word is
resized to the height keeping its aspect ratio, squeezed if it is too wide, and padded on the
right with its own background. `encode_texts` turns strings into the padded class-id targets that
`torch.nn.functional.ctc_loss` takes (class 0 is the CTC blank, character `ALPHABET[i]` is class i + 1).

Example:
    >>> lines = make_text_lines(4, seed=0)
    >>> lines.images.shape, len(lines.texts)
    (torch.Size([4, 1, 32, 128]), 4)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset, TensorDataset

from utils.checks import check_count, check_flag, check_int, is_int
from utils.data.base import Splits, load_or_substitute, read_image
from utils.data.registry import fetch

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz "  # class i + 1 is ALPHABET[i]; class 0 is the CTC blank
FONT = "DejaVuSans.ttf"  # training font (matplotlib ships it)
UNSEEN_FONT = "DejaVuSerif.ttf"  # the offline stand-in for real words: a font never used in training
IIIT5K = "IIIT5K-Word"  # the name printed
SMOKE_SIZES = (300, 200)  # SMOKE: (train, test) real word crops drawn at random
SIZE_LIMITS = (8, 1024)  # accepted image heights and widths, in pixels


class RenderedImages:
    """Text-line images drawn the first time they are indexed, then kept: (N, 1, H, W) float32 in [0, 1].

    Stands in for the tensor of all the images where the notebooks use one: `len`, `.shape`, indexing
    by an int, a slice, a list or a tensor of indices (gives a tensor), `.to(device)` (draws them all).
    Line i is drawn with its own seed `(seed, i)`: the same picture whatever order the lines are drawn in.

    Example:
        >>> images = RenderedImages(["ab", "cd", "ef"], seed=0)
        >>> images.drawn, images[1:].shape, images.drawn
        (0, torch.Size([2, 1, 32, 128]), 2)
    """

    def __init__(
        self,
        texts: list[str],
        seed: int = 0,
        height: int = 32,
        width: int = 128,
        font: str = FONT,
        augment: bool = True,
    ) -> None:
        _check_size(height, width)
        if not is_int(seed) or seed < 0:
            raise ValueError(f"seed must be an int >= 0, got {seed!r}")
        self.texts, self.seed, self.font, self.augment = list(texts), int(seed), font, augment
        self._images = torch.zeros(len(self.texts), 1, height, width)
        self._done = torch.zeros(len(self.texts), dtype=torch.bool)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def shape(self) -> torch.Size:
        return self._images.shape

    @property
    def drawn(self) -> int:
        """How many lines have been drawn so far."""
        return int(self._done.sum())

    def __getitem__(self, index) -> Tensor:
        wanted = torch.arange(len(self))[index]
        for i in wanted.reshape(-1)[~self._done[wanted.reshape(-1)]].tolist():
            rng = np.random.default_rng([self.seed, i])
            _, height, width = self._images.shape[1:]
            line = render_text_line(self.texts[i], height, width, self.font, rng, self.augment)
            self._images[i, 0] = torch.from_numpy(line)
            self._done[i] = True
        return self._images[index]

    def to(self, *args, **kwargs) -> Tensor:
        """Every image (drawn now if need be), as `Tensor.to` moves it."""
        return self[:].to(*args, **kwargs)


class _LinesDataset(Dataset):
    """(image, target, length) triples over `RenderedImages`, drawn as they are asked for."""

    def __init__(self, images: RenderedImages, targets: Tensor, lengths: Tensor) -> None:
        self.images, self.targets, self.lengths = images, targets, lengths

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor, Tensor]:
        return self.images[i], self.targets[i], self.lengths[i]


@dataclass(frozen=True)
class TextLines:
    """Text-line images and their transcriptions.

    Attributes:
        images: float32 tensor (N, 1, H, W) in [0, 1], or `RenderedImages` that draws them when used.
        texts: the N strings shown, in order.

    Example:
        >>> lines = make_text_lines(2, seed=1)
        >>> len(lines), lines.dataset()[0][0].shape
        (2, torch.Size([1, 32, 128]))
    """

    images: Tensor | RenderedImages
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def dataset(self, alphabet: str = ALPHABET) -> Dataset:
        """A dataset of (image, targets, length) for CTC training (see `encode_texts`): a
        `TensorDataset`, or one that draws each line when it is first asked for (`RenderedImages`)."""
        targets, lengths = encode_texts(self.texts, alphabet)
        if isinstance(self.images, RenderedImages):
            return _LinesDataset(self.images, targets, lengths)
        return TensorDataset(self.images, targets, lengths)


@dataclass(frozen=True, kw_only=True)
class WordTask(Splits):
    """`train`, `test`: `TextLines`; no test string is a training string when rendered offline.

    Example:
        >>> WordTask(train=None, name="demo").test is None
        True
    """


# ---------------------------------------------------------------------------------------------
# Checking arguments
# ---------------------------------------------------------------------------------------------


def _check_size(height: int, width: int) -> None:
    low, high = SIZE_LIMITS
    for name, value in (("height", height), ("width", width)):
        if not is_int(value) or not low <= value <= high:
            raise ValueError(f"{name} must be an int from {low} to {high} (pixels), got {value!r}")
    if width < height:
        raise ValueError(f"a text line is wider than high: got height {height} and width {width}")


def _check_alphabet(alphabet: str) -> None:
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise ValueError(f"alphabet must be a non-empty string of distinct characters, got {alphabet!r}")


# ---------------------------------------------------------------------------------------------
# Strings, targets, fonts
# ---------------------------------------------------------------------------------------------


def encode_texts(texts: list[str], alphabet: str = ALPHABET) -> tuple[Tensor, Tensor]:
    """Strings → CTC targets: class ids padded with 0 to the longest string, and each string's length.

    Character `alphabet[i]` becomes class i + 1 (class 0 is the CTC blank, never a target).

    Returns:
        `targets` int64 (N, L) and `lengths` int64 (N,), as `torch.nn.functional.ctc_loss` takes them.

    Example:
        >>> encode_texts(["ab", "c"], "abc")
        (tensor([[1, 2],
                [3, 0]]), tensor([2, 1]))
    """
    _check_alphabet(alphabet)
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise ValueError("texts must be a list of strings")
    index = {c: i + 1 for i, c in enumerate(alphabet)}
    longest = max((len(t) for t in texts), default=0)
    targets = torch.zeros(len(texts), max(longest, 1), dtype=torch.int64)
    for row, text in enumerate(texts):
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"text {text!r} has characters outside the alphabet: {unknown}")
        targets[row, : len(text)] = torch.tensor([index[c] for c in text], dtype=torch.int64)
    return targets, torch.tensor([len(t) for t in texts], dtype=torch.int64)


def random_strings(
    n: int,
    seed: int | np.random.Generator = 0,
    min_len: int = 3,
    max_len: int = 8,
    max_words: int = 1,
    alphabet: str = ALPHABET,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """`n` distinct random strings of `min_len` to `max_len` characters, none of them in `exclude`.

    A string holds 1 to `max_words` words (random characters of `alphabet` except the space)
    joined by single spaces; its length counts the spaces.

    Example:
        >>> random_strings(3, seed=0, max_words=2)  # doctest: +SKIP
        ['k2 qz', 'fe0r', 'u7 y3m']
    """
    for name, value in (("n", n), ("min_len", min_len), ("max_len", max_len), ("max_words", max_words)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if max_len < min_len:
        raise ValueError(f"max_len ({max_len}) must be at least min_len ({min_len})")
    _check_alphabet(alphabet)
    letters = alphabet.replace(" ", "")
    if not letters:
        raise ValueError("the alphabet needs characters other than the space")
    if max_words > 1 and " " not in alphabet:
        raise ValueError("several words per string need a space in the alphabet")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    found: list[str] = []
    seen = set(exclude)
    for _ in range(50 * n + 1000):
        if len(found) == n:
            return found
        length = int(rng.integers(min_len, max_len + 1))
        words = int(rng.integers(1, min(max_words, (length + 1) // 2) + 1))  # words of 1+ letters
        chars = list(rng.choice(list(letters), size=length))
        if words > 1:  # spaces at distinct places, never first, last or side by side
            slots = rng.choice(np.arange(1, length - 1, 2), size=words - 1, replace=False)
            for slot in slots:
                chars[int(slot)] = " "
        text = "".join(chars)
        if text not in seen:
            seen.add(text)
            found.append(text)
    raise ValueError(
        f"could only draw {len(found)} of {n} distinct strings of {min_len}-{max_len} characters outside "
        "`exclude`: allow longer strings or fewer of them"
    )


def font_path(name: str = FONT) -> Path:
    """The path of a TrueType font that ships with matplotlib (DejaVu family), for `PIL.ImageFont.truetype`.

    Example:
        >>> font_path().name
        'DejaVuSans.ttf'
    """
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not path.is_file():
        available = sorted(p.name for p in path.parent.glob("*.ttf"))
        raise ValueError(f"matplotlib ships no font {name!r}; available: {available}")
    return path


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------


def _resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float32 image resized to (height, width), bilinear."""
    from PIL import Image

    return np.asarray(Image.fromarray(pixels, mode="F").resize((width, height), Image.Resampling.BILINEAR))


def fit_to_box(image: np.ndarray, height: int, width: int, x_offset: int = 0) -> np.ndarray:
    """A grayscale word image resized to `height` (aspect kept), squeezed if wider than `width`, padded right.

    The padding takes the image's background: the median of its border pixels.

    Args:
        image: (h, w) array, float in [0, 1] or uint8.
        height, width: the size of the box, in pixels.
        x_offset: pixels of background left of the word (shrinks if the word would not fit).

    Returns:
        A float32 array (height, width) in [0, 1].

    Example:
        >>> fit_to_box(np.zeros((10, 20)), 32, 128).shape
        (32, 128)
    """
    _check_size(height, width)
    if not isinstance(image, np.ndarray) or image.ndim != 2 or 0 in image.shape:
        raise ValueError(
            f"expected a non-empty grayscale image (h, w), got {getattr(image, 'shape', image)!r}"
        )
    if not is_int(x_offset) or x_offset < 0:
        raise ValueError(f"x_offset must be an int >= 0 (pixels), got {x_offset!r}")
    pixels = image.astype(np.float32) / (255.0 if image.dtype == np.uint8 else 1.0)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    new_width = max(1, min(width, round(pixels.shape[1] * height / pixels.shape[0])))
    box = np.full((height, width), float(np.median(border)), dtype=np.float32)
    x = int(min(x_offset, width - new_width))
    box[:, x : x + new_width] = _resize(pixels, height, new_width)
    return box.clip(0, 1)


@functools.lru_cache(maxsize=8)
def _font(name: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path(name)), size)


def render_text_line(
    text: str,
    height: int = 32,
    width: int = 128,
    font: str = FONT,
    rng: np.random.Generator | None = None,
    augment: bool = True,
) -> np.ndarray:
    """Render one string as a grayscale text-line image, with random jitter, blur and noise.

    The text is drawn large (2 × height) on a strip as high as the font's ascent + descent, so
    every string has the same letter size whatever its letters, then fitted to the box (see
    `fit_to_box`). Without `augment`: black text on white, at the left. With it: random text
    height (80-100 % of the box), vertical and horizontal position, width (±20 %), contrast and
    polarity (30 % light text on a dark background), Gaussian blur (σ up to 1 px) and Gaussian
    noise (σ up to 0.06).

    Returns:
        A float32 array (height, width) in [0, 1].

    Example:
        >>> render_text_line("hello", augment=False).shape
        (32, 128)
    """
    from PIL import Image, ImageDraw, ImageFilter

    _check_size(height, width)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    rng = rng if rng is not None else np.random.default_rng()
    face = _font(font, 2 * height)
    ascent, descent = face.getmetrics()
    margin = height // 4
    canvas = Image.new("L", (int(face.getlength(text)) + 2 * margin, ascent + descent + 2 * margin), 0)
    ImageDraw.Draw(canvas).text((margin, margin), text, font=face, fill=255)
    ink = np.asarray(canvas, dtype=np.float32) / 255.0  # 1 where the glyphs are
    if not augment:
        return 1.0 - fit_to_box(ink, height, width)
    text_height = int(round(height * rng.uniform(0.8, 1.0)))
    text_width = int(round(ink.shape[1] * text_height / ink.shape[0] * rng.uniform(0.8, 1.2)))
    top = int(rng.integers(0, height - text_height + 1))
    ink = _resize(ink, text_height, max(1, text_width))
    ink = np.pad(ink, ((top, height - text_height - top), (0, 0)))
    line = fit_to_box(ink, height, width, x_offset=int(rng.integers(0, max(1, width // 10))))
    paper, pen = rng.uniform(0.55, 1.0), rng.uniform(0.0, 0.4)
    if rng.random() < 0.3:
        paper, pen = pen, paper  # light text on a dark background
    line = paper + (pen - paper) * line
    blur = rng.uniform(0.0, 1.0)
    if blur > 0.2:  # Pillow blurs 8-bit images only
        gray = Image.fromarray(np.round(line * 255).astype(np.uint8), mode="L")
        line = np.asarray(gray.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float32) / 255.0
    line = line + rng.normal(0.0, rng.uniform(0.0, 0.06), size=line.shape)
    return np.clip(line, 0, 1).astype(np.float32)


def make_text_lines(
    n: int,
    seed: int = 0,
    height: int = 32,
    width: int = 128,
    min_len: int = 3,
    max_len: int = 8,
    max_words: int = 1,
    font: str = FONT,
    augment: bool = True,
    exclude: set[str] | frozenset[str] = frozenset(),
    alphabet: str = ALPHABET,
    lazy: bool = False,
) -> TextLines:
    """`n` rendered text lines of distinct random strings (see `random_strings`, `render_text_line`).

    The same arguments give the same images, drawn now or, with `lazy=True`, each the first time it
    is used (`RenderedImages`: the same pictures). For a held-out test set, pass the training
    strings as `exclude`: no test string is then a training string.

    Example:
        >>> train = make_text_lines(100, seed=0)
        >>> test = make_text_lines(50, seed=1, exclude=set(train.texts))
        >>> set(train.texts) & set(test.texts)
        set()
    """
    if not isinstance(lazy, bool):
        raise ValueError(f"lazy must be True or False, got {lazy!r}")
    rng = np.random.default_rng(seed)
    texts = random_strings(n, rng, min_len, max_len, max_words, alphabet, exclude)
    images = RenderedImages(texts, int(rng.integers(2**31)), height, width, font, augment)
    return TextLines(images if lazy else images[:], texts)


# ---------------------------------------------------------------------------------------------
# IIIT5K-Word (real word crops), downloaded
# ---------------------------------------------------------------------------------------------


def _iiit5k_folder() -> Path:
    """The extracted IIIT5K folder (the one holding traindata.mat)."""
    folder = fetch("iiit5k-word")
    return folder if (folder / "traindata.mat").is_file() else folder / "IIIT5K"


def read_iiit5k_split(folder: Path, split: str) -> list[tuple[Path, str]]:
    """(image path, ground-truth word) of every crop of a split, from `<split>data.mat` (MATLAB struct array).

    Args:
        folder: the extracted `IIIT5K` folder.
        split: "train" or "test".

    Example:
        >>> read_iiit5k_split(Path("IIIT5K"), "test")[0]  # doctest: +SKIP
        (PosixPath('IIIT5K/test/1002_1.png'), 'PRIVATE')
    """
    from scipy.io import loadmat

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = Path(folder) / f"{split}data.mat"
    if not path.is_file():
        raise ValueError(f"{path} is missing: the archive is not laid out as IIIT5K/{{train,test}}data.mat")
    records = loadmat(path)[f"{split}data"].ravel()
    items = []
    for record in records:
        name, word = str(record["ImgName"].item()), str(record["GroundTruth"].item())
        items.append((Path(folder) / name, word))
    return items


def _usable(items: list[tuple[Path, str]], alphabet: str) -> list[tuple[Path, str]]:
    """The items whose word, lower-cased, is non-empty and uses only characters of `alphabet`."""
    known = set(alphabet)
    return [(path, word.lower()) for path, word in items if word and not set(word.lower()) - known]


def _read_words(items: list[tuple[Path, str]], height: int, width: int) -> TextLines:
    """Word crops read as grayscale lines fitted to the box."""
    gray = [read_image(path, gray=True, nearest=True)[0].numpy() for path, _ in items]  # uint8 (H, W)
    images = [fit_to_box(pixels, height, width) for pixels in gray]
    return TextLines(torch.from_numpy(np.stack(images)).unsqueeze(1), [word for _, word in items])


def load_iiit5k(
    smoke: bool = False,
    *,
    seed: int = 0,
    height: int = 32,
    width: int = 128,
    n_train: int | None = None,
    n_test: int | None = None,
    alphabet: str = ALPHABET,
) -> WordTask:
    """IIIT5K-Word's real word crops (train / test), or offline rendered words in an unseen font.

    Words are lower-cased (IIIT5K's labels are upper-case and the benchmark is
    case-insensitive); a word with a character outside `alphabet` is left out, and the line says
    how many were.

    Args:
        smoke: SMOKE mode: `SMOKE_SIZES` (300 train / 200 test) words drawn at random (unless
            n_train/n_test say).
        seed: seed of that draw and of the offline rendering.
        height, width: the image size every crop is fitted to.
        n_train, n_test: how many words to draw instead of the default (None: all in full mode).
        alphabet: the characters the recogniser knows.

    Example:
        >>> task = load_iiit5k(smoke=True)  # doctest: +SKIP
        OFFLINE: IIIT5K-Word could not be downloaded (no network: ...) → using 300 train / 200 test ...
    """
    check_flag(smoke)
    _check_size(height, width)
    _check_alphabet(alphabet)
    rng = np.random.default_rng(check_int(seed, "seed"))
    counts = [
        check_count(n, name, what="a number of words")
        for n, name in ((n_train, "n_train"), (n_test, "n_test"))
    ]
    if smoke:
        counts = [c or d for c, d in zip(counts, SMOKE_SIZES)]

    def real() -> tuple[dict, str]:
        folder = _iiit5k_folder()
        splits, skipped = [], 0
        for split, count in zip(("train", "test"), counts):
            items = read_iiit5k_split(folder, split)
            usable = _usable(items, alphabet)
            skipped += len(items) - len(usable)
            if not usable:
                raise ValueError(f"{IIIT5K} {split}: no word uses only the characters {alphabet!r}")
            if count is not None and count < len(usable):
                usable = [usable[i] for i in sorted(rng.choice(len(usable), size=count, replace=False))]
            splits.append(_read_words(usable, height, width))
        note = f"; {skipped} words with characters outside the alphabet left out" if skipped else ""
        details = (
            f"{len(splits[0]):,} train / {len(splits[1]):,} test word crops "
            f"({height}x{width}, lower-cased{note}), verified in {folder.parent}"
        )
        return dict(train=splits[0], test=splits[1], name=f"{IIIT5K} (real word crops)"), details

    def substitute() -> tuple[dict, str]:
        n_train, n_test = [c or d for c, d in zip(counts, (2000, 3000))]
        words = {
            "height": height,
            "width": width,
            "min_len": 3,
            "max_len": 10,
            "font": UNSEEN_FONT,
            "lazy": True,
        }
        words["alphabet"] = alphabet.replace(" ", "")  # one word per image, as IIIT5K's crops
        train = make_text_lines(n_train, seed=int(rng.integers(2**31)), **words)
        test = make_text_lines(n_test, seed=int(rng.integers(2**31)), exclude=set(train.texts), **words)
        what = (
            f"{n_train:,} train / {n_test:,} test words rendered in {UNSEEN_FONT.removesuffix('.ttf')} (a font the "
            "recogniser never saw; no test word is a training word)"
        )
        name = f"rendered words, {UNSEEN_FONT.removesuffix('.ttf')} (offline stand-in)"
        return dict(train=train, test=test, name=name), what

    return load_or_substitute(WordTask, IIIT5K, real, substitute)
