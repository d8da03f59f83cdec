"""Tests for utils.metrics.text (`edit_distance`, `cer`, `wer`), cross-checked against jiwer and torchmetrics
on random corpora and on edge cases (empty predictions, empty references, spaces, rates above 1)."""

import random

import jiwer
import pytest
from rapidfuzz.distance import Levenshtein
from torchmetrics.functional.text import char_error_rate, word_error_rate

from tests.conftest import best_cpu_seconds
from utils.metrics import cer, edit_distance, text, wer
from utils.metrics.text import _edit_distances


def _random_text(rng: random.Random, alphabet: str = "abcd", max_len: int = 14) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))


def _random_words(rng: random.Random, max_words: int = 6) -> str:
    return " ".join(
        rng.choice(["the", "cat", "sat", "on", "a", "mat", "dog"]) for _ in range(rng.randint(1, max_words))
    )


# --- edit_distance ------------------------------------------------------------------------------


def test_edit_distance_textbook_cases():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("flaw", "lawn") == 2
    assert edit_distance("", "") == 0
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3
    assert edit_distance("abc", "abc") == 0
    assert edit_distance(["the", "cat"], ["the", "cat", "sat"]) == 1
    assert edit_distance(("a", "b"), ["b", "a"]) == 2


def test_edit_distance_matches_rapidfuzz_on_random_strings():
    rng = random.Random(0)
    for _ in range(2000):
        a, b = _random_text(rng, "abc "), _random_text(rng, "abc ")
        assert edit_distance(a, b) == Levenshtein.distance(a, b), (a, b)
        assert edit_distance(a, b) == edit_distance(b, a)  # symmetric


def test_edit_distance_rejects_mixed_or_bad_input():
    with pytest.raises(ValueError, match="same kind"):
        edit_distance("abc", ["abc"])
    with pytest.raises(ValueError, match="must be a str or a list of words"):
        edit_distance(12, "12")


# --- cer and wer against jiwer and torchmetrics ----------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_cer_matches_torchmetrics_and_jiwer_on_random_corpora(seed):
    rng = random.Random(seed)
    refs = [
        _random_text(rng) or "a" for _ in range(30)
    ]  # no empty reference: jiwer and torchmetrics differ there
    preds = [_random_text(rng) for _ in range(30)]
    expected = float(char_error_rate(preds, refs))
    assert cer(preds, refs) == pytest.approx(expected, abs=1e-6)
    assert cer(preds, refs) == pytest.approx(
        jiwer.cer(refs, preds), abs=1e-6
    )  # jiwer: (reference, hypothesis)


@pytest.mark.parametrize("seed", range(5))
def test_wer_matches_torchmetrics_and_jiwer_on_random_corpora(seed):
    rng = random.Random(seed)
    refs = [_random_words(rng) for _ in range(25)]
    preds = [_random_words(rng) if rng.random() > 0.1 else "" for _ in range(25)]
    assert wer(preds, refs) == pytest.approx(float(word_error_rate(preds, refs)), abs=1e-6)
    assert wer(preds, refs) == pytest.approx(jiwer.wer(refs, preds), abs=1e-6)


def test_rates_are_corpus_level_not_a_mean_of_lines():
    preds, refs = ["abc", "x"], ["abc", "y"]  # 0 edits / 3 chars and 1 edit / 1 char
    assert cer(preds, refs) == pytest.approx(1 / 4)  # not (0 + 1) / 2
    assert cer(preds, refs) == pytest.approx(float(char_error_rate(preds, refs)))


@pytest.mark.parametrize(
    ("preds", "refs", "expected"),
    [
        ([""], ["abc"], 1.0),  # empty prediction: all deletions
        (["abcabc"], ["abc"], 1.0),  # 3 insertions / 3
        (["abcdefghi"], ["ab"], 3.5),  # a rate above 1
        (
            ["x", "ab"],
            ["", "ab"],
            0.5,
        ),  # an empty reference among others: its prediction counts as insertions
        ([" ab "], ["ab"], 1.0),  # spaces are characters (torchmetrics); jiwer's cer would strip them
        ("abd", "abc", 1 / 3),  # two plain strings: a corpus of one line
    ],
)
def test_cer_edge_cases_match_torchmetrics(preds, refs, expected):
    assert cer(preds, refs) == pytest.approx(expected)
    assert cer(preds, refs) == pytest.approx(float(char_error_rate(preds, refs)))


@pytest.mark.parametrize(
    ("preds", "refs", "expected"),
    [
        ([""], ["the cat"], 1.0),
        (["the  cat   sat"], ["the cat sat"], 0.0),  # runs of spaces separate words
        (["a b c d"], ["a"], 3.0),
        (["on", "the cat"], ["", "the cat"], 0.5),
    ],
)
def test_wer_edge_cases_match_torchmetrics_and_jiwer(preds, refs, expected):
    assert wer(preds, refs) == pytest.approx(expected)
    assert wer(preds, refs) == pytest.approx(float(word_error_rate(preds, refs)))
    if all(r.strip() for r in refs):
        assert wer(preds, refs) == pytest.approx(jiwer.wer(refs, preds))


@pytest.mark.parametrize("function", [cer, wer])
@pytest.mark.parametrize(
    ("preds", "refs", "message"),
    [
        ([], [], "no lines to score"),
        (["a"], ["a", "b"], "1 predictions for 2 references"),
        (["a", 3], ["a", "b"], "only strings"),
        ("abc", ["abc"], "must be a list of strings"),
        (None, ["abc"], "must be a list of strings"),
        ([""], [""], "hold no"),  # 0 / 0: undefined (torchmetrics: nan; jiwer: the raw edit count)
        (["x", "yz"], ["", " "], "hold no"),
    ],
)
def test_bad_input_and_empty_references_raise_clear_errors(function, preds, refs, message):
    if function is cer and refs == ["", " "]:
        assert cer(preds, refs) == 3.0  # a space is a character: defined for cer
        return
    with pytest.raises(ValueError, match=message):
        function(preds, refs)


# --- the fast path of cer and wer -----------------------------------------------------------------


def test_the_batched_fast_path_gives_edit_distance_for_every_pair(monkeypatch):
    """cer and wer add up `_edit_distances`, which runs the recurrence on many pairs at once; it must
    give the teaching `edit_distance` of each pair: characters (with non-ASCII and emoji), words,
    empty sides, and any block size (tiny blocks: one pair per block)."""
    rng = random.Random(7)
    texts = [_random_text(rng, "ab cé😀", 20) for _ in range(400)]
    pairs = list(zip(texts[:200], texts[200:]))
    pairs += [("", ""), ("", "abc"), ("abc", ""), ("😀", "😀😀")]
    words = [(p.split(), r.split()) for p, r in pairs]
    for batch in (pairs, words):
        expected = [edit_distance(p, r) for p, r in batch]
        assert _edit_distances(batch).tolist() == expected
        monkeypatch.setattr(text, "EDIT_BLOCK_CELLS", 1)
        assert _edit_distances(batch).tolist() == expected
        monkeypatch.undo()


def test_the_fast_path_switches_to_wide_integers_for_long_texts():
    """Short texts use int16 tables; a text of 2**14 units or more uses int64 (int16 would overflow here)."""
    long_ref = "ab" * 20_000  # 40,000 characters
    pairs = [("abba", long_ref), ("", long_ref), (long_ref[:5], "x")]
    assert _edit_distances(pairs).tolist() == [39_996, 40_000, 5]
    assert cer(["abba"], [long_ref]) == pytest.approx(39_996 / 40_000)


def test_cer_and_wer_are_no_slower_than_jiwer_on_a_corpus():
    """The speed bar of issue 18 on a small corpus (the full table: `make bench`): CER was 9x slower
    than jiwer (one NumPy call per row per pair), WER 2.3x. Generous margin for a busy machine."""

    rng = random.Random(3)
    refs = [
        " ".join(rng.choice(["the", "cat", "sat", "on", "mat", "dog"]) for _ in range(8)) for _ in range(400)
    ]
    preds = [r.replace("a", "o", 1) for r in refs]

    cpu = best_cpu_seconds

    for ours, theirs in ((cer, jiwer.cer), (wer, jiwer.wer)):
        ours_s, theirs_s = cpu(lambda: ours(preds, refs)), cpu(lambda: theirs(refs, preds))  # noqa: B023
        assert ours_s < 2 * theirs_s, (ours.__name__, ours_s, theirs_s)
