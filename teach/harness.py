"""Runs inside a submission's kernel: records each exercise answer as plain data for the grader.

`teach.grade` puts this file's source into the first cell of the notebook it runs, and after each
exercise's cell a call `_teach_record("q2", "mean")`. That call looks the answer up in the notebook's
variables and writes, to `<grading folder>/answers/q2.json`:

- a value answer: the value as plain data (numbers, strings, lists, dicts, tensors and arrays as their
  dtype, shape and bytes); any other object only as its type's name;
- a function answer: for every test input (public and hidden, read from `cases.pkl`), the output as
  plain data, or the error it raised, what it printed, whether it called autograd and which inputs it
  changed in place.

Nothing here judges: the grader compares the plain data with the teacher's reference in its own
process. So an answer object with a forged `__eq__`, a tensor subclass or a patched checker has no
say in the verdict: a subclass is recorded as its plain values, an unknown object as a type name.
This file depends on nothing from the course (the submission may have changed the course's files).
"""

import base64 as _teach_base64
import contextlib as _teach_contextlib
import copy as _teach_copy
import io as _teach_io
import json as _teach_json
import os as _teach_os
import pickle as _teach_pickle
import sys as _teach_sys
import sysconfig as _teach_sysconfig
import traceback as _teach_traceback

_TEACH_LIMIT_BYTES = 32 * 2**20  # per exercise: a bigger answer is recorded as "too large"
_TEACH_STATE = {"folder": None, "cases": None}


def _teach_setup(folder):
    _TEACH_STATE["folder"] = folder


def _teach_encode(value, depth=0):
    """`value` as JSON-ready plain data; objects of other types only by their type's name."""
    if depth > 20:
        return {"t": "other", "type": "(nested too deeply)"}
    if value is None:
        return None
    if value is Ellipsis:
        return {"t": "ellipsis"}
    np = _teach_sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic) and np.dtype(type(value)).kind in "biufc":
        array = np.asarray(value)
        return {"t": "npscalar", "dtype": array.dtype.str, "b": _teach_b64(array)}
    if isinstance(value, bool):
        return {"t": "bool", "v": bool(int.__index__(value))}
    if isinstance(value, int):
        return {"t": "int", "v": int.__repr__(value)}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    if isinstance(value, str):
        return {"t": "str", "v": str.__str__(value)[:10000]}
    torch = _teach_sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _teach_tensor(value, torch)
    if np is not None and isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            return {"t": "other", "type": f"numpy array of dtype {array.dtype}"}
        array = np.ascontiguousarray(array)
        return {"t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape), "b": _teach_b64(array)}
    if torch is not None and isinstance(value, torch.Size):
        return {"t": "size", "v": [int.__repr__(int(n)) for n in tuple.__iter__(value)]}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        items = list.__iter__(value) if kind == "list" else tuple.__iter__(value)
        return {"t": kind, "v": [_teach_encode(item, depth + 1) for item in items]}
    if isinstance(value, dict):
        pairs = list(dict.items(value))
        return {
            "t": "dict",
            "k": [_teach_encode(k, depth + 1) for k, _ in pairs],
            "v": [_teach_encode(v, depth + 1) for _, v in pairs],
        }
    if isinstance(value, (set, frozenset)):
        return {"t": "set", "v": [_teach_encode(item, depth + 1) for item in set.__iter__(set(value))]}
    return {"t": "other", "type": type(value).__name__}


def _teach_b64(array):
    return _teach_base64.b64encode(array.tobytes()).decode("ascii")


def _teach_tensor(value, torch):
    with torch._C.DisableTorchFunction():  # a subclass's __torch_function__ has no say here
        plain = torch.Tensor.as_subclass(value, torch.Tensor)
        if plain.is_meta:
            return {"t": "meta", "shape": list(plain.shape), "dtype": str(plain.dtype)}
        plain = plain.detach().cpu().contiguous()
        dtype = str(plain.dtype).removeprefix("torch.")
        if plain.dtype == torch.bfloat16:
            plain = plain.float()
        if plain.is_complex() or dtype not in _TEACH_DTYPES:
            return {"t": "other", "type": f"tensor of dtype {dtype}"}
        array = plain.numpy()
    return {"t": "tensor", "dtype": dtype, "shape": list(array.shape), "b": _teach_b64(array)}


_TEACH_DTYPES = {
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
}


def _teach_same(a, b):
    """Whether two (nested) inputs hold the same values (as utils.exercises._same)."""
    torch = _teach_sys.modules.get("torch")
    np = _teach_sys.modules.get("numpy")
    if torch is not None and isinstance(a, torch.Tensor):
        if not (isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype):
            return False
        return bool(torch.equal(a, b) or a.is_floating_point() and torch.allclose(a, b, 0, 0, equal_nan=True))
    if np is not None and isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_teach_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_teach_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False


_TEACH_LIBRARY_DIRS = tuple(
    _teach_os.path.realpath(_teach_sysconfig.get_paths()[key]) for key in ("stdlib", "purelib", "platlib")
)


def _teach_describe_error(error):
    """`ZeroDivisionError: division by zero (line 3: return total / n)`, as the course's checks say it."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    text = text if len(text) <= 240 else text[:237] + "..."
    own = _teach_call.__code__.co_filename
    frames = [
        frame
        for frame in _teach_traceback.extract_tb(error.__traceback__)
        if frame.filename != own
        and not _teach_os.path.realpath(frame.filename).startswith(_TEACH_LIBRARY_DIRS)
        and not frame.filename.endswith("/utils/exercises.py")
    ]
    if frames and frames[-1].line:
        text += f" (line {frames[-1].lineno}: {frames[-1].line.strip()})"
    return text


def _teach_call(function, args):
    """Call a learner's function on a copy of `args` and describe what happened, as plain data."""
    torch = _teach_sys.modules.get("torch")
    given = _teach_copy.deepcopy(args)
    printed = _teach_io.StringIO()
    calls = []
    real = None
    if torch is not None:
        real = torch.autograd.backward, torch.autograd.grad

        def backward(*a, **k):
            calls.append("backward")
            return real[0](*a, **k)

        def grad(*a, **k):
            calls.append("grad")
            return real[1](*a, **k)

        torch.autograd.backward, torch.autograd.grad = backward, grad
    record = {}
    try:
        with _teach_contextlib.redirect_stdout(printed):
            got = function(*given)
        record["out"] = _teach_encode(got)
    except NotImplementedError:
        record["notimplemented"] = True
    except Exception as error:  # the learner's function failed on this input: recorded, not fatal
        record["raised"] = _teach_describe_error(error)
    finally:
        if real is not None:
            torch.autograd.backward, torch.autograd.grad = real
    record["printed"] = printed.getvalue()[:4000]
    record["autograd"] = bool(calls)
    record["changed"] = [i for i, (a, b) in enumerate(zip(args, given)) if not _teach_same(a, b)]
    return record


def _teach_record(exercise, name, kind, module=None):
    """Record the answer to `exercise` (e.g. "q2"), found in the notebook's variable `name`."""
    folder = _TEACH_STATE["folder"]
    namespace = get_ipython().user_ns  # noqa: F821 (IPython's own function, in the kernel)
    record = {"exercise": exercise, "name": name, "kind": kind}
    if name not in namespace:
        record["missing"] = True
    elif kind == "value":
        answer = namespace[name]
        record["value"] = _teach_encode(answer)
        exercises = _teach_sys.modules.get(f"exercises.{module}") if module else None
        validate = getattr(getattr(exercises, exercise, None), "validate", None)
        if validate is not None and answer is not None and answer is not Ellipsis:
            try:
                message = validate(answer)
                record["validate"] = {"message": message if isinstance(message, str) else None}
            except Exception as error:
                record["validate"] = {"raised": _teach_describe_error(error)}
    else:
        if _TEACH_STATE["cases"] is None:
            with open(_teach_os.path.join(folder, "cases.pkl"), "rb") as file:
                _TEACH_STATE["cases"] = _teach_pickle.load(file)
        function = namespace[name]
        record["callable"] = callable(function)
        if exercise not in _TEACH_STATE["cases"]:
            record["unsendable"] = True
        elif callable(function):
            record["calls"] = [_teach_call(function, args) for args in _TEACH_STATE["cases"][exercise]]
        else:
            record["value"] = _teach_encode(function)
    text = _teach_json.dumps(record)
    if len(text) > _TEACH_LIMIT_BYTES:
        text = _teach_json.dumps({"exercise": exercise, "name": name, "kind": kind, "toolarge": len(text)})
    answers = _teach_os.path.join(folder, "answers")
    _teach_os.makedirs(answers, exist_ok=True)
    partial = _teach_os.path.join(answers, f".{exercise}.json.part")
    with open(partial, "w") as file:
        file.write(text)
    _teach_os.replace(partial, _teach_os.path.join(answers, f"{exercise}.json"))
