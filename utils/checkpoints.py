"""Saving and loading trained models, so that nothing a learner trained is lost or trained twice.

- `save_checkpoint` never replaces an existing file unless asked (`overwrite=True`).
- `load_checkpoint` loads one back, with clear errors for a missing or foreign file.
- `load_or_train` is what notebooks call around a long training run: the first run trains and
  saves; a rerun with the same configuration loads the file instead of training again; a changed
  configuration (another learning rate, another architecture) trains and saves under its own name,
  so a stale file is never loaded by mistake and no earlier file is overwritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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
    beside it (`model-1.pt`), and a line says so. The file is written to a temporary name first,
    so an interrupted save never leaves a broken checkpoint.

    Example:
        >>> save_checkpoint("checkpoints/line.pt", nn.Linear(1, 1), epoch=3)  # doctest: +SKIP
        PosixPath('checkpoints/line.pt')
    """
    _check_model(model, "save_checkpoint")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    path = free_path(Path(path), overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": model.state_dict(), **extra}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
    return path


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
    state = torch.load(path, map_location=device, weights_only=True)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint (no 'model' entry)")
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
    text = json.dumps({"config": config, "architecture": architecture}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


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
    saved as finished.

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
    if getattr(history, "capped", False):  # COURSE_STEP_CAP stopped it: a later real run must not load it
        say("CHECKPOINT", f"training was cut short by COURSE_STEP_CAP: not saved to {file}")
        return history
    save_checkpoint(
        file,
        model,
        overwrite=False,
        history=dict(history or {}),
        config=json.loads(json.dumps(dict(config), default=str)),
    )
    return history
