"""Tests for utils.checks."""

import numpy as np
import pytest

from utils.checks import is_int


@pytest.mark.parametrize("value", [0, 7, -3, np.int64(5), np.uint8(2)])
def test_is_int_accepts_python_and_numpy_integers(value):
    assert is_int(value)


@pytest.mark.parametrize("value", [True, False, 3.0, "3", None, np.float32(1)])
def test_is_int_rejects_bools_floats_and_others(value):
    assert not is_int(value)
