"""Hidden test inputs, drawn from a teacher-held secret: perturbed copies of the public ones.

Each public test input of a function exercise gets one hidden twin with the same structure, shapes
and dtypes, and values from the same range: floating-point numbers (Python floats, float arrays and
tensors, lists of floats) move by a random amount; Python ints (sizes, indices), bools, strings,
sizes, shapes and everything else stay as they are, since they often must satisfy rules a
perturbation would break; the whole numbers of an integer tensor or array (labels, indices) are
shuffled (same values, same shape, another order).
The draw depends only on (secret, notebook, exercise, input number), so every submission of a class
is graded on the same inputs, and an answer that hard-codes the public outputs fails. A twin on which
the reference solution fails or gives a non-finite output is drawn again (then smaller), and in the
end replaced by the public input itself (`hidden_cases` says how many twins are real).
"""

from __future__ import annotations

import copy
import hashlib
import math
from typing import Any

import numpy as np
import torch

from utils.exercises import Exercise

TRIES = 4


def rng_for(secret: str, *parts: object) -> np.random.Generator:
    """A generator seeded by the secret and the parts (notebook, exercise, input number).

    Example:
        >>> rng_for("s", "nb00", "q2", 0).random() == rng_for("s", "nb00", "q2", 0).random()
        True
    """
    digest = hashlib.sha256("\0".join([secret, *map(str, parts)]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def _bounds(values: np.ndarray) -> tuple[float, float]:
    """Keep non-negative inputs non-negative and inputs in [0, 1] (probabilities, pixels) in [0, 1]."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -math.inf, math.inf
    low, high = float(finite.min()), float(finite.max())
    lower = 0.0 if low >= 0 else -math.inf
    upper = 1.0 if low >= 0 and high <= 1 else math.inf
    return lower, upper


def _perturb_array(values: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    finite = values[np.isfinite(values)]
    spread = float(finite.std()) if finite.size > 1 else 0.0
    size = scale * (spread if spread > 0 else max(float(np.abs(finite).mean()) if finite.size else 1.0, 1.0))
    moved = values + rng.normal(0.0, size, values.shape)
    lower, upper = _bounds(values)
    return np.clip(moved, lower, upper).astype(values.dtype)


def perturb(value: Any, rng: np.random.Generator, scale: float = 0.25) -> Any:
    """A copy of `value` with every floating-point number moved; structure, shapes and dtypes kept.

    Example:
        >>> moved = perturb([1.0, 2.0, 3], np.random.default_rng(0))
        >>> len(moved), moved[2], moved[0] != 1.0
        (3, 3, True)
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if value == 0.0 or not math.isfinite(value):
            return value
        return float(value * (1.0 + scale * rng.uniform(-1.0, 1.0)))  # same sign, same order of size
    if isinstance(value, torch.Tensor):
        if value.is_meta or value.numel() == 0 or value.dtype == torch.bool or value.is_complex():
            return value.clone()
        if not value.is_floating_point():  # labels, indices: the same values in another order
            order = torch.from_numpy(rng.permutation(value.numel()))
            return value.flatten()[order.to(value.device)].reshape(value.shape).clone()
        array = value.detach().cpu().to(torch.float64).numpy()
        moved = torch.from_numpy(_perturb_array(array, rng, scale)).to(value.dtype).to(value.device)
        return moved.requires_grad_(value.requires_grad) if value.is_leaf else moved
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu" and value.size > 0:
            return rng.permutation(value.ravel()).reshape(value.shape)
        if value.dtype.kind != "f" or value.size == 0:
            return value.copy()
        return _perturb_array(value.astype(np.float64), rng, scale).astype(value.dtype)
    if isinstance(value, np.floating):
        return type(value)(perturb(float(value), rng, scale))
    if isinstance(value, (list, tuple)):
        items = [perturb(item, rng, scale) for item in value]
        return type(value)(items) if not hasattr(value, "_fields") else type(value)(*items)
    if isinstance(value, dict):
        return {key: perturb(item, rng, scale) for key, item in value.items()}
    return copy.deepcopy(value)


def _finite(output: Any) -> bool:
    if isinstance(output, torch.Tensor) and output.is_meta:
        return True
    if isinstance(output, torch.Tensor):
        return not output.is_floating_point() or bool(torch.isfinite(output.detach()).all())
    if isinstance(output, np.ndarray):
        return output.dtype.kind != "f" or bool(np.isfinite(output).all())
    if isinstance(output, float):
        return math.isfinite(output)
    if isinstance(output, (list, tuple)):
        return all(map(_finite, output))
    if isinstance(output, dict):
        return all(map(_finite, output.values()))
    return True


def hidden_cases(exercise: Exercise, secret: str, notebook: str, name: str) -> tuple[list[tuple], int]:
    """One hidden twin per public test input of a function exercise, and how many of them differ from it.

    Example:
        >>> from exercises import nb00
        >>> cases, real = hidden_cases(nb00.q2, "secret", "nb00", "q2")
        >>> len(cases) == len(nb00.q2.cases), real
        (True, 3)
    """
    if exercise.cases is None:
        return [], 0
    if exercise.hidden is not None:  # the exercise draws its own hidden inputs
        drawn = [tuple(args) for args in exercise.hidden(rng_for(secret, notebook, name, "hidden"))]
        drawn = [args for args in drawn if _reference_finite(exercise, args)]
        if drawn:
            return drawn, sum(
                not any(_same_case(args, public) for public in exercise.cases) for args in drawn
            )
    cases, real = [], 0
    for index, args in enumerate(exercise.cases):
        rng = rng_for(secret, notebook, name, index)
        chosen = None
        for attempt in range(TRIES):
            twin = perturb(tuple(args), rng, scale=0.25 / 2**attempt)
            try:
                output = exercise.reference(*copy.deepcopy(twin))
            except Exception:
                continue
            if _finite_quietly(output):
                chosen = twin
                break
        if chosen is None:
            chosen = copy.deepcopy(tuple(args))
        else:
            real += _differs(chosen, tuple(args))
        cases.append(chosen)
    return cases, real


def _reference_finite(exercise: Exercise, args: tuple) -> bool:
    try:
        return _finite_quietly(exercise.reference(*copy.deepcopy(args)))
    except Exception:
        return False


def _same_case(a: tuple, b: tuple) -> bool:
    return not _differs(tuple(a), tuple(b))


def _finite_quietly(output: Any) -> bool:
    try:
        return _finite(output)
    except Exception:  # an output of a kind nobody foresaw: judged by the comparison later
        return True


def fingerprint(value: Any) -> Any:
    """A comparable summary of a test input that a deep copy keeps: values of tensors and arrays, a
    model's weights, an optimizer's settings (whose `==` is identity, so `_same` cannot match copies).

    Example:
        >>> net = torch.nn.Linear(2, 1)
        >>> fingerprint((net, 3)) == fingerprint(copy.deepcopy((net, 3)))
        True
    """
    if isinstance(value, torch.Tensor) and value.is_meta:
        return ("meta", str(value.dtype), tuple(value.shape))
    if isinstance(value, torch.Tensor):
        plain = value.detach().cpu()
        return ("tensor", str(plain.dtype), tuple(plain.shape), plain.contiguous().numpy().tobytes())
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, torch.nn.Module):
        return ("module", type(value).__name__, tuple(fingerprint(v) for v in value.state_dict().values()))
    if isinstance(value, torch.optim.Optimizer):
        groups = [{k: v for k, v in group.items() if k != "params"} for group in value.param_groups]
        return ("optimizer", type(value).__name__, repr(groups))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), fingerprint(v)) for k, v in value.items()))
    text = repr(value)
    return (type(value).__name__, text if " at 0x" not in text else "")


def _differs(a: Any, b: Any) -> bool:
    return fingerprint(a) != fingerprint(b)
