"""Text-recognition metrics: the Levenshtein edit distance, the character and the word error rate.

Both rates are **corpus-level**, as jiwer and torchmetrics compute them: the edits of every
(prediction, reference) pair are added up, then divided by the total number of reference units
(characters for `cer`, words for `wer`). A long line therefore weighs more than a short one; this
is not the mean of per-line rates.

Conventions (documented, and tested against jiwer and torchmetrics):
- Characters are taken as given: spaces count, nothing is stripped or lower-cased (torchmetrics'
  convention; jiwer's `cer` strips leading and trailing spaces first).
- Words are what `str.split()` gives: runs of whitespace separate them.
- An empty prediction is fine: every reference unit is then a deletion (rate 1 for that line).
- An empty reference among others is fine: its predicted units count as insertions.
- If the references hold no unit at all (all empty), the rate is 0 / 0: a ValueError says so
  (torchmetrics returns inf or nan there, jiwer the raw edit count).
- A rate can exceed 1: a prediction may insert more units than the reference holds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def edit_distance(prediction: Sequence[Hashable], reference: Sequence[Hashable]) -> int:
    """The Levenshtein distance: the fewest insertions, deletions and substitutions turning one into the other.

    Works on strings (characters) and on lists of words alike. Dynamic programming, one row of
    the table at a time, each row vectorised with NumPy: with `t[j]` the best cost of reaching
    column j from the row above (a deletion or a substitution), the insertions along the row give
    `d[j] = min_k (t[k] + j - k) = j + cummin(t - k)[j]`.

    Args:
        prediction: what the model read (a str, or a list of words).
        reference: the true text, of the same kind.

    Example:
        >>> edit_distance("kitten", "sitting")
        3
        >>> edit_distance("the cat sat".split(), "the cat sat down".split())
        1
    """
    for name, value in (("prediction", prediction), ("reference", reference)):
        if not isinstance(value, (str, list, tuple)):
            raise ValueError(f"{name} must be a str or a list of words, got {type(value).__name__}")
    if isinstance(prediction, str) != isinstance(reference, str):
        raise ValueError(
            "prediction and reference must be of the same kind (two strings, or two lists of words), "
            f"got {type(prediction).__name__} and {type(reference).__name__}"
        )
    vocabulary: dict[Hashable, int] = {}
    pred = np.array([vocabulary.setdefault(u, len(vocabulary)) for u in prediction], dtype=np.int64)
    ref = np.array([vocabulary.setdefault(u, len(vocabulary)) for u in reference], dtype=np.int64)
    columns = np.arange(len(ref) + 1)
    row = columns.copy()  # d[0][j] = j: j insertions from the empty prefix
    for i, unit in enumerate(pred, start=1):
        through = np.empty_like(row)
        through[0] = i  # d[i][0] = i deletions
        through[1:] = np.minimum(row[1:] + 1, row[:-1] + (ref != unit))  # deletion, substitution/match
        row = columns + np.minimum.accumulate(through - columns)  # then insertions along the row
    return int(row[-1])


EDIT_BLOCK_CELLS = (
    1 << 18
)  # `_edit_distances` runs pairs together while (pairs x reference length) stays below


def _encode(
    texts: Sequence[Sequence[Hashable]], vocabulary: dict[Hashable, int]
) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one flat array of integer codes, and each text's length. Strings: their characters'
    code points (one `encode` for the whole corpus); lists of words: each word's index in `vocabulary`."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    if all(isinstance(t, str) for t in texts):
        flat = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    else:
        flat = np.array([vocabulary.setdefault(u, len(vocabulary)) for t in texts for u in t], dtype=np.int64)
    return flat, lengths


def _padded(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, fill: int) -> np.ndarray:
    """Texts `flat[start : start + length]` as the columns of one (longest, texts) array, padded with `fill`."""
    position = np.arange(int(lengths.max(initial=0)))[:, None]
    inside = position < lengths[None, :]
    index = np.where(inside, starts[None, :] + position, 0)
    return np.where(inside, flat[index] if flat.size else fill, fill)


def _edit_distances(pairs: Sequence[tuple[Sequence[Hashable], Sequence[Hashable]]]) -> np.ndarray:
    """`edit_distance` of many (prediction, reference) pairs at once, the fast path of `cer` and `wer`.

    The same row-by-row recurrence, run on a block of pairs together, one pair per column: one NumPy
    call per row of the block's longest prediction instead of one per row of every pair. Two savings
    on top: the table is kept shifted, `s[j] = d[j] - j`, where the insertions become a plain running
    minimum, `s = cummin(t)` with `t[j] = min(s_above[j] + 1, s_above[j - 1] - [ref[j] == unit])`;
    and pairs are sorted so that a block pads little and its finished pairs (short predictions) drop
    out of the computation. A pair's distance is read once its prediction's last row is done, at its
    reference's length (the padding beyond it never reaches back).

    Example:
        >>> _edit_distances([("kitten", "sitting"), ("", "abc"), ("the cat".split(), "a cat".split())]).tolist()
        [3, 3, 1]
    """
    vocabulary: dict[Hashable, int] = {}
    pred_flat, pred_len = _encode([p for p, _ in pairs], vocabulary)
    ref_flat, ref_len = _encode([r for _, r in pairs], vocabulary)
    pred_start, ref_start = np.cumsum(pred_len) - pred_len, np.cumsum(ref_len) - ref_len
    longest = int(max(pred_len.max(initial=0), ref_len.max(initial=0)))
    dtype = np.int16 if longest < 2**14 else np.int64  # small integers: less memory to stream through
    distances = ref_len.copy()  # an empty prediction is as many edits away as its reference is long
    order = np.lexsort((-pred_len, ref_len))  # by reference length, then longest prediction first
    start = 0
    while start < len(order):  # blocks of pairs of at most EDIT_BLOCK_CELLS cells per row of the table
        cells = np.arange(1, len(order) - start + 1) * (ref_len[order[start:]] + 1)
        stop = start + max(1, int(np.searchsorted(cells, EDIT_BLOCK_CELLS, side="right")))
        block, start = order[start:stop], stop
        block = block[np.argsort(-pred_len[block], kind="stable")]  # finished pairs are a suffix
        lp, lr = pred_len[block], ref_len[block]
        pred = _padded(pred_flat, pred_start[block], lp, -1)  # (longest prediction, pairs)
        ref = _padded(
            ref_flat, ref_start[block], lr, -2
        )  # padding never equals a unit, nor the other padding
        shifted = np.zeros((ref.shape[0] + 1, len(block)), dtype=dtype)  # s[j] = d[0][j] - j = 0
        through = np.empty_like(shifted)
        for i in range(1, pred.shape[0] + 1):
            active = int(np.searchsorted(-lp, -i, side="right"))  # the pairs whose prediction has a row i
            s, t = shifted[:, :active], through[:, :active]
            t[0] = i  # d[i][0] = i deletions
            np.add(s[1:], 1, out=t[1:])  # a deletion
            np.minimum(
                t[1:], s[:-1] - (ref[:, :active] == pred[i - 1, :active]), out=t[1:]
            )  # substitution / match
            np.minimum.accumulate(t, axis=0, out=s)  # then insertions
            done = np.nonzero(lp[:active] == i)[0]
            distances[block[done]] = shifted[lr[done], done].astype(np.int64) + lr[done]
    return distances


def _corpus(predictions: Sequence[str] | str, references: Sequence[str] | str, function: str):
    """Both arguments as equal-length lists of strings (a single string is a corpus of one line)."""
    if isinstance(predictions, str) and isinstance(references, str):
        return [predictions], [references]
    for name, value in (("predictions", predictions), ("references", references)):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ValueError(
                f"{function}: {name} must be a list of strings (or both arguments single strings), "
                f"got {type(value).__name__}"
            )
        bad = [type(v).__name__ for v in value if not isinstance(v, str)]
        if bad:
            raise ValueError(f"{function}: {name} must hold only strings, found {bad[0]}")
    if len(predictions) != len(references):
        raise ValueError(
            f"{function}: {len(predictions)} predictions for {len(references)} references: they must pair up"
        )
    if len(references) == 0:
        raise ValueError(f"{function}: no lines to score: the inputs are empty")
    return list(predictions), list(references)


def _rate(pairs, function: str, unit: str) -> float:
    edits = int(_edit_distances(pairs).sum())  # = sum(edit_distance(p, r) for p, r in pairs), faster
    total = sum(len(r) for _, r in pairs)
    if total == 0:
        raise ValueError(
            f"{function}: the references hold no {unit} at all, so the rate would be {edits} / 0: "
            f"undefined. Score at least one non-empty reference"
        )
    return edits / total


def cer(predictions: Sequence[str] | str, references: Sequence[str] | str) -> float:
    """Character error rate of a corpus: total character edits / total reference characters.

    Args:
        predictions: the texts read by the model, one string per line (or a single string).
        references: the true texts, in the same order.

    Returns:
        A float ≥ 0: 0 is perfect, 1 is as many edits as reference characters (can be exceeded).

    Raises:
        ValueError: not lists of strings, different lengths, no lines, or no reference character at all.

    Example:
        >>> cer(["helo", "world"], ["hello", "word"])  # 1 deletion + 1 insertion over 9 characters
        0.2222222222222222
    """
    predictions, references = _corpus(predictions, references, "cer")
    return _rate(list(zip(predictions, references)), "cer", "character")


def wer(predictions: Sequence[str] | str, references: Sequence[str] | str) -> float:
    """Word error rate of a corpus: total word edits / total reference words (words: `str.split()`).

    Args:
        predictions: the texts read by the model, one string per line (or a single string).
        references: the true texts, in the same order.

    Returns:
        A float ≥ 0: 0 is perfect; can exceed 1 when the prediction holds many extra words.

    Raises:
        ValueError: not lists of strings, different lengths, no lines, or no reference word at all.

    Example:
        >>> wer(["the cat sat", "on a mat"], ["the cat sat down", "on the mat"])  # 1 + 1 edits / 7 words
        0.2857142857142857
    """
    predictions, references = _corpus(predictions, references, "wer")
    return _rate([(p.split(), r.split()) for p, r in zip(predictions, references)], "wer", "word")


__all__ = ["cer", "edit_distance", "wer"]  # what `utils.metrics` exports from this module
