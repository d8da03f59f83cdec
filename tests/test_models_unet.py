"""Tests for utils.models.unet: `unet`, `UNet` and `double_conv`."""

from __future__ import annotations

import doctest
import sys

import pytest
import torch
from torch import nn

from utils.models.unet import UNet, double_conv, unet

# `utils.models.unet` is also the name of the function re-exported by utils.models, so the module
# itself is taken from sys.modules.
unet_module = sys.modules["utils.models.unet"]


def test_doctests_pass():
    assert doctest.testmod(unet_module).failed == 0


@pytest.mark.parametrize(("base", "depth", "size"), [(8, 1, 16), (16, 3, 64), (4, 4, 48)])
def test_output_has_one_value_per_pixel(base, depth, size):
    net = unet(3, 5, base=base, depth=depth)
    assert isinstance(net, UNet)
    assert net(torch.rand(2, 3, size, size)).shape == (2, 5, size, size)


def test_levels_double_the_channels_and_skips_concatenate():
    net = unet(1, 2, base=8, depth=3)
    assert [e[0].out_channels for e in net.encoders] == [8, 16, 32, 64]
    assert [u.out_channels for u in net.ups] == [32, 16, 8]
    assert [d[0].in_channels for d in net.decoders] == [64, 32, 16]  # up-sampled + skip
    assert net.head.kernel_size == (1, 1)


def test_double_conv_keeps_the_size_and_sets_the_channels():
    block = double_conv(3, 7)
    assert block(torch.rand(1, 3, 9, 11)).shape == (1, 7, 9, 11)
    assert sum(isinstance(m, nn.Conv2d) for m in block) == 2


def test_skip_connections_carry_fine_detail():
    """Without training, the output at a pixel depends on the input at that pixel through the top skip."""
    torch.manual_seed(0)
    net = unet(1, 1, base=4, depth=2).eval()
    x = torch.rand(1, 1, 16, 16, requires_grad=True)
    net(x)[0, 0, 5, 5].backward()
    assert x.grad[0, 0, 5, 5] != 0


def test_it_trains():
    torch.manual_seed(0)
    x = torch.rand(4, 3, 16, 16)
    y = (x[:, 0] > 0.5).long()  # a per-pixel rule
    net = unet(3, 2, base=4, depth=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_channels": 0, "out_channels": 2}, "in_channels must be a positive int"),
        ({"in_channels": 3, "out_channels": 2.0}, "out_channels must be a positive int"),
        ({"in_channels": 3, "out_channels": 2, "base": True}, "base must be a positive int"),
        ({"in_channels": 3, "out_channels": 2, "depth": 0}, "depth must be a positive int"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unet(**kwargs)


def test_sizes_that_do_not_divide_are_rejected():
    with pytest.raises(ValueError, match="multiples of 8"):
        unet(3, 2, depth=3)(torch.rand(1, 3, 20, 20))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        unet(3, 2, depth=1)(torch.rand(3, 16, 16))
