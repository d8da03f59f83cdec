"""Tests for utils.data.captions: `tokenize`, `Vocabulary`, `scene_captions`, `caption_scenes`,
`CaptionSplit.pairs`, `parse_flickr8k_captions` and `load_captions` through each source.

No internet: the Flickr8k path runs on miniature Flickr8k_text.zip and Flickr8k_Dataset.zip archives in
the exact layout of the real ones (the text files at the top of the first, lines
'<image>.jpg#<k><TAB><caption>'; the photos in Flicker8k_Dataset/ in the second, real JPEG files),
served by the local HTTP server of conftest.py through a test registry. "Offline" is a registry whose
URLs point at a closed port. Each miniature photo is one flat grey level that says which file it is.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url
from utils.data.captions import (
    HELD_OUT,
    SPECIALS,
    CaptionData,
    CaptionSplit,
    Vocabulary,
    caption_scenes,
    load_captions,
    parse_flickr8k_captions,
    scene_captions,
    tokenize,
)
from utils.data.scenes import SceneObject, make_scene

SPLITS = {"train": 6, "val": 3, "test": 3}  # miniature photos per official list
LISTS = {
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}


# --- words and ids -------------------------------------------------------------------------------


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize("A child in a pink dress is climbing up a set of stairs in an entry way .") == [
        *[
            "a",
            "child",
            "in",
            "a",
            "pink",
            "dress",
            "is",
            "climbing",
            "up",
            "a",
            "set",
            "of",
            "stairs",
            "in",
            "an",
            "entry",
            "way",
        ]
    ]
    assert tokenize("The dog's ball, RED!") == ["the", "dog's", "ball", "red"]
    assert tokenize("") == []
    with pytest.raises(ValueError, match="expected a caption string"):
        tokenize(["a", "dog"])


def test_vocabulary_puts_specials_first_and_round_trips():
    vocab = Vocabulary.from_captions(["a dog runs", "A dog.", "a cat"])
    assert vocab.words[:4] == list(SPECIALS) and (vocab.pad, vocab.bos, vocab.eos, vocab.unk) == (0, 1, 2, 3)
    assert vocab.words[4:] == ["a", "dog", "cat", "runs"]  # most frequent first, then alphabetical
    assert len(vocab) == 8
    ids = vocab.encode("A dog chases a cat!")
    assert ids == [1, 4, 5, 3, 4, 6, 2]  # "chases" is unknown
    assert vocab.decode(ids) == "a dog <unk> a cat"
    assert vocab.decode(torch.tensor([1, 5, 2, 4, 4])) == "dog"  # stops at <eos>
    assert vocab.encode("a dog runs", max_words=2) == [1, 4, 5, 2]
    assert Vocabulary.from_captions(["a dog", "a cat"], min_count=2).words[4:] == ["a"]
    assert Vocabulary(["a", "<pad>", "a", "b"]).words == [*SPECIALS, "a", "b"]


def test_encode_batch_pads_after_eos():
    vocab = Vocabulary(["a", "dog"])
    batch = vocab.encode_batch(["a dog", "dog", "a a a a a"], max_words=3)
    assert batch.dtype == torch.int64 and batch.tolist() == [
        [1, 4, 5, 2, 0],
        [1, 5, 2, 0, 0],
        [1, 4, 4, 4, 2],
    ]


def test_vocabulary_refuses_bad_input():
    vocab = Vocabulary(["a"])
    with pytest.raises(ValueError, match="min_count must be a positive int"):
        Vocabulary.from_captions(["a"], min_count=0)
    with pytest.raises(ValueError, match="max_words must be a positive int"):
        vocab.encode_batch(["a"], max_words=0)
    with pytest.raises(ValueError, match="id 9 is not in this vocabulary of 5 words"):
        vocab.decode([1, 9])
    with pytest.raises(ValueError, match="words must be non-empty strings"):
        Vocabulary(["a", ""])


# --- grammar captions of scenes ------------------------------------------------------------------


def test_scene_captions_name_objects_left_to_right():
    left, right = (
        SceneObject("circle", "red", (10, 40), 8, 2.0),
        SceneObject("square", "blue", (50, 20), 8, 1.5),
    )
    assert scene_captions([right, left]) == [
        "a red circle to the left of a blue square",
        "a blue square to the right of a red circle",
        "a red circle and a blue square",
        "there is a red circle near a blue square",
    ]
    assert scene_captions([left]) == ["a red circle", "there is a red circle", "a single red circle"]
    scene = make_scene(64, seed=3, num_objects=(1, 2))
    assert scene_captions(scene) == scene_captions(scene.objects) and len(scene_captions(scene)) >= 3
    for objects in ([], [left, right, left]):
        with pytest.raises(ValueError, match="scenes of 1 or 2 objects"):
            scene_captions(objects)


def test_caption_scenes_keep_held_out_pairs_for_the_novel_split_only():
    held = {f"{c} {s}" for c, s in HELD_OUT}
    seen, novel = caption_scenes(40, 32, seed=5), caption_scenes(20, 32, seed=5, novel=True)
    for split, n in ((seen, 40), (novel, 20)):
        assert isinstance(split, CaptionSplit) and len(split) == n
        assert split.images.shape == (n, 3, 32, 32) and split.images.dtype == torch.uint8
        assert all(len(refs) >= 3 for refs in split.captions) and split.names[0] == "scene 0"
    assert not any(pair in refs[0] for refs in seen.captions for pair in held)
    assert all(any(pair in refs[0] for pair in held) for refs in novel.captions)
    again = caption_scenes(40, 32, seed=5)
    assert torch.equal(again.images, seen.images) and again.captions == seen.captions
    assert caption_scenes(5, 32, seed=6).captions != seen.captions[:5]
    everything = caption_scenes(60, 32, seed=5, held_out=())  # nothing held out: some scenes hold those pairs
    assert any(pair in refs[0] for refs in everything.captions for pair in held)
    with pytest.raises(ValueError, match="n must be a positive int"):
        caption_scenes(0, 32, seed=0)


def test_pairs_give_one_row_per_caption():
    split = caption_scenes(5, 32, seed=2)
    vocab = Vocabulary.from_captions(c for refs in split.captions for c in refs)
    index, ids = split.pairs(vocab, max_words=12)
    assert index.tolist() == [i for i, refs in enumerate(split.captions) for _ in refs]
    assert ids.shape == (len(index), 14)
    flat = [c for refs in split.captions for c in refs]
    assert [vocab.decode(row) for row in ids] == flat


# --- Flickr8k (miniature archives in the real layout) --------------------------------------------


def photo_name(split: str, i: int) -> str:
    return f"{1000 + 100 * list(SPLITS).index(split) + i}_0a1b2c3d4e.jpg"


def grey_jpeg(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), (value, value, value)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def grey_of(name: str) -> int:
    split, i = next((s, i) for s in SPLITS for i in range(SPLITS[s]) if photo_name(s, i) == name)
    return 20 + 15 * (list(SPLITS).index(split) * 6 + i)


def captions_of(name: str) -> list[str]:
    return [f"A dog number {k} runs near photo {name[:4]} ." for k in range(5)]


def miniature_archives() -> tuple[bytes, bytes]:
    text, photos = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(text, "w") as archive:
        lines = [
            f"{photo_name(s, i)}#{k}\t{caption}"
            for s in SPLITS
            for i in range(SPLITS[s])
            for k, caption in enumerate(captions_of(photo_name(s, i)))
        ]
        lines.append("9999_ffffffffff.jpg#0\tA photo in no list .")  # an image outside the three lists
        archive.writestr("Flickr8k.token.txt", "\n".join(lines) + "\n")
        archive.writestr("Flickr8k.lemma.token.txt", "\n".join(lines) + "\n")
        for split, name in LISTS.items():
            archive.writestr(name, "\n".join(photo_name(split, i) for i in range(SPLITS[split])) + "\n")
        archive.writestr("readme.txt", "miniature Flickr8k for tests\n")
    with zipfile.ZipFile(photos, "w") as archive:
        for split, count in SPLITS.items():
            for i in range(count):
                name = photo_name(split, i)
                archive.writestr(f"Flicker8k_Dataset/{name}", grey_jpeg(grey_of(name)))
    return text.getvalue(), photos.getvalue()


@pytest.fixture
def flickr_registry(use_registry, server, cache):
    """`use(state)`: a test registry for both archives: "online" or "offline"."""

    def use(state: str = "online", archives: tuple[bytes, bytes] | None = None) -> None:
        items = []
        for name, (filename, data) in zip(
            ("flickr8k-text", "flickr8k-images"),
            zip(("Flickr8k_text.zip", "Flickr8k_Dataset.zip"), archives or miniature_archives()),
        ):
            url = server.add(filename, data) if state == "online" else closed_port_url(filename)
            checksum = hashlib.md5(data).hexdigest()
            items.append(
                {
                    "name": name,
                    "description": f"a miniature {filename}",
                    "urls": [url],
                    "checksum": f"md5:{checksum}",
                    "size_bytes": len(data),
                    "license": "CC0",
                    "notebooks": ["17_image_captioning"],
                    "fallback": "generated scenes",
                    "archive": True,
                    "checksum_source": "computed by the test",
                }
            )
        use_registry(*items)

    return use


def test_parse_flickr8k_captions_reads_the_token_file(tmp_path):
    path = tmp_path / "Flickr8k.token.txt"
    path.write_text(
        "a.jpg#0\tA dog .\na.jpg#1\tA brown dog runs .\n\nb.jpg#0\tTwo cats .\n", encoding="utf-8"
    )
    assert parse_flickr8k_captions(path) == {
        "a.jpg": ["A dog .", "A brown dog runs ."],
        "b.jpg": ["Two cats ."],
    }
    path.write_text("a.jpg#0\tA dog .\na.jpg A cat\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: expected '<image>.jpg#<k><TAB><caption>'"):
        parse_flickr8k_captions(path)


def test_full_mode_reads_the_official_lists(flickr_registry, server, cache, capsys):
    flickr_registry()
    data = load_captions(smoke=False, image_size=24, seed=0)
    assert isinstance(data, CaptionData) and data.name == "Flickr8k" and data.image_size == 24
    for split in SPLITS:
        part = getattr(data, split)
        assert part.names == [photo_name(split, i) for i in range(SPLITS[split])]  # in the list's order
        assert part.images.shape == (SPLITS[split], 3, 24, 24) and part.images.dtype == torch.uint8
        assert part.captions == [captions_of(name) for name in part.names]
        greys = part.images.float().mean(dim=(1, 2, 3))
        assert all(abs(g - grey_of(name)) < 3 for g, name in zip(greys.tolist(), part.names))
    assert sorted(server.requests) == ["/Flickr8k_Dataset.zip", "/Flickr8k_text.zip"]
    lines = announced(capsys.readouterr().out)
    assert lines == [data.source] and lines[0].startswith(
        "DATA: Flickr8k, 6 train / 3 val / 3 test images (24x24, all of the official train / dev / test lists)"
    )
    assert data.test_note == "Flickr8k's official test images"


def test_smoke_draws_a_seeded_subset_of_each_list(flickr_registry, capsys):
    flickr_registry()
    a = load_captions(smoke=True, image_size=16, seed=1, n_train=4, n_val=2, n_test=1)
    b = load_captions(smoke=True, image_size=16, seed=1, n_train=4, n_val=2, n_test=1)
    assert (len(a.train), len(a.val), len(a.test)) == (4, 2, 1) and a.train.names == b.train.names
    assert set(a.train.names) <= {photo_name("train", i) for i in range(6)}
    assert "drawn from the official" in a.source
    with pytest.raises(ValueError, match="Flickr8k train: asked for 300 images, but the list holds 6"):
        load_captions(smoke=True, image_size=16)  # SMOKE's default 300 training images


def test_without_flickr8k_it_falls_back_to_captioned_scenes(flickr_registry, capsys):
    flickr_registry("offline")
    data = load_captions(smoke=True, image_size=32, seed=2, n_train=12, n_val=4, n_test=5)
    (line,) = announced(capsys.readouterr().out)
    assert (
        line.startswith("OFFLINE: Flickr8k could not be downloaded (connection refused")
        and line == data.source
    )
    assert "generated scenes with grammar captions: 12 train / 4 val / 5 test (32x32" in line
    assert data.name == "generated scenes" and "unseen colour-shape pair" in data.test_note
    held = [f"{c} {s}" for c, s in HELD_OUT]
    assert all(any(p in refs[0] for p in held) for refs in data.test.captions)
    assert not any(p in refs[0] for refs in data.train.captions + data.val.captions for p in held)
    assert data.train.images.shape == (12, 3, 32, 32)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1, "image_size": 32}, "smoke must be True or False"),
        ({"smoke": True, "image_size": 8}, "image_size must be an int from 16 to 1024"),
        ({"smoke": True, "image_size": 32, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": True, "image_size": 32, "n_val": 0}, "n_val must be a positive int"),
    ],
)
def test_load_captions_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_captions(**kwargs)


# --- the course mirror's miniature (tests/mirror/flickr8k.py) -----------------------------------------


def test_the_mirror_miniature_serves_notebook_17_in_smoke_sizes(flickr_registry):
    """Notebook 17 online draws SMOKE's default 300 / 60 / 60 images; each has five captions that
    name what its image shows (a colour word and a shape word of the scene)."""
    from tests.mirror.flickr8k import build_images, build_text

    flickr_registry(archives=(build_text(), build_images()))
    data = load_captions(smoke=True, image_size=64)
    assert (len(data.train), len(data.val), len(data.test)) == (300, 60, 60) and data.name == "Flickr8k"
    for split in (data.train, data.val, data.test):
        assert all(len(refs) == 5 for refs in split.captions)
        assert split.images.shape[1:] == (3, 64, 64) and split.images.float().std() > 10
    words = {w for refs in data.train.captions for c in refs for w in tokenize(c)}
    assert {"red", "blue", "circle", "square", "triangle"} <= words
