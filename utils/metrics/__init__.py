"""Metrics written from scratch, one module per family, all importable from here by the course plan's
names: `from utils.metrics import accuracy`.

Every function works on a whole dataset at once (so `fit`/`evaluate` call it once per epoch, not
once per batch, and mIoU, mAP, CER or BLEU come out exactly as defined), rejects bad input with a
clear ValueError, and is cross-checked against a reference library in the tests. Most take tensors;
the text and captioning metrics take strings.

Families (module: what it measures, notebook):
- `classification`: accuracy, top-k, confusion matrix, precision/recall/F1 (04-10, 21)
- `detection`: box and mask IoU, NMS, COCO mAP for boxes and masks (11, 13)
- `segmentation`: pixel accuracy, IoU per class, mIoU, Dice (12)
- `keypoints`: PCK, OKS, keypoint AP (14)
- `verification`: ROC, AUC, FAR/FRR, EER (15)
- `text`: edit distance, CER, WER (16)
- `captioning`: corpus BLEU, CIDEr-D (17)
- `image_quality`: PSNR, SSIM, Y channel, shaved border (18)
- `generation`: Fréchet distance, FID from features (19)
- `depth`: AbsRel, SqRel, RMSE, RMSE log, log10, δ < 1.25^k (20)
"""

from utils.metrics.captioning import bleu, bleu_stats, cider, cider_scores, ngrams
from utils.metrics.classification import accuracy, confusion_matrix, precision_recall_f1, topk_accuracy
from utils.metrics.depth import DEPTH_METRICS, depth_metrics, median_scale, valid_depth_mask
from utils.metrics.detection import box_iou, mask_iou, mean_average_precision, nms
from utils.metrics.generation import fid_from_features, frechet_distance
from utils.metrics.image_quality import gaussian_window, psnr, rgb_to_y, shave, ssim, ssim_map
from utils.metrics.keypoints import COCO_SIGMAS, keypoint_ap, oks, pck
from utils.metrics.segmentation import dice, iou_per_class, mean_iou, pixel_accuracy
from utils.metrics.text import cer, edit_distance, wer
from utils.metrics.verification import auc, eer, far_frr, roc_curve

__all__ = [
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
