"""A miniature IIIT5K-Word_V3.0.tar.gz for notebook 16, in the real layout: IIIT5K/traindata.mat and
IIIT5K/testdata.mat (MATLAB 1xN struct arrays with the fields ImgName, GroundTruth, smallLexi,
mediumLexi), the crops in IIIT5K/train/<n>_<k>.png and IIIT5K/test/<n>_<k>.png (RGB PNGs of varying
size), and IIIT5K/lexicon.txt.

Each crop is a word drawn in a font of matplotlib's DejaVu family (not always the one the notebook
trains on), in a colour on a background colour of its own, with some margin, as words cut from
photos: readable, so fine-tuning on the training words can help. As in IIIT5K, the ground truth is
upper-case, most words are letters, some are numbers (house numbers, years, prices), and a few hold
a character outside the notebook's alphabet. SMOKE reads digits only: the numbers are enough for
its 300 / 200 draw to take a real subset (more numbers than the draw in test, fewer in train).
"""

from __future__ import annotations

import io
import string

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.io import savemat

from tests.conftest import tar_gz
from utils.data.text_lines import font_path

SEED = 5
# (letter words, numbers, words with a character outside the alphabet) per split
COUNTS = {"train": (120, 200, 4), "test": (80, 220, 3)}
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf")


def struct_array_mat(split: str, names: list[str], words: list[str]) -> bytes:
    """`<split>data.mat` as MATLAB writes a 1xN struct array (scipy reads it back the same way)."""
    fields = [("ImgName", "O"), ("GroundTruth", "O"), ("smallLexi", "O"), ("mediumLexi", "O")]
    records = np.zeros((1, len(words)), dtype=fields)
    for i, (name, word) in enumerate(zip(names, words)):
        lexicon = np.array([[np.array([word])], [np.array(["OTHER"])]], dtype=object)
        records[0, i] = (np.array([name]), np.array([word]), lexicon, lexicon)
    buffer = io.BytesIO()
    savemat(buffer, {f"{split}data": records})
    return buffer.getvalue()


def _words(split: str, rng: np.random.Generator) -> list[str]:
    letters, numbers, odd = COUNTS[split]
    words = ["".join(rng.choice(list(string.ascii_uppercase), rng.integers(3, 10))) for _ in range(letters)]
    words += ["".join(rng.choice(list(string.digits), rng.integers(2, 7))) for _ in range(numbers)]
    words += [f"{w}{rng.choice(list('&-.!'))}" for w in ("CAFE", "NO", "OPEN", "SALE")[:odd]]
    return [words[i] for i in rng.permutation(len(words))]


def _crop(word: str, rng: np.random.Generator) -> bytes:
    """An RGB PNG of `word`: a random DejaVu font and size, colours apart in brightness, a margin."""
    font = ImageFont.truetype(str(font_path(FONTS[rng.integers(len(FONTS))])), int(rng.integers(18, 40)))
    left, top, right, bottom = font.getbbox(word)
    pad_x, pad_y = int(rng.integers(2, 10)), int(rng.integers(2, 8))
    size = (right - left + 2 * pad_x, bottom - top + 2 * pad_y)
    ink, paper = (rng.uniform(0, 0.35, 3), rng.uniform(0.65, 1, 3))
    if rng.random() < 0.3:  # light text on a dark background
        ink, paper = 1 - ink, 1 - paper
    image = Image.new("RGB", size, tuple((255 * paper).astype(int).tolist()))
    ImageDraw.Draw(image).text(
        (pad_x - left, pad_y - top), word, font=font, fill=tuple((255 * ink).astype(int).tolist())
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def iiit5k_tar_gz() -> bytes:
    rng = np.random.default_rng(SEED)
    members: dict[str, bytes] = {}
    for split in ("train", "test"):
        words = _words(split, rng)
        names = [f"{split}/{1000 + i}_{1 + i % 3}.png" for i in range(len(words))]
        members[f"IIIT5K/{split}data.mat"] = struct_array_mat(split, names, words)
        members |= {f"IIIT5K/{name}": _crop(word, rng) for name, word in zip(names, words)}
    members["IIIT5K/lexicon.txt"] = b"HOTEL\nPRIVATE\n"
    return tar_gz(members)


FILES = {"iiit5k-word": iiit5k_tar_gz}
