"""Saving and loading trained models, so that nothing a learner trained is lost or trained twice.

- `save_checkpoint` never replaces an existing file unless asked (`overwrite=True`), and a file
  appears whole or not at all: it is written under a unique temporary name beside it, then
  renamed, so two runs saving at once never mix their tensors and a failed save leaves nothing.
- `load_checkpoint` loads one back, with clear errors for a missing or foreign file.
- `ensure_writable_folder` checks a folder before a long training run, not after it.
- `load_or_train` is what notebooks call around a long training run: the first run trains and
  saves; a rerun with the same configuration loads the file instead of training again; a changed
  configuration (another learning rate, another architecture) trains and saves under its own name,
  so a stale file is never loaded by mistake and no earlier file is overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from utils.announce import say


def free_path(path: Path, overwrite: bool) -> Path:
    """`path` itself, or when it exists (and overwrite is False) the first free `name-1.pt`, `name-2.pt`...

    Example:
        >>> free_path(Path("/no/such/model.pt"), overwrite=False)
        PosixPath('/no/such/model.pt')
    """
    if overwrite or not path.exists():
        return path
    i = 1
    while (candidate := path.with_name(f"{path.stem}-{i}{path.suffix}")).exists():
        i += 1
    say(
        "CHECKPOINT",
        f"{path} already exists and is kept → saving to {candidate} (overwrite=True replaces it)",
    )
    return candidate


def _check_model(model: Any, function: str) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"{function} expects the model (an nn.Module), got {type(model).__name__}. "
            "Pass the model itself, e.g. save_checkpoint(path, model), not a tensor or its state_dict."
        )


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    overwrite: bool = False,
    **extra: object,
) -> Path:
    """Save model (and optimizer) state plus any `extra` values; return the path actually written.

    An existing file is kept unless `overwrite=True`; the checkpoint then goes to a free name
    beside it (`model-1.pt`), and a line says so; that holds even for a file another process
    saves at the same moment. The file is written under a unique temporary name beside it and then
    renamed in one step, so a checkpoint is always one whole save, never a mix of two runs, and an
    interrupted or failed save (Ctrl-C, a full disk) leaves no file behind.

    Raises:
        OSError: the folder cannot be written, or the disk is full (the message says which file).

    Example:
        >>> save_checkpoint("checkpoints/line.pt", nn.Linear(1, 1), epoch=3)  # doctest: +SKIP
        PosixPath('checkpoints/line.pt')
    """
    _check_model(model, "save_checkpoint")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    wanted = Path(path)
    path = free_path(wanted, overwrite)
    ensure_writable_folder(path.parent)
    state = {"model": model.state_dict(), **extra}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    # A name of this process's own: two runs saving to one path never write into the same file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as file:
            torch.save(state, file)
        return _publish(tmp, path, wanted, overwrite)
    except OSError as error:
        raise OSError(
            error.errno,
            f"could not save the checkpoint {path} ({error.strerror or error}); nothing was written. "
            "Free some disk space, or save to another folder",
        ) from None
    finally:  # also on Ctrl-C: no half-written temporary file stays behind
        tmp.unlink(missing_ok=True)


def _publish(tmp: Path, path: Path, wanted: Path, overwrite: bool) -> Path:
    """Give the finished file `tmp` its name `path` in one step; without `overwrite` never replace
    a file, even one that another process wrote in the meantime (then the next free name)."""
    if overwrite:
        os.replace(tmp, path)
        return path
    while True:
        try:
            os.link(tmp, path)  # atomic, and fails if the name is taken
            return path
        except FileExistsError:
            path = free_path(wanted, overwrite=False)
        except (OSError, NotImplementedError):  # no hard links on this drive: a plain rename
            if path.exists():
                path = free_path(wanted, overwrite=False)
            os.replace(tmp, path)
            return path


def ensure_writable_folder(folder: str | Path) -> Path:
    """Create `folder` if needed and make sure files can be written in it; return it.

    Called before training, so that an unwritable checkpoint folder stops a run at once rather than
    after its first epoch.

    Raises:
        OSError: naming the folder, why it cannot be written, and what to do instead.

    Example:
        >>> ensure_writable_folder("checkpoints")  # doctest: +SKIP
        PosixPath('checkpoints')
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".write-test-", suffix=".tmp")
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        raise OSError(
            error.errno,
            f"cannot write checkpoints in the folder {folder} ({error.strerror or type(error).__name__}). "
            "Save them in a folder you can write to, e.g. checkpoint='checkpoints/model.pt' beside the "
            "notebook, or make this folder writable",
        ) from None
    return folder


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    device: torch.device | str = "cpu",
) -> dict:
    """Load a checkpoint written by `save_checkpoint` into `model` (and `optimizer`).

    Returns the whole checkpoint dict, so saved extras such as `epoch` or `history` can be read.
    """
    _check_model(model, "load_checkpoint")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train first, or check the path")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except OSError:
        raise
    except Exception as error:  # junk, a truncated file, a pickle of other objects
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:200]
        raise ValueError(
            f"{path} is not a checkpoint written by utils.checkpoints: torch.load failed ({reason}). "
            "Delete it and train again, or check the path"
        ) from None
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(
            f"{path} is not a checkpoint written by utils.checkpoints: it holds no 'model' entry. "
            "Delete it and train again, or check the path"
        )
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as error:
        first = str(error).strip().splitlines()[0:3]
        raise ValueError(
            f"{path} was saved from a different model than {type(model).__name__}: "
            f"{' '.join(first)} Build the same architecture, or train again."
        ) from None
    if optimizer is not None:
        if "optimizer" not in state:
            raise ValueError(f"{path} holds no optimizer state; call load_checkpoint without an optimizer")
        optimizer.load_state_dict(state["optimizer"])
    return state


def config_fingerprint(model: nn.Module, config: Mapping[str, Any]) -> str:
    """8 hex characters that change whenever the configuration or the model's architecture does.

    The architecture is the model's class name and the names and shapes of its parameters and
    buffers, so adding a layer or widening one gives a new fingerprint even if `config` is unchanged.

    Example:
        >>> config_fingerprint(nn.Linear(2, 1), {"lr": 0.1}) == config_fingerprint(nn.Linear(2, 1), {"lr": 0.1})
        True
    """
    _check_model(model, "config_fingerprint")
    if not isinstance(config, Mapping):
        raise TypeError(
            f"config must be a dict of settings (e.g. {{'lr': 0.1}}), got {type(config).__name__}"
        )
    architecture = [type(model).__name__] + [
        f"{name}:{tuple(tensor.shape)}" for name, tensor in model.state_dict().items()
    ]
    text = json.dumps({"config": config, "architecture": architecture}, sort_keys=True, default=_json_value)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _json_value(value: Any) -> Any:
    """A JSON stand-in for a setting json cannot write: tensors and arrays by their dtype, shape and a
    hash of every byte (their printed form elides values, so one changed element would go unseen)."""
    if isinstance(value, torch.Tensor) and not value.is_meta:
        data = value.detach().cpu()
        data = (data.to_dense() if data.is_sparse else data).contiguous()
        try:
            digest = hashlib.sha256(data.reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest()
        except (RuntimeError, TypeError):  # a layout without plain bytes (quantized, nested)
            return str(value)
        return {"tensor": digest, "dtype": str(data.dtype), "shape": list(data.shape)}
    if isinstance(value, np.ndarray) and value.dtype != object:
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"array": digest, "dtype": str(value.dtype), "shape": list(value.shape)}
    return str(value)


def load_or_train(
    path: str | Path,
    model: nn.Module,
    train: Callable[[], dict],
    config: Mapping[str, Any],
) -> dict:
    """Load the model trained earlier with this configuration, or train it now and save it.

    The file is `path` with the configuration's fingerprint added (`checkpoints/cnn.pt` →
    `checkpoints/cnn-3f2a9c1d.pt`): each configuration has its own file. A rerun of the cell
    loads it in a second; change a setting in `config` (or the model) and the next run trains anew
    and saves beside the old file, which stays untouched. An interrupted training (Ctrl-C) is not
    saved as finished, nor is a run under `COURSE_STEP_CAP` (see utils.train), which trains a few
    steps only. Two runs of one configuration at once never mix their files: the second to finish
    keeps its model in a file of its own beside the first one's.

    Args:
        path: where checkpoints of this model go, e.g. "checkpoints/nb08_cnn.pt".
        model: the model; trained in place by `train`, or loaded in place.
        train: a function with no arguments that trains `model` and returns its history
            (e.g. `lambda: fit(model, ...)`).
        config: every setting that changes the result (learning rate, epochs, data size, ...),
            JSON-friendly values.

    Returns:
        The training history (loaded from the file on a rerun).

    Example:
        >>> history = load_or_train("checkpoints/nb05_mlp.pt", model, lambda: fit(model, ...),
        ...                         {"lr": 0.1, "epochs": 5})  # doctest: +SKIP
        CHECKPOINT: none for this configuration yet → training, then saving to checkpoints/nb05_mlp-3f2a9c1d.pt
    """
    if not callable(train):
        raise TypeError(
            "train must be a function with no arguments that trains the model, e.g. lambda: fit(...)"
        )
    path = Path(path)
    file = path.with_name(f"{path.stem}-{config_fingerprint(model, config)}{path.suffix or '.pt'}")
    ensure_writable_folder(file.parent)  # before training, so that no training is lost
    if file.is_file():
        state = load_checkpoint(file, model)
        say(
            "CHECKPOINT", f"loaded {file} (trained earlier with this configuration; delete it to train again)"
        )
        return state.get("history", {})
    say("CHECKPOINT", f"none for this configuration yet → training, then saving to {file}")
    history = train()
    if getattr(history, "interrupted", False):
        say("CHECKPOINT", f"training was interrupted: not saved to {file}; run the cell again to train fully")
        return history
    # COURSE_STEP_CAP (see utils.train) stopped fit, or capped a hand-written loop: a later real
    # run must not load these few-step weights as the trained model.
    if getattr(history, "capped", False) or os.environ.get("COURSE_STEP_CAP", "").strip():
        say("CHECKPOINT", f"training was cut short by COURSE_STEP_CAP: not saved to {file}")
        return history
    # Another run with this configuration may have saved `file` while this one trained: its file is
    # kept whole and this run's goes beside it (save_checkpoint never replaces or mixes files).
    save_checkpoint(
        file,
        model,
        overwrite=False,
        history=dict(history or {}),
        config=json.loads(json.dumps(dict(config), default=_json_value)),
    )
    return history
