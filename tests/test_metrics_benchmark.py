"""Tests for benchmarks.metrics (`make bench`): at a tiny size it gives one row per metric whose
reference library is installed, each with both times and both values, and the values agree."""

from __future__ import annotations

import importlib.util

import pytest

from benchmarks import metrics as benchmark
from benchmarks.metrics import Case, Row, cases, format_table, main, run

LIBRARIES = {  # the reference library each case imports (requirements-dev.txt)
    "accuracy": "sklearn",
    "topk_accuracy": "sklearn",
    "confusion_matrix": "sklearn",
    "precision_recall_f1": "sklearn",
    "box_iou": "torchvision",
    "nms": "torchvision",
    "mask_iou": "pycocotools",
    "mean_average_precision": "torchmetrics",
    "mean_average_precision_segm": "torchmetrics",
    "keypoint_ap": "pycocotools",
    "pixel_accuracy": "sklearn",
    "mean_iou": "torchmetrics",
    "iou_per_class": "sklearn",
    "dice": "sklearn",
    "roc_curve": "sklearn",
    "auc": "sklearn",
    "edit_distance": "rapidfuzz",
    "cer": "jiwer",
    "wer": "jiwer",
    "bleu": "nltk",
    "cider": "pycocoevalcap",
    "psnr": "skimage",
    "ssim": "skimage",
    "rgb_to_y": "skimage",
    "frechet_distance": "pytorch_fid",
    "fid_from_features": "pytorch_fid",
}


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return run(scale=0.005, repeats=1)


def test_every_case_names_its_library_and_every_metric_with_a_reference_has_a_case():
    assert sorted(cases()) == sorted(LIBRARIES)
    names = {name.removesuffix("_segm") for name in cases()}
    for metric in ("ssim", "cer", "wer", "nms", "keypoint_ap", "mean_average_precision", "bleu", "cider"):
        assert metric in names


def test_a_tiny_run_gives_one_row_per_installed_reference_and_the_values_agree(rows):
    installed = [name for name in cases() if importlib.util.find_spec(LIBRARIES[name]) is not None]
    assert [row.case for row in rows] == installed
    for row in rows:
        assert row.agree, (row.metric, row.ours_value, row.reference_value)
        assert row.ours_s >= 0 and row.reference_s >= 0 and row.ratio >= 0
        assert row.ours_value is not None and row.reference_value is not None


def test_the_table_has_a_line_per_row_with_both_times_and_values(rows):
    table = format_table(rows).splitlines()
    assert table[0].startswith("| metric | reference | input | ours | reference | ours / ref |")
    assert len(table) == 2 + len(rows)
    assert all(line.count("|") == 10 and line.endswith("| yes |") for line in table[2:])


def test_a_disagreement_is_shown_and_fails_the_command(monkeypatch, capsys):
    wrong = Case("psnr", "a wrong reference", lambda: 1.0, lambda: 2.0, "tiny")
    monkeypatch.setattr(benchmark, "_CASES", [("psnr", lambda scale: wrong)])
    assert main(["--scale", "0.01", "--repeats", "1"]) == 1
    out = capsys.readouterr().out
    assert "| NO |" in out and "1 metrics" in out


def test_a_missing_library_leaves_its_case_out_and_says_so(monkeypatch, capsys):
    def needs_a_missing_library(scale: float) -> Case:
        raise ImportError("No module named 'not_installed'")

    monkeypatch.setattr(benchmark, "_CASES", [("psnr", needs_a_missing_library)])
    assert run(scale=0.01, repeats=1) == []
    assert main(["--repeats", "1"]) == 0
    assert "left out (reference library not installed): psnr" in capsys.readouterr().out


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="scale must be a positive number"):
        run(scale=0)
    with pytest.raises(ValueError, match="repeats must be a positive int"):
        run(repeats=0)
    with pytest.raises(ValueError, match="unknown case"):
        run(only=["not_a_metric"])


@pytest.mark.skipif(importlib.util.find_spec("torchmetrics") is None, reason="needs torchmetrics")
def test_the_readmes_quicker_run_agrees_on_map():
    # `make bench BENCH_ARGS="--scale 0.1"` (the README's quicker run) once printed "NO" for bbox mAP:
    # torchmetrics' default thresholds are float32 linspaces; the benchmark now passes COCO's own.
    for row in run(scale=0.1, repeats=1, only=["mean_average_precision"]):
        assert row.agree, (row.metric, row.ours_value, row.reference_value)
