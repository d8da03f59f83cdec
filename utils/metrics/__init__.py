"""Metrics written from scratch, one module per family, all importable from here by the course plan's
names: `from utils.metrics import accuracy`.

Every function works on a whole dataset at once (so `fit`/`evaluate` call it once per epoch, not
once per batch, and mIoU, mAP, CER or BLEU come out exactly as defined), rejects bad input with a
clear ValueError, and is cross-checked against a reference library in the tests. Most take tensors;
the text and captioning metrics take strings.

Families (module: what it measures, notebook):
- `classification`: accuracy, top-k, confusion matrix, precision/recall/F1 (04-10, 21)
- `coco`: COCO's matcher, shared by box, mask and keypoint AP: greedy matching, 101-point AP (11, 13, 14)
- `detection`: box and mask IoU, NMS, COCO mAP for boxes and masks (11, 13)
- `segmentation`: pixel accuracy, IoU per class, mIoU, Dice (12)
- `keypoints`: PCK, OKS, keypoint AP (14)
- `verification`: ROC, AUC, FAR/FRR, EER (15)
- `text`: edit distance, CER, WER (16)
- `captioning`: corpus BLEU, CIDEr-D (17)
- `image_quality`: PSNR, SSIM, Y channel, shaved border (18)
- `generation`: Fréchet distance, FID from features (19)
- `depth`: AbsRel, SqRel, RMSE, RMSE log, log10, δ < 1.25^k (20)

A new family is a new module here with an `__all__`: it is exported without editing this file (two
families exporting one name is an ImportError). `make bench` (`python -m benchmarks.metrics`, outside
the library) times every metric against its reference library.
"""

import importlib
import pkgutil

FAMILIES = tuple(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))

__all__: list[str] = []
for _family in FAMILIES:  # each family's __all__ says what it exports: nothing here is hand-kept
    _module = importlib.import_module(f"{__name__}.{_family}")
    for _name in _module.__all__:
        if _name in __all__:
            raise ImportError(f"utils.metrics.{_family} exports {_name!r}, which another family exports too")
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
__all__.sort()
del _family, _module, _name
