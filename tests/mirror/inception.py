"""Inception-v3's ImageNet weights for the test mirror: notebook 19 computes a real FID with them.

TEST-ONLY: like every weights file of the mirror, a random-valued state dict of the right architecture
under torchvision's real file name (see tests/mirror/__init__.py); the notebook's FID code runs on it,
its numbers mean nothing. MNIST itself comes from tests/mirror/digits.py.
"""

from __future__ import annotations

WEIGHTS: list[tuple[str, str]] = [("inception_v3", "IMAGENET1K_V1")]
