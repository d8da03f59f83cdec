"""The one flow every loader follows, the result it returns, and the one image decoder.

Every `load_x(smoke=False, *, seed=0, ...)` in `utils.data`:

1. checks its arguments (`utils.checks`), before any download;
2. tries the real dataset through the registry (`fetch`: course mirror, checksum, cache, extract);
3. on a failure a learner cannot fix (no network, an HTTP error, a wrong file, an unusable cache)
   uses its substitute instead, announced by one `OFFLINE: ... → using ... instead.` line;
4. returns a `Splits` (or a subclass with the task's extras), never None.

SMOKE has one meaning everywhere: the same source, a small subset (each module's `SMOKE_SIZES`).
Generated data is only ever the announced offline substitute.

Example:
    >>> def real():
    ...     raise OfflineError("no network", url="https://example.org/x.zip")
    >>> data = load_or_substitute(Splits, "X", real, lambda: ({"train": [1, 2]}, "two numbers"))
    OFFLINE: X could not be downloaded (no network) → using two numbers instead.
    >>> data.real, data.train
    (False, [1, 2])
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from torch import Tensor

from utils.announce import announce_fallback, say
from utils.data.registry import FALLBACK_ERRORS, fallback_reason
from utils.download import OfflineError

__all__ = ["Splits", "Unavailable", "load_or_substitute", "read_image", "OfflineError"]


class Unavailable(Exception):
    """The real data cannot be read here for a reason known before any download (a missing reader
    package, say): the loader uses its substitute, and the OFFLINE line gives `reason`.

    Example:
        >>> Unavailable("h5py is not installed").reason
        'h5py is not installed'
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class Splits:
    """A dataset's splits and where they came from: what every loader returns.

    Attributes:
        train: the training split (a Dataset, a TensorDataset or the task's own type).
        val: the validation split, or None when the dataset has none.
        test: the test split, or None when the dataset has none.
        classes: the class names, label 0 first (empty when the task has no classes).
        image_size: the side of the square images in pixels (None when they keep their own size).
        name: what the data is, short enough for a plot title.
        source: the one line (already printed) that says where the data came from.
        real: True for the real dataset, False for the announced offline substitute.

    Subclasses add the task's extras after these fields (e.g. `FaceData.pairs`).

    Example:
        >>> Splits(train=[0], name="demo", source="DATA: demo", real=True).val is None
        True
    """

    train: Any
    val: Any = None
    test: Any = None
    classes: tuple[str, ...] = ()
    image_size: int | None = None
    name: str = ""
    source: str = ""
    real: bool = True


S = TypeVar("S", bound=Splits)
Fields = dict[str, Any]


def load_or_substitute(
    result: type[S],
    wanted: str,
    real: Callable[[], tuple[Fields, str]],
    substitute: Callable[[], tuple[Fields, str]],
    *,
    install: str = "",
) -> S:
    """The real data, or its substitute with one `OFFLINE:` line; never None.

    Args:
        result: the `Splits` type to build.
        wanted: the dataset's printed name, e.g. "MNIST".
        real: reads the real data: returns (fields of `result`, details for `DATA: <wanted>, <details>`).
            Raises one of `utils.data.registry.FALLBACK_ERRORS`, or `Unavailable`, when it cannot be had.
        substitute: makes the substitute: (fields, what it is, for the OFFLINE line).
        install: the command that installs what the substitute needs, for an ImportError's message.

    Example:
        >>> data = load_or_substitute(Splits, "X", lambda: ({"train": [1]}, "one number"), lambda: ({}, ""))
        DATA: X, one number
        >>> data.source
        'DATA: X, one number'
    """
    try:
        fields, details = real()
    except Unavailable as error:
        reason = error.reason
    except FALLBACK_ERRORS as error:
        reason = fallback_reason(error)
    else:
        fields.setdefault("name", wanted)
        return result(**fields, source=say("DATA", f"{wanted}, {details}"), real=True)
    try:
        fields, what = substitute()
    except ImportError as error:
        fix = f" Fix: {install}, then run the cell again." if install else ""
        raise ImportError(
            f"{wanted} could not be downloaded ({reason}), and its offline substitute needs a package "
            f"that is not installed ({error}).{fix}"
        ) from None
    fields.setdefault("name", what)
    return result(**fields, source=announce_fallback(wanted, reason, what), real=False)


def read_image(
    source: str | os.PathLike | bytes | Any,
    size: int | tuple[int, int] | None = None,
    *,
    fit: Literal["crop", "stretch"] = "crop",
    box: tuple[int, int, int, int] | None = None,
    gray: bool = False,
    nearest: bool = False,
) -> Tensor:
    """Decode one image (a file, its bytes or a PIL image) as a float32 tensor (C, H, W) in [0, 1].

    Args:
        source: a JPEG/PNG/... path, the file's bytes, or an open PIL image.
        size: the output size: an int S for S x S, (H, W), or None to keep the image's own size.
        fit: "crop": resize the shorter side, then cut the centre (no distortion); "stretch":
            resize the whole image to `size`.
        box: (left, top, right, bottom) cut out first, e.g. the face of an LFW photo.
        gray: one channel (luminance) instead of RGB.
        nearest: nearest-neighbour resizing and the raw integer values (label maps: no new
            values, uint8 out); bilinear and float32 in [0, 1] otherwise.

    Example:
        >>> from PIL import Image
        >>> read_image(Image.new("RGB", (40, 30), "red"), 16).shape
        torch.Size([3, 16, 16])
    """
    from PIL import Image, ImageOps

    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    if isinstance(source, str | os.PathLike) and not Path(source).is_file():
        raise FileNotFoundError(f"cannot read {source}: no such file")
    image = source if isinstance(source, Image.Image) else Image.open(source)
    with image:
        if size is not None and box is None and fit == "crop" and image.format == "JPEG":
            side = size if isinstance(size, int) else max(size)
            image.draft("RGB", (side, side))  # JPEG: decode at a smaller scale when it can (faster)
        if box is not None:
            image = image.crop(box)
        if gray or not nearest:  # a label map (nearest) keeps its own mode unless gray is asked
            image = image.convert("L" if gray else "RGB")
        if size is not None:
            height, width = (size, size) if isinstance(size, int) else size
            method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
            if fit == "crop":
                image = ImageOps.fit(image, (width, height), method)
            else:
                image = image.resize((width, height), method)
        pixels = np.asarray(image).copy()
    tensor = torch.from_numpy(pixels)
    tensor = tensor[None] if tensor.dim() == 2 else tensor.permute(2, 0, 1)
    return tensor if nearest else tensor.float().div(255)
