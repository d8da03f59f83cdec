"""The Examples in utils.metrics' docstrings run and print what they say (two had drifted: `oks`
printed exp(-1/4) = 0.7788 where its docstring said 0.6065, and `keypoint_ap` 0.9999999999999998)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest
import torch

import utils.metrics


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(utils.metrics.__path__)])
def test_docstring_examples_run_as_written(name):
    module = importlib.import_module(f"utils.metrics.{name}")
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs = {**vars(module), "np": np, "torch": torch}
    tests = [t for t in finder.find(module, globs=globs) if t.examples]
    assert tests, f"utils.metrics.{name} has no Example"
    torch.manual_seed(0)
    for test in tests:
        runner.run(test, out=lambda text: None)
    assert runner.failures == 0, (
        f"{runner.failures} Example(s) of utils.metrics.{name} fail: run doctest on it"
    )
