"""utils.metrics exports what its family modules declare in `__all__`, nothing hand-kept: every public
function and class of every family is importable from `utils.metrics`, the course's names stay, and
the package docstring names every family."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import utils.metrics

# the 40 names of the hand-kept __all__ that the derived exports replaced: none may disappear
COURSE_NAMES = [
    "COCO_SIGMAS",
    "DEPTH_METRICS",
    "accuracy",
    "auc",
    "bleu",
    "bleu_stats",
    "box_iou",
    "cer",
    "cider",
    "cider_scores",
    "depth_metrics",
    "confusion_matrix",
    "dice",
    "edit_distance",
    "eer",
    "far_frr",
    "fid_from_features",
    "frechet_distance",
    "gaussian_window",
    "iou_per_class",
    "keypoint_ap",
    "mask_iou",
    "mean_average_precision",
    "mean_iou",
    "median_scale",
    "ngrams",
    "nms",
    "oks",
    "pck",
    "pixel_accuracy",
    "precision_recall_f1",
    "psnr",
    "rgb_to_y",
    "roc_curve",
    "shave",
    "ssim",
    "ssim_map",
    "topk_accuracy",
    "valid_depth_mask",
    "wer",
]


def _families() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(utils.metrics.__path__) if m.name != "benchmark"]


def test_the_families_are_every_module_but_the_benchmark():
    assert list(utils.metrics.FAMILIES) == _families()
    assert {"coco", "detection", "keypoints", "text"} <= set(utils.metrics.FAMILIES)


@pytest.mark.parametrize("family", _families())
def test_every_public_function_of_a_family_is_importable_from_utils_metrics(family):
    module = importlib.import_module(f"utils.metrics.{family}")
    public = [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]
    assert public, f"{family} defines no public function"
    missing = sorted(set(public) - set(module.__all__))
    assert not missing, f"utils.metrics.{family} does not list {missing} in its __all__"
    for name in module.__all__:
        assert getattr(utils.metrics, name) is getattr(module, name)
        assert name in utils.metrics.__all__


def test_the_course_names_stay_and_nothing_is_exported_twice():
    assert len(COURSE_NAMES) == 40
    assert sorted(set(COURSE_NAMES) - set(utils.metrics.__all__)) == []
    assert len(utils.metrics.__all__) == len(set(utils.metrics.__all__))
    everything: dict = {}
    exec("from utils.metrics import *", everything)  # what a star import gives: exactly __all__
    assert set(everything) - {"__builtins__"} == set(utils.metrics.__all__)


def test_the_docstring_names_every_family():
    for family in utils.metrics.FAMILIES:
        assert f"`{family}`" in utils.metrics.__doc__, family


def test_two_families_exporting_one_name_is_an_import_error(tmp_path, monkeypatch):
    """The derived exports refuse a clash instead of letting one family shadow another."""
    package = tmp_path / "fake_metrics"
    package.mkdir()
    source = Path(utils.metrics.__file__).read_text()
    (package / "__init__.py").write_text(source.replace("utils.metrics.", "fake_metrics."))
    (package / "one.py").write_text("def f():\n    pass\n\n\n__all__ = ['f']\n")
    (package / "two.py").write_text("def f():\n    pass\n\n\n__all__ = ['f']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="fake_metrics.two exports 'f', which another family exports too"):
        importlib.import_module("fake_metrics")
