"""U-Net (Ronneberger et al., 2015): an encoder-decoder with skip connections, for dense prediction.

Notebook 12 builds this network cell by cell and checks that it equals `unet(...)`; later notebooks
(depth estimation, 20) use the shortcut. Any output that has one value per pixel fits: class scores
for segmentation (out_channels = number of classes), one depth value (out_channels = 1), an image.

Example:
    >>> net = unet(in_channels=3, out_channels=4, base=8, depth=2)
    >>> net(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 4, 32, 32])
"""

from __future__ import annotations

import numbers

import torch
from torch import Tensor, nn


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two (3×3 convolution → BatchNorm → ReLU) blocks: U-Net's unit at every level. Keeps H and W.

    Example:
        >>> double_conv(3, 8)(torch.rand(1, 3, 10, 10)).shape
        torch.Size([1, 8, 10, 10])
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """U-Net with `depth` down-sampling steps; level i has `base * 2**i` channels.

    Encoder: double_conv, then (max-pool 2×2 → double_conv) `depth` times. Decoder, from the
    bottom up: a 2×2 transposed convolution doubles H and W and halves the channels, the encoder's
    feature map of the same size is concatenated (the skip connection), and a double_conv merges
    them. A 1×1 convolution (`head`) gives `out_channels` values per pixel. H and W of the input must
    be multiples of 2**depth.
    """

    def __init__(self, in_channels: int, out_channels: int, base: int = 16, depth: int = 3) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("base", base),
            ("depth", depth),
        ):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        widths = [base * 2**level for level in range(depth + 1)]  # e.g. 16, 32, 64, 128
        self.depth = depth
        self.encoders = nn.ModuleList(
            [double_conv(in_channels, widths[0])]
            + [double_conv(widths[level], widths[level + 1]) for level in range(depth)]
        )
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[level + 1], widths[level], kernel_size=2, stride=2)
            for level in reversed(range(depth))
        )
        self.decoders = nn.ModuleList(
            double_conv(2 * widths[level], widths[level]) for level in reversed(range(depth))
        )
        self.head = nn.Conv2d(widths[0], out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        step = 2**self.depth
        if x.dim() != 4 or x.shape[-1] % step or x.shape[-2] % step:
            raise ValueError(
                f"expected images (N, C, H, W) with H and W multiples of {step} (2**depth), got {tuple(x.shape)}"
            )
        skips = []
        for level, encoder in enumerate(self.encoders):
            x = encoder(x if level == 0 else nn.functional.max_pool2d(x, 2))
            skips.append(x)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips[:-1])):
            x = decoder(torch.cat([up(x), skip], dim=1))  # the skip connection: concatenate
        return self.head(x)


def unet(in_channels: int, out_channels: int, base: int = 16, depth: int = 3) -> UNet:
    """A U-Net (see `UNet`): `out_channels` values per pixel for images with `in_channels` channels.

    Args:
        in_channels: channels of the input image (3 for RGB).
        out_channels: values per output pixel (the number of classes, or 1 for depth).
        base: channels of the first level; each level down doubles them.
        depth: number of 2× down-sampling steps (H and W must be multiples of 2**depth).

    Example:
        >>> sum(p.numel() for p in unet(3, 4, base=16, depth=3).parameters())
        482788
    """
    return UNet(in_channels, out_channels, base=base, depth=depth)
