"""Tests for utils.data.text_lines: rendered text lines, CTC targets, and `load_iiit5k` through each source.

No internet: the real-dataset path runs on a miniature IIIT5K-Word_V3.0.tar.gz in the exact layout of
the real one (IIIT5K/traindata.mat and IIIT5K/testdata.mat, MATLAB struct arrays with the fields
ImgName, GroundTruth, smallLexi, mediumLexi; IIIT5K/train/*.png and IIIT5K/test/*.png, RGB PNGs),
served by a local HTTP server (see conftest.py) through a test registry; "offline" is a registry
whose URL points at a closed port. Each miniature crop is one flat gray level that says which file it is.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import TensorDataset

from tests.conftest import announced, closed_port_url, tar_gz
from tests.mirror.iiit5k import iiit5k_tar_gz, struct_array_mat
from utils.data.text_lines import (
    ALPHABET,
    FONT,
    RenderedImages,
    TextLines,
    WordTask,
    encode_texts,
    fit_to_box,
    font_path,
    load_iiit5k,
    make_text_lines,
    random_strings,
    read_iiit5k_split,
    render_text_line,
)

# --- rendered lines ------------------------------------------------------------------------------


def test_font_path_finds_matplotlibs_dejavu_fonts_and_names_the_others():
    assert font_path().name == FONT and font_path().is_file()
    assert font_path("DejaVuSerif.ttf").is_file()
    with pytest.raises(ValueError, match="matplotlib ships no font 'Arial.ttf'; available: .*DejaVuSans.ttf"):
        font_path("Arial.ttf")


def test_random_strings_are_distinct_sized_seeded_and_avoid_exclude():
    texts = random_strings(300, seed=0, min_len=2, max_len=7, max_words=3)
    assert len(texts) == len(set(texts)) == 300
    assert all(2 <= len(t) <= 7 and set(t) <= set(ALPHABET) for t in texts)
    assert all(t == t.strip() and "  " not in t and len(t.split()) <= 3 for t in texts)
    assert any(" " in t for t in texts) and random_strings(300, 0, 2, 7, 3) == texts
    held_out = random_strings(100, seed=1, min_len=2, max_len=7, max_words=3, exclude=set(texts))
    assert not set(held_out) & set(texts)
    assert all(" " not in t for t in random_strings(50, seed=2))  # one word by default
    with pytest.raises(ValueError, match="could only draw 10 of 11 distinct strings"):
        random_strings(11, seed=0, min_len=1, max_len=1, alphabet="0123456789")
    with pytest.raises(ValueError, match="max_len \\(2\\) must be at least min_len \\(3\\)"):
        random_strings(5, min_len=3, max_len=2)
    with pytest.raises(ValueError, match="need a space in the alphabet"):
        random_strings(5, max_words=2, alphabet="abc")


def test_encode_texts_gives_padded_ctc_targets_with_class_0_for_the_blank():
    targets, lengths = encode_texts(["ab", "c", ""], "abc")
    assert targets.tolist() == [[1, 2], [3, 0], [0, 0]] and lengths.tolist() == [2, 1, 0]
    assert targets.dtype == lengths.dtype == torch.int64
    with pytest.raises(ValueError, match="outside the alphabet: \\['d'\\]"):
        encode_texts(["ad"], "abc")
    with pytest.raises(ValueError, match="distinct characters"):
        encode_texts(["a"], "aab")


def test_fit_to_box_keeps_the_aspect_ratio_pads_with_the_background_and_squeezes_long_words():
    word = np.full((10, 20), 0.8, dtype=np.float32)
    word[3:7, 2:18] = 0.1  # dark "ink" on a light background
    box = fit_to_box(word, 32, 128, x_offset=5)
    assert box.shape == (32, 128) and box.dtype == np.float32
    assert np.allclose(box[:, :5], 0.8) and np.allclose(box[:, 5 + 64 :], 0.8)  # 20 * 32 / 10 = 64 px wide
    assert box[16, 40] < 0.2  # the ink is inside
    assert fit_to_box(np.zeros((10, 500), dtype=np.uint8), 32, 128).shape == (32, 128)  # squeezed
    with pytest.raises(ValueError, match="non-empty grayscale image"):
        fit_to_box(np.zeros((10, 20, 3)), 32, 128)
    with pytest.raises(ValueError, match="height must be an int from 8 to 1024"):
        fit_to_box(word, 4, 128)


def test_render_text_line_draws_dark_text_on_white_and_augments_reproducibly():
    clean = render_text_line("hello", augment=False)
    assert clean.shape == (32, 128) and clean.dtype == np.float32
    assert clean.max() == pytest.approx(1.0) and clean.min() < 0.2  # white paper, black ink
    assert clean[:, 100:].min() > 0.99  # a short word leaves the right side empty
    a = render_text_line("hello", rng=np.random.default_rng(3))
    b = render_text_line("hello", rng=np.random.default_rng(3))
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1 and not np.array_equal(a, clean)
    assert render_text_line("x y", height=48, width=256).shape == (48, 256)
    with pytest.raises(ValueError, match="non-empty string"):
        render_text_line("  ")


def test_make_text_lines_is_seeded_and_held_out_strings_never_repeat_training_ones():
    train = make_text_lines(40, seed=0, max_words=2, min_len=2, max_len=6)
    again = make_text_lines(40, seed=0, max_words=2, min_len=2, max_len=6)
    test = make_text_lines(20, seed=1, max_words=2, min_len=2, max_len=6, exclude=set(train.texts))
    assert isinstance(train, TextLines) and len(train) == 40
    assert train.images.shape == (40, 1, 32, 128) and train.images.dtype == torch.float32
    assert torch.equal(train.images, again.images) and train.texts == again.texts
    assert not set(train.texts) & set(test.texts)
    dataset = train.dataset()
    assert isinstance(dataset, TensorDataset)
    image, target, length = dataset[0]
    assert image.shape == (1, 32, 128) and length == len(train.texts[0])
    assert "".join(ALPHABET[i - 1] for i in target[:length].tolist()) == train.texts[0]


def test_lazy_lines_are_drawn_when_used_and_match_the_eager_ones():
    """Full mode's 50,000 training lines took minutes to draw up front; lazily, a capped run draws a batch."""
    eager = make_text_lines(6, seed=4, max_len=5)
    lazy = make_text_lines(6, seed=4, max_len=5, lazy=True)
    assert isinstance(lazy.images, RenderedImages) and lazy.texts == eager.texts
    assert lazy.images.drawn == 0 and lazy.images.shape == eager.images.shape == (6, 1, 32, 128)
    assert torch.equal(lazy.images[[4, 1]], eager.images[[4, 1]]) and lazy.images.drawn == 2
    image, target, length = lazy.dataset()[3]
    assert torch.equal(image, eager.images[3]) and length == len(eager.texts[3]) and lazy.images.drawn == 3
    assert torch.equal(lazy.images[torch.tensor([5])], eager.images[5:]) and lazy.images[0].shape == (
        1,
        32,
        128,
    )
    assert torch.equal(lazy.images.to("cpu"), eager.images) and lazy.images.drawn == 6
    assert [len(b[0]) for b in torch.utils.data.DataLoader(lazy.dataset(), batch_size=4)] == [4, 2]
    with pytest.raises(ValueError, match="lazy must be True or False"):
        make_text_lines(2, lazy="yes")
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        RenderedImages(["ab"], seed=-1)


# --- a miniature IIIT5K-Word_V3.0.tar.gz and test registries ----------------------------------------

WORDS = {
    "train": ["HOTEL", "Open", "2017", "CAFE&BAR"],  # the last has a character outside the alphabet
    "test": ["PRIVATE", "TAXI", "ROAD"],
}


def _level(split: str, index: int) -> int:
    return 40 + 30 * index + (0 if split == "train" else 15)


def _png(level: int, size: tuple[int, int] = (60, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (level, level, level)).save(buffer, format="PNG")  # the real crops are RGB
    return buffer.getvalue()


def _mat(split: str) -> bytes:
    names = [f"{split}/{i + 1}_1.png" for i in range(len(WORDS[split]))]
    return struct_array_mat(split, names, WORDS[split])


def miniature_tar_gz() -> bytes:
    members = {}
    for split, words in WORDS.items():
        members[f"IIIT5K/{split}data.mat"] = _mat(split)
        for i in range(len(words)):
            members[f"IIIT5K/{split}/{i + 1}_1.png"] = _png(_level(split, i))
    members["IIIT5K/lexicon.txt"] = b"HOTEL\nPRIVATE\n"
    return tar_gz(members)


@pytest.fixture
def iiit5k_registry(use_registry, server, cache):
    """`use(state)`: the miniature archive "online" or "offline" (a closed port)."""

    def use(state: str = "online") -> None:
        data = miniature_tar_gz()
        if state == "online":
            url = server.add("IIIT5K-Word_V3.0.tar.gz", data)
        else:
            url = closed_port_url("IIIT5K-Word_V3.0.tar.gz")
        checksum = hashlib.sha256(data).hexdigest()
        use_registry(
            {
                "name": "iiit5k-word",
                "description": "a miniature IIIT5K-Word_V3.0.tar.gz",
                "urls": [url],
                "checksum": f"sha256:{checksum}",
                "size_bytes": len(data),
                "license": "CC0",
                "notebooks": ["16_ocr"],
                "fallback": "rendered words",
                "archive": True,
                "checksum_source": "computed by the test",
            }
        )

    return use


def test_read_iiit5k_split_reads_the_struct_array_in_order(iiit5k_registry, cache):
    iiit5k_registry()
    from utils.data.registry import fetch

    folder = fetch("iiit5k-word")  # the extracted archive's single top folder, IIIT5K
    assert folder.name == "IIIT5K"
    items = read_iiit5k_split(folder, "test")
    assert [word for _, word in items] == WORDS["test"]
    assert [path.relative_to(folder).as_posix() for path, _ in items] == [
        "test/1_1.png",
        "test/2_1.png",
        "test/3_1.png",
    ]
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        read_iiit5k_split(folder, "val")
    with pytest.raises(ValueError, match="not laid out as IIIT5K"):
        read_iiit5k_split(folder / "train", "train")


def test_load_iiit5k_reads_every_usable_crop_lower_cased(iiit5k_registry, server, cache, capsys):
    iiit5k_registry()
    task = load_iiit5k(smoke=False, height=16, width=64)
    assert isinstance(task, WordTask) and task.name == "IIIT5K-Word (real word crops)"
    assert task.train.texts == ["hotel", "open", "2017"] and task.test.texts == ["private", "taxi", "road"]
    assert task.train.images.shape == (3, 1, 16, 64) and task.test.images.dtype == torch.float32
    levels = [round(image.mean().item() * 255) for image in task.train.images]  # each crop is its own file
    assert levels == [_level("train", i) for i in range(3)]
    assert server.requests == ["/IIIT5K-Word_V3.0.tar.gz"]
    expected = (
        "DATA: IIIT5K-Word, 3 train / 3 test word crops (16x64, lower-cased; 1 words with characters outside "
        f"the alphabet left out), verified in {(cache / 'iiit5k-word').resolve()}"
    )
    assert announced(capsys.readouterr().out) == [expected] and task.source == expected


def test_load_iiit5k_draws_a_seeded_subset_and_filters_by_the_alphabet(iiit5k_registry, capsys):
    iiit5k_registry()
    a = load_iiit5k(smoke=True, seed=3, n_train=2, n_test=2)
    b = load_iiit5k(smoke=True, seed=3, n_train=2, n_test=2)
    assert len(a.train) == len(a.test) == 2 and a.train.texts == b.train.texts
    assert set(a.train.texts) <= {"hotel", "open", "2017"}
    with pytest.raises(ValueError, match="test: no word uses only the characters"):
        load_iiit5k(smoke=False, alphabet="0123456789 ")  # the test words hold letters only


def test_load_iiit5k_offline_renders_words_in_an_unseen_font(iiit5k_registry, server, capsys):
    iiit5k_registry("offline")
    task = load_iiit5k(smoke=True, seed=0, n_train=30, n_test=20, alphabet="0123456789 ")
    (line,) = announced(capsys.readouterr().out)
    assert line.startswith("OFFLINE: IIIT5K-Word could not be downloaded (")
    assert line.endswith(
        "→ using 30 train / 20 test words rendered in DejaVuSerif (a font the recogniser never saw; "
        "no test word is a training word) instead."
    )
    assert task.source == line and task.name == "rendered words, DejaVuSerif (offline stand-in)"
    assert task.train.images.shape == (30, 1, 32, 128) and len(task.test) == 20
    assert not set(task.train.texts) & set(task.test.texts)
    assert all(t.isdigit() and 3 <= len(t) <= 10 for t in task.train.texts + task.test.texts)
    assert server.requests == []


def test_load_iiit5k_rejects_bad_arguments():
    with pytest.raises(ValueError, match="smoke must be True or False"):
        load_iiit5k(smoke=1)
    with pytest.raises(ValueError, match=r"n_train must be a positive int \(a number of words\) or None"):
        load_iiit5k(smoke=True, n_train=0)
    with pytest.raises(ValueError, match="wider than high"):
        load_iiit5k(smoke=True, height=64, width=32)


def test_the_mirror_miniature_is_read_and_has_enough_numbers_for_smoke(use_registry, server, cache, capsys):
    """tests/mirror/iiit5k.py (notebook 16's online run): SMOKE's digit alphabet keeps the numbers only,
    and draws a real subset of the test split; full mode reads letters and numbers, upper-case lowered."""
    data = iiit5k_tar_gz()
    use_registry(
        {
            "name": "iiit5k-word",
            "description": "the test mirror's IIIT5K miniature",
            "urls": [server.add("IIIT5K-Word_V3.0.tar.gz", data)],
            "checksum": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "size_bytes": len(data),
            "license": "CC0",
            "notebooks": ["16_ocr"],
            "fallback": "rendered words",
            "archive": True,
            "checksum_source": "computed by the test",
        }
    )
    smoke = load_iiit5k(smoke=True, seed=16, height=32, width=128, alphabet="0123456789 ")
    assert smoke.name == "IIIT5K-Word (real word crops)" and len(smoke.test) == 200
    assert 100 <= len(smoke.train) <= 300 and all(t.isdigit() for t in smoke.train.texts + smoke.test.texts)
    full = load_iiit5k(smoke=False, height=32, width=256)
    assert len(full.train) > len(smoke.train) and any(t.isalpha() and t.islower() for t in full.test.texts)
    dark = full.train.images.mean((1, 2, 3)) < 0.5
    assert dark.any() and not dark.all()  # dark text on light paper, and light on dark, as in photos
    assert "words with characters outside the alphabet left out" in capsys.readouterr().out
