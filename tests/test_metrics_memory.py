"""Issue 17's attacks on the metrics' memory: `nms` on 10,000 boxes took 4.5 GB (an N x N IoU
matrix) and ran out of memory at 20,000; `ssim` on one 3 x 2048 x 2048 image took 13 GB and 47 s (a
float64 11 x 11 convolution). Each runs here in a fresh process that reports its own peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if sys.platform == "win32":
    pytest.skip("peak memory via the resource module: not on Windows", allow_module_level=True)


def _peak_extra_mb(setup: str, call: str) -> dict:
    """Run `setup`, then `call`, in a fresh one-thread Python; return the call's CPU seconds and how
    far it raised the process's peak resident memory above what `setup` had used (MB)."""
    code = textwrap.dedent(f"""
        import json, resource, time, torch
        torch.set_num_threads(1)
        {setup}
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.process_time()
        value = {call}
        seconds = time.process_time() - start
        extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(json.dumps({{"extra_mb": extra, "seconds": seconds, "value": value}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_nms_on_20000_boxes_needs_megabytes_not_gigabytes():
    result = _peak_extra_mb(
        "from utils.metrics import nms\n"
        "        g = torch.Generator().manual_seed(0)\n"
        "        xy = torch.rand(20000, 2, generator=g) * 1000\n"
        "        boxes = torch.cat([xy, xy + torch.rand(20000, 2, generator=g) * 50 + 1], 1)\n"
        "        scores = torch.rand(20000, generator=g)\n"
        "        nms(boxes[:10], scores[:10], 0.5)",
        "len(nms(boxes, scores, 0.5))",
    )
    assert 0 < result["value"] <= 20000
    assert result["extra_mb"] < 200, result  # was > 4,500 MB for 10,000 boxes, out of memory at 20,000


def test_ssim_of_a_3x2048x2048_image_needs_megabytes_not_gigabytes():
    result = _peak_extra_mb(
        "from utils.metrics import ssim\n"
        "        g = torch.Generator().manual_seed(0)\n"
        "        x = torch.rand(3, 2048, 2048, generator=g)\n"
        "        y = (x + 0.05 * torch.randn(3, 2048, 2048, generator=g)).clamp(0, 1)\n"
        "        ssim(x[:, :32, :32], y[:, :32, :32], 1.0)",
        "ssim(x, y, 1.0)",
    )
    assert 0 < result["value"] < 1
    assert result["extra_mb"] < 200, result  # was 13 GB
    assert result["seconds"] < 15, result  # was 47 s; about 2 s of CPU here
