"""Grade a class's notebooks: `python -m teach.grade SUBMISSIONS --secret S --out DIR` (or `make grade`).

SUBMISSIONS is a folder (or files) of `.ipynb`, and/or `.zip` files holding several (as learning
platforms' bulk downloads do); the file name says who the student is. For each submission:

1. a fresh working copy of the course is made, without any answer key (a student edition of the
   graded notebooks), so the submission can neither read nor change the teacher's files there;
2. the notebook runs top to bottom in a kernel of its own, in SMOKE mode, with a time limit per cell
   and per notebook and a memory limit (`teach/sandbox.py`, `teach/runner.py`); after each exercise's
   cell a recording cell (`teach/harness.py`) writes the answer as plain data: a value, or a
   function's outputs on the public test inputs and on hidden ones drawn from the secret
   (`teach/hidden.py`);
3. back in this process, the teacher's own checks (`exercises/nbNN.py` with the real answer
   keys) judge the recorded data, with the words the learner's own check would print. Nothing the
   notebook printed, defined or changed takes part in the verdict.

Outputs in DIR: `gradebook.csv` (a row per submission: student, notebook, points per exercise,
total), `results.json` (every verdict with its message), `summary.md`/`summary.csv` (per exercise:
how many got it right, the most common mistake), `feedback/<student>.<notebook>.md` (what each
exercise got and why, never the answer) and `executed/` (each notebook as it ran, for the teacher).
Points per exercise: 1 unless `--points FILE` (TOML) says otherwise, e.g. `[nb02]` / `q4 = 2`.
"""

from __future__ import annotations

import argparse
import base64
import collections
import concurrent.futures
import contextlib
import csv
import dataclasses
import importlib
import io
import json
import math
import os
import pickle
import re
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import torch
from tqdm import tqdm

from teach import student_edition
from teach.hidden import fingerprint, hidden_cases
from utils.exercises import Exercise, RecordedError, _describe, _same, exercises_in

ROOT = Path(__file__).resolve().parent.parent
CHECK_CALL = re.compile(r"^[ \t]*ex\.(?P<q>q\d+)\.check\((?P<answer>[A-Za-z_]\w*)\)", re.M)
NOTEBOOK_IMPORT = re.compile(r"from exercises import (nb\d\d) as ex\b")
STATUSES = ("correct", "wrong", "not attempted", "error", "timed out")
SYMBOLS = {"correct": "✔", "wrong": "✘", "not attempted": "○", "error": "!", "timed out": "⏱"}
REFUSALS = {  # the sandbox's messages (teach/sandbox.py), as the teacher's notes name them
    "may change files only inside": "changing files outside its folder",
    "may not read the teacher's files": "reading the teacher's files",
    "may not start processes": "starting a process",
    "may not signal other processes": "signalling another process",
    "ctypes is switched off": "ctypes",
}
MAX_NOTEBOOK_BYTES = 50 * 2**20


@dataclasses.dataclass
class Limits:
    """Time and memory limits of one submission's run."""

    cell_seconds: int = 120
    notebook_seconds: int = 600
    memory_bytes: int = 6 * 2**30
    threads: int = 1
    user: str | None = None


@dataclasses.dataclass
class Submission:
    """One submitted notebook: who handed it in, where it came from, its text."""

    student: str
    source: str
    text: bytes
    lms_id: str = ""


# --- collecting submissions ------------------------------------------------------------------------

_CANVAS = re.compile(r"^(?P<name>[a-z]+)(?:_LATE)?_(?P<id>\d+)_\d+_")  # lastfirst_12345_67890_file.ipynb
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_file_?$")  # "Jane Doe_123_assignsub..."


def _student(path_in_upload: str) -> tuple[str, str]:
    """(student, LMS id) from a file's path in an upload: a Moodle folder name, a Canvas file name, or
    simply the file's name."""
    parts = Path(path_in_upload).parts
    if len(parts) > 1:
        folder = parts[-2]
        match = _MOODLE.match(folder)
        return (match["name"], match["id"]) if match else (folder, "")
    stem = Path(parts[-1]).stem
    match = _CANVAS.match(stem)
    return (match["name"], match["id"]) if match else (stem, "")


def collect(paths: list[Path]) -> tuple[list[Submission], list[str]]:
    """The submitted notebooks in `paths` (folders, .ipynb, .zip), and a note for each file skipped.

    Example:
        >>> subs, notes = collect([Path("notebooks/00_welcome_and_setup.ipynb")])
        >>> subs[0].student
        '00_welcome_and_setup'
    """
    found: list[Submission] = []
    notes: list[str] = []
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files += [(p, p.relative_to(path).as_posix()) for p in sorted(path.rglob("*")) if p.is_file()]
        elif path.is_file():
            files.append((path, path.name))
        else:
            notes.append(f"{path}: no such file or folder")
    for path, shown in files:
        if path.suffix == ".ipynb":
            student, lms_id = _student(shown)
            found.append(Submission(student, shown, path.read_bytes()[: MAX_NOTEBOOK_BYTES + 1], lms_id))
        elif path.suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    for info in archive.infolist():
                        if info.is_dir() or not info.filename.endswith(".ipynb"):
                            continue
                        if "__MACOSX" in info.filename or info.file_size > MAX_NOTEBOOK_BYTES:
                            notes.append(f"{shown}:{info.filename}: skipped (not a notebook, or too large)")
                            continue
                        student, lms_id = _student(info.filename)
                        found.append(
                            Submission(student, f"{shown}:{info.filename}", archive.read(info), lms_id)
                        )
            except (zipfile.BadZipFile, OSError) as error:
                notes.append(f"{shown}: not a readable zip file ({error})")
        elif not path.name.startswith("."):
            notes.append(f"{shown}: skipped (not .ipynb or .zip)")
    seen: collections.Counter = collections.Counter()
    for submission in found:  # two files of one student (or two students of one name) stay apart
        seen[submission.student] += 1
        if seen[submission.student] > 1:
            submission.student += f" ({seen[submission.student]})"
    return found, notes


# --- what the teacher knows about a notebook --------------------------------------------------------


@dataclasses.dataclass
class Course:
    """The teacher's exercises of one notebook, with the hidden inputs drawn from the secret."""

    nb: str
    exercises: dict[str, Exercise]
    names: dict[str, str]  # the template's answer variable of each exercise
    cases: dict[str, list[tuple]]  # public + hidden inputs of each function exercise
    public: dict[str, int]  # how many of them are public
    real_hidden: dict[str, int]  # how many hidden ones differ from their public twin
    sendable: dict[str, list[tuple]] = dataclasses.field(default_factory=dict)  # those a kernel can receive


def notebook_course(nb: str, secret: str) -> Course:
    """The teacher's side of notebook `nb` ("nb02"): exercises, answer names, public + hidden inputs."""
    exercises = exercises_in(importlib.import_module(f"exercises.{nb}"))
    template = next((ROOT / "notebooks").glob(f"{nb[2:]}_*.ipynb"), None)
    names: dict[str, str] = {}
    if template is not None:
        for cell in nbformat.read(template, as_version=4).cells:
            if cell.cell_type == "code":
                for match in CHECK_CALL.finditer(cell.source):
                    names.setdefault(match["q"], match["answer"])
    cases, public, real = {}, {}, {}
    for q, exercise in exercises.items():
        if exercise.cases is not None:
            with contextlib.redirect_stdout(io.StringIO()):
                hidden, real[q] = hidden_cases(exercise, secret, nb, q)
            cases[q] = [tuple(c) for c in exercise.cases] + hidden
            public[q] = len(exercise.cases)
    sendable = {}
    for q, inputs in cases.items():  # a kernel receives them pickled: inputs built in a closure cannot go
        with contextlib.suppress(Exception):
            pickle.dumps(inputs)
            sendable[q] = inputs
    return Course(nb, exercises, names, cases, public, real, sendable)


def points_config(path: Path | None) -> dict[str, dict[str, float]]:
    """{"nb02": {"q4": 2.0}, "default": {"points": 1.0}} from a TOML file (or the defaults)."""
    config: dict[str, Any] = {"default": {"points": 1.0}}
    if path is not None:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        config |= tomllib.loads(Path(path).read_text())
    return config


def points_for(config: dict, nb: str, q: str) -> float:
    """Points of exercise `q` of notebook `nb` (1 unless the config says otherwise).

    Example:
        >>> points_for({"default": {"points": 1}, "nb02": {"q4": 2}}, "nb02", "q4")
        2.0
    """
    return float(config.get(nb, {}).get(q, config.get("default", {}).get("points", 1.0)))


# --- preparing and running one submission ---------------------------------------------------------


def which_notebook(nb_json: dict, source: str, forced: str | None) -> str | None:
    """ "nb02" for a submission of notebook 02: from its `ex` import, else its file name."""
    if forced:
        return f"nb{int(forced):02d}" if forced.isdigit() else forced
    for cell in nb_json.get("cells", []):
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        match = NOTEBOOK_IMPORT.search(text)
        if match:
            return match[1]
    match = re.search(r"(?:^|[/_\s:-])(\d\d)_", Path(source).name)
    return f"nb{match[1]}" if match else None


def prepare(nb: nbformat.NotebookNode, course: Course, grading: Path) -> tuple[Any, dict[str, dict]]:
    """The notebook to run: the harness first, SMOKE forced after the parameters cell, a recording
    cell after each exercise's cell. Returns it and, per exercise, the cells that matter (numbers as
    in the submitted notebook, from 1)."""
    harness = (ROOT / "teach" / "harness.py").read_text()
    cells = [nbformat.v4.new_code_cell(f"{harness}\n_teach_setup({str(grading)!r})")]
    origin = [None]
    where: dict[str, dict] = {}
    last_check: dict[str, tuple[int, str]] = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            for match in CHECK_CALL.finditer(cell.source):
                last_check[match["q"]] = (number, match["answer"])
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        cells.append(nbformat.v4.new_code_cell(cell.source))
        origin.append(number)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cells.append(nbformat.v4.new_code_cell("SMOKE = True  # injected by the grader"))
            origin.append(None)
        for q, (at, name) in last_check.items():
            if at == number and q in course.exercises:
                where[q] = {"cell": number, "at": len(cells) - 1, "record": len(cells), "name": name}
                cells.append(nbformat.v4.new_code_cell(_record_call(q, name, course)))
                origin.append(None)
    for q in course.exercises:  # no check cell left: look for the template's variable at the end
        if q not in where:
            name = course.names.get(q, q)
            where[q] = {"cell": None, "at": None, "record": len(cells), "name": name}
            cells.append(nbformat.v4.new_code_cell(_record_call(q, name, course)))
            origin.append(None)
    prepared = nbformat.v4.new_notebook()
    prepared.metadata = {
        "kernelspec": {"name": "course-grader", "display_name": "grader", "language": "python"}
    }
    prepared.cells = cells
    return prepared, where


def _record_call(q: str, name: str, course: Course) -> str:
    kind = "function" if course.exercises[q].cases is not None else "value"
    return f"_teach_record({q!r}, {name!r}, {kind!r}, {course.nb!r})"


def _environment(work: Path, run_root: Path, limits: Limits, data_dir: Path | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "JUPYTER", "COURSE_", "IPYTHON", "TEACH_", "MPL"))
    }
    threads = str(limits.threads)
    env |= {
        "SMOKE": "1",
        "COURSE_HEADLESS": "1",
        "COURSE_DATA_DIR": str(data_dir or work / ".data"),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(run_root / "mplconfig"),
        "IPYTHONDIR": str(work / ".ipython"),
        "TMPDIR": str(work / ".tmp"),
        "HOME": str(work / ".home"),
        "JUPYTER_PATH": str(work.parent / f"{work.name}-kernel"),
        "JUPYTER_RUNTIME_DIR": str(work / ".runtime"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "PYTHONPATH": str(ROOT),  # for the runner; the kernel's sandbox takes it off its path
    }
    return env


def run_one(
    index: int,
    submission: Submission,
    course: Course,
    base: Path,
    run_root: Path,
    out: Path,
    limits: Limits,
    data_dir: Path | None,
    deny: list[Path],
) -> dict:
    """Run one submission in its own working copy; return what the grader needs to judge it."""
    work = run_root / f"work-{index}"
    shutil.copytree(base, work, symlinks=True)
    grading = work / ".grading"
    for folder in (
        grading,
        work / ".tmp",
        work / ".home",
        work / ".ipython",
        work / ".runtime",
        work / ".data",
    ):
        folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.reads(submission.text.decode("utf-8", errors="replace"), as_version=4)
    prepared, where = prepare(nb, course, grading)
    (grading / "cases.pkl").write_bytes(pickle.dumps(course.sendable))
    notebook_path = work / "notebooks" / "submission.ipynb"
    nbformat.write(prepared, notebook_path)
    installed = {
        sys.prefix,
        sys.base_prefix,
        *(sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")),
    }
    sandbox = {
        "work": str(work),
        "write": [str(data_dir)] if data_dir else [],
        "deny_read": [str(p) for p in deny],
        "allow_read": sorted(installed) + [str(run_root / "mplconfig")],
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.notebook_seconds * max(1, limits.threads) + 120,
        "preload": ["numpy", "torch", "matplotlib.pyplot"],
        "user": limits.user,
    }
    kernels = work.parent / f"{work.name}-kernel" / "kernels" / "course-grader"
    kernels.mkdir(parents=True)
    (kernels / "sandbox.json").write_text(json.dumps(sandbox))
    argv = [
        sys.executable,
        str(ROOT / "teach" / "sandbox.py"),
        str(kernels / "sandbox.json"),
        "-f",
        "{connection_file}",
    ]
    (kernels / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "grader", "language": "python"})
    )
    if limits.user and os.getuid() == 0:
        _give_to(work, limits.user)
    job = {
        "notebook": str(notebook_path),
        "cwd": str(work / "notebooks"),
        "kernel_name": "course-grader",
        "cell_timeout": limits.cell_seconds,
        "notebook_timeout": limits.notebook_seconds,
        "result": str(run_root / f"result-{index}.json"),
        "executed": str(run_root / f"executed-{index}.ipynb"),
        "records": {str(w["record"]): w["at"] for w in where.values() if w["at"] is not None},
    }
    job["env"] = _environment(work, run_root, limits, data_dir)
    job_path = run_root / f"job-{index}.json"
    job_path.write_text(json.dumps(job))
    started = time.monotonic()
    stderr = _runner().run(job_path, limits.notebook_seconds + 150)
    seconds = time.monotonic() - started
    try:
        result = json.loads(Path(job["result"]).read_text())
    except (OSError, ValueError):
        result = {"kernel": "runner failed: " + stderr[-300:], "cells": []}
    answers = {}
    for q in course.exercises:
        path = grading / "answers" / f"{q}.json"
        with contextlib.suppress(OSError, ValueError, RecursionError):
            if path.is_file() and path.stat().st_size <= 64 * 2**20:
                answers[q] = json.loads(path.read_text())
    executed = Path(job["executed"])
    if executed.exists():
        (out / "executed").mkdir(exist_ok=True)
        shutil.copy(executed, out / "executed" / f"{_safe(submission.student)}.{course.nb}.ipynb")
    printed = _printed(executed)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(work.parent / f"{work.name}-kernel", ignore_errors=True)
    return {"result": result, "answers": answers, "where": where, "seconds": seconds, "printed": printed}


class _Runner:
    """A `python -m teach.runner --serve` process: one per grading thread, reused from one
    submission to the next (loading nbclient once), replaced when a job runs over its hard limit."""

    _local = threading.local()

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER"))}
        env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "teach.runner", "--serve"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def run(self, job_path: Path, seconds: float) -> str:
        """Run one job; "" when it finished, else why not (the runner is then replaced)."""
        try:
            self.process.stdin.write(f"{job_path}\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], seconds)
            if ready and self.process.stdout.readline().strip() == "done":
                return ""
            why = "the runner stopped" if ready else f"the run took longer than {seconds:.0f} s"
        except (OSError, ValueError) as error:
            why = f"the runner failed ({error})"
        self.close()
        _Runner._local.runner = None
        return why

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _runner() -> _Runner:
    runner = getattr(_Runner._local, "runner", None)
    if runner is None or runner.process.poll() is not None:
        _Runner._local.runner = _Runner()
        _RUNNERS.append(_Runner._local.runner)
    return _Runner._local.runner


_RUNNERS: list[_Runner] = []


def _check_user(user: str) -> None:
    """Refuse `--user` unless running as root and `user` can run this Python with torch."""
    if os.getuid() != 0:
        raise SystemExit(
            f"--user {user}: only root can run the kernels as another user (e.g. in a container)"
        )
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import numpy, torch, ipykernel"],
            user=user,
            extra_groups=[],
            cwd="/",
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
        )
        failed = probe.stderr.strip()[-200:] if probe.returncode else ""
    except OSError as error:
        failed = str(error)
    if failed:
        raise SystemExit(
            f"--user {user}: that user cannot run {sys.executable} with torch ({failed}); "
            "install Python and the course's packages where every user can read them (e.g. in the container)"
        )


def _give_to(folder: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, entry.pw_uid, entry.pw_gid)
    os.lchown(folder.parent / f"{folder.name}-kernel", entry.pw_uid, entry.pw_gid)


def _printed(executed: Path) -> str:
    try:
        cells = json.loads(executed.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    return "\n".join(
        "".join(o.get("text", "")) + str(o.get("evalue", ""))
        for cell in cells
        for o in cell.get("outputs", [])
    )


# --- judging: the teacher's checks on plain data ----------------------------------------------------


class Opaque:
    """Stands for an answer object that is not plain data: never equal to anything but itself."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object>"


_TORCH_DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}


def _opaque(type_name: str) -> Opaque:
    name = re.sub(r"\W", "_", str(type_name))[:40] or "object"
    name = name if name[0].isalpha() else f"object_{name}"
    return type(name, (Opaque,), {})()


def decode(data: Any, depth: int = 0) -> Any:
    """Plain data recorded by teach/harness.py back into Python values, tensors and arrays.

    Example:
        >>> decode({"t": "tuple", "v": [{"t": "int", "v": "3"}, {"t": "float", "v": "0.5"}]})
        (3, 0.5)
    """
    if data is None:
        return None
    if depth > 25 or not isinstance(data, dict):
        return _opaque("malformed")
    kind = data.get("t")
    try:
        if kind == "ellipsis":
            return ...
        if kind == "bool":
            return bool(data["v"]) if isinstance(data["v"], bool) else _opaque("malformed")
        if kind == "int":
            return int(str(data["v"])[:5000])
        if kind == "float":
            return float(str(data["v"]))
        if kind == "str":
            return str(data["v"])
        if kind in ("list", "tuple", "set"):
            items = [decode(item, depth + 1) for item in data["v"]]
            return {"list": list, "tuple": tuple, "set": set}[kind](items)
        if kind == "dict":
            return {_key(decode(k, depth + 1)): decode(v, depth + 1) for k, v in zip(data["k"], data["v"])}
        if kind == "size":
            return torch.Size(int(n) for n in data["v"])
        if kind == "tensor":
            array = _array(
                data["b"], "float32" if data["dtype"] == "bfloat16" else data["dtype"], data["shape"]
            )
            return torch.from_numpy(array).to(_TORCH_DTYPES[data["dtype"]])
        if kind == "ndarray":
            return _array(data["b"], data["dtype"], data["shape"])
        if kind == "npscalar":
            return _array(data["b"], data["dtype"], [])[()]
        if kind == "meta":
            return torch.empty([int(n) for n in data["shape"]], device="meta")
        if kind == "other":
            return _opaque(data.get("type", "object"))
    except (KeyError, TypeError, ValueError, OverflowError):
        pass
    return _opaque("malformed")


def _key(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, tuple)) or value is None else repr(value)


def _array(b64: str, dtype: str, shape: list) -> np.ndarray:
    kind = np.dtype(dtype)
    if kind.kind not in "biufc" or kind.hasobject:
        raise ValueError(f"dtype {dtype}")
    raw = base64.b64decode(b64, validate=True)
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape) or math.prod(shape) * kind.itemsize != len(raw):
        raise ValueError("size")
    return np.frombuffer(raw, dtype=kind).reshape(shape).copy()


class Replay:
    """A learner's function, replayed from what it did in its own kernel on each test input."""

    def __init__(self, name: str, cases: list[tuple], calls: list[dict]) -> None:
        self.__name__ = name
        self.cases, self.calls = cases, calls
        self.prints = [fingerprint(tuple(case)) for case in cases]

    def __call__(self, *args: Any) -> Any:
        index = next((i for i, case in enumerate(self.cases) if _same(tuple(case), args)), None)
        if index is None:  # inputs whose == is identity (models, optimizers): matched by their values
            found = fingerprint(args)
            index = next((i for i, known in enumerate(self.prints) if known == found), None)
        if index is None or index >= len(self.calls) or not isinstance(self.calls[index], dict):
            raise RecordedError("the grader has no record of this input")
        call = self.calls[index]
        if call.get("printed"):
            print(str(call["printed"]), end="")
        if call.get("autograd"):
            torch.autograd.backward(torch.zeros((), requires_grad=True))
        if call.get("notimplemented"):
            raise NotImplementedError
        if "raised" in call:
            raise RecordedError(str(call["raised"]))
        for position in call.get("changed", []):
            if isinstance(position, int) and 0 <= position < len(args):
                _disturb(args[position])
        return decode(call.get("out"))


def _disturb(value: Any) -> None:
    """Change `value` in place (a learner's function changed that input in its kernel)."""
    with contextlib.suppress(Exception), torch.no_grad():
        if isinstance(value, torch.Tensor):
            value.logical_not_() if value.dtype == torch.bool else value.add_(1)
        elif isinstance(value, np.ndarray):
            value[...] = ~value if value.dtype == bool else value + 1
        elif isinstance(value, list):
            value.append(object())
        elif isinstance(value, dict):
            value[object()] = None


def judge(course: Course, q: str, record: dict) -> tuple[str, str]:
    """(status, message) for a recorded answer, from the teacher's check of exercise `q`."""
    exercise = dataclasses.replace(course.exercises[q])
    if record.get("missing"):
        return "not attempted", f"no `{record.get('name')}` in the notebook"
    if record.get("toolarge"):
        return "wrong", "the answer is too large to be recorded"
    if exercise.cases is not None and record.get("callable"):
        exercise = dataclasses.replace(exercise, cases=course.cases[q])
        answer: Any = Replay(
            str(record.get("name", "answer")), course.cases[q], list(record.get("calls", []))
        )
    else:
        answer = decode(record.get("value"))
        checked = record.get("validate")
        if exercise.validate is not None and isinstance(checked, dict):
            if "raised" in checked:
                raised = RecordedError(str(checked["raised"]))

                def validate(_: Any) -> str | None:
                    raise raised
            else:

                def validate(_: Any) -> str | None:
                    message = checked.get("message")
                    return str(message) if message else None

            exercise = dataclasses.replace(exercise, validate=validate)
        elif exercise.validate is not None:  # nothing recorded about it: the property cannot be seen
            exercise = dataclasses.replace(
                exercise, validate=lambda _: "the grader could not check this answer"
            )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exercise.check(answer)
    verdicts = [line for line in printed.getvalue().splitlines() if line[:1] in "✔✘○●"]
    line = verdicts[-1] if verdicts else ""
    message = line.split(": ", 1)[1] if ": " in line else line
    if exercise.status == "correct":
        return "correct", "correct"
    if exercise.status == "not attempted":
        return "not attempted", message
    for case in course.cases.get(q, [])[course.public.get(q, 0) :]:
        if f"input {_describe(case)}:" in message and not any(
            _same(case, tuple(public)) for public in course.exercises[q].cases or []
        ):
            message += " (a hidden test input: hard-coded answers to the public ones fail here)"
            break
    return "wrong", message


def verdicts(course: Course, run: dict) -> dict[str, dict]:
    """Per exercise: status, message and the cell it concerns, from a finished run."""
    cells = run["result"].get("cells", [])
    kernel = str(run["result"].get("kernel", "ok"))

    def cell(index: int | None) -> dict:
        return cells[index] if index is not None and 0 <= index < len(cells) else {"status": "not run"}

    out = {}
    for q in course.exercises:
        where = run["where"][q]
        number = where["cell"]
        at = f"cell {number}" if number else "the end of the notebook"
        own, record_cell = cell(where["at"]), cell(where["record"])
        record = run["answers"].get(q)
        if q in course.cases and q not in course.sendable:
            status, message = (
                "error",
                "its test inputs cannot be sent to a kernel (built in the checker): grade it by hand",
            )
        elif record_cell["status"] == "ok" and isinstance(record, dict):
            status, message = judge(course, q, record)
            if status == "not attempted" and own["status"] == "error":
                status, message = "error", f"{at} raised {own.get('error')}"
        elif record_cell["status"] == "timeout" or own["status"] == "timeout":
            limit = record_cell.get("limit") or own.get("limit")
            what = at if own["status"] == "timeout" else "checking your answer on the test inputs"
            status, message = "timed out", f"{what} ran over the time limit ({limit} s): an endless loop?"
        elif record_cell["status"] == "not run" and kernel in ("notebook time limit", "unresponsive"):
            status, message = "timed out", f"the notebook ran over its time limit before {at} ({kernel})"
        elif record_cell["status"] == "not run" and kernel == "died":
            status, message = "error", f"the kernel died before {at} was recorded (out of memory?)"
        elif own["status"] == "error":
            status, message = "error", f"{at} raised {own.get('error')}"
        elif record_cell["status"] == "error":
            status, message = "error", f"the grader could not record this answer ({record_cell.get('error')})"
        else:
            status, message = (
                "error",
                f"no answer was recorded (kernel: {kernel}; was the grader's recording replaced?)",
            )
        out[q] = {"status": status, "message": message, "cell": number}
    return out


# --- outputs -------------------------------------------------------------------------------------------


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\- ]", "_", name).strip() or "student"


def _mistake_key(course: Course, q: str, message: str) -> str:
    for case in course.cases.get(q, []):
        message = message.replace(f"wrong on input {_describe(case)}: ", "").replace(
            f"on input {_describe(case)}: ", ""
        )
    return message.replace(" (a hidden test input: hard-coded answers to the public ones fail here)", "")


def write_outputs(out: Path, rows: list[dict], courses: dict[str, Course], config: dict) -> None:
    """gradebook.csv, results.json, summary.md/.csv and feedback/ from the graded rows."""
    out.mkdir(parents=True, exist_ok=True)
    columns = [f"{nb} {q}" for nb in sorted(courses) for q in courses[nb].exercises]
    with open(out / "gradebook.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["Student", "ID", "Notebook", *columns, "Total", "Out of", "Notes"])
        for row in sorted(rows, key=lambda r: (r["student"].lower(), r["notebook"] or "")):
            marks = {f"{row['notebook']} {q}": _number(v["points"]) for q, v in row["exercises"].items()}
            writer.writerow(
                [
                    row["student"],
                    row["id"],
                    row["notebook"] or "",
                    *[marks.get(c, "") for c in columns],
                    _number(row["total"]),
                    _number(row["out_of"]),
                    row["notes"],
                ]
            )
    (out / "results.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    _write_summary(out, rows, courses)
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for row in rows:
        (feedback / f"{_safe(row['student'])}.{row['notebook'] or 'unknown'}.md").write_text(
            _feedback(row, courses)
        )


def _number(value: float) -> str:
    return f"{value:g}"


def _write_summary(out: Path, rows: list[dict], courses: dict[str, Course]) -> None:
    lines = ["# Per exercise: how many got it right, and the most common mistake", ""]
    table = [
        [
            "notebook",
            "exercise",
            "name",
            "submissions",
            *STATUSES,
            "hidden inputs",
            "most common mistake",
            "how many",
        ]
    ]
    for nb in sorted(courses):
        course = courses[nb]
        graded = [r for r in rows if r["notebook"] == nb]
        lines += [f"## {nb} ({len(graded)} submissions)", ""]
        lines += [
            "| exercise | right | wrong | not attempted | error | timed out | most common mistake |",
            "|---|---|---|---|---|---|---|",
        ]
        for q, exercise in course.exercises.items():
            got = [r["exercises"][q] for r in graded if q in r["exercises"]]
            counts = collections.Counter(v["status"] for v in got)
            mistakes = collections.Counter(
                _mistake_key(course, q, v["message"]) for v in got if v["status"] == "wrong"
            )
            common, times = mistakes.most_common(1)[0] if mistakes else ("", 0)
            hidden = (
                f"{course.real_hidden.get(q, 0)} of {len(course.cases[q]) - course.public[q]}"
                if q in course.public
                else "value"
            )
            lines.append(
                f"| {q}: {exercise.name} | {counts['correct']}/{len(got)} | {counts['wrong']} | "
                f"{counts['not attempted']} | {counts['error']} | {counts['timed out']} | "
                f"{(common + f' ({times}×)') if common else '—'} |"
            )
            table.append(
                [nb, q, exercise.name, len(got), *[counts[s] for s in STATUSES], hidden, common, times]
            )
        lines.append("")
    (out / "summary.md").write_text("\n".join(lines))
    with open(out / "summary.csv", "w", newline="") as file:
        csv.writer(file).writerows(table)


def _feedback(row: dict, courses: dict[str, Course]) -> str:
    lines = [f"# {row['student']}: notebook {row['notebook'] or '?'}", ""]
    if row.get("problem"):
        lines += [f"Your submission could not be graded: {row['problem']}", ""]
    course = courses.get(row["notebook"] or "")
    for q, verdict in row["exercises"].items():
        name = course.exercises[q].name if course else q
        symbol = SYMBOLS[verdict["status"]]
        text = "correct" if verdict["status"] == "correct" else f"{verdict['status']}: {verdict['message']}"
        lines.append(
            f"- {symbol} **{name}** ({_number(verdict['points'])}/{_number(verdict['max'])}): {text}"
        )
    lines += ["", f"**Total: {_number(row['total'])} of {_number(row['out_of'])} points.**", ""]
    lines += [
        "Your answers were checked on the notebook's test inputs and on hidden ones. "
        "To work on an exercise again, run `ex.qN.hint()` in the notebook.",
        "",
    ]
    return "\n".join(lines)


# --- the command ---------------------------------------------------------------------------------------


def grade(
    paths: list[Path],
    secret: str,
    out: Path,
    *,
    points: Path | None = None,
    notebook: str | None = None,
    limits: Limits | None = None,
    jobs: int = 1,
    data_dir: Path | None = None,
    progress: bool = True,
) -> list[dict]:
    """Grade every submission in `paths`; write the outputs into `out`; return the graded rows."""
    limits = limits or Limits()
    if limits.user:
        _check_user(limits.user)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    submissions, notes = collect(paths)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    config = points_config(points)
    parsed: list[tuple[Submission, Any, str | None, str]] = []
    for submission in submissions:
        try:
            if len(submission.text) > MAX_NOTEBOOK_BYTES:
                raise ValueError("larger than 50 MiB")
            nb = nbformat.reads(submission.text.decode("utf-8", errors="replace"), as_version=4)
            parsed.append((submission, nb, which_notebook(nb, submission.source, notebook), ""))
        except Exception as error:
            parsed.append(
                (submission, None, None, f"not a readable notebook ({type(error).__name__}: {error})"[:200])
            )
    wanted = sorted({nb for _, _, nb, _ in parsed if nb and (ROOT / "exercises" / f"{nb}.py").exists()})
    courses = {nb: notebook_course(nb, secret) for nb in wanted}
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        run_root = Path(tmp).resolve()
        if limits.user:
            run_root.chmod(0o711)  # the kernels' user reaches its own folder (and nothing else) in here
        base = run_root / "course"
        student_edition.build(base, ROOT, only=set(wanted))
        _prebuild_matplotlib_cache(run_root / "mplconfig")
        deny = [ROOT, run_root, out]
        todo = []
        for index, (submission, _nb, which, problem) in enumerate(parsed):
            if problem or which not in courses:
                problem = problem or f"cannot tell which notebook this is ({which or 'no `ex` import'})"
                rows.append(_row(submission, which, {}, config, problem))
            else:
                todo.append((index, submission, courses[which]))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {
                pool.submit(run_one, i, s, c, base, run_root, out, limits, data_dir, deny): (s, c)
                for i, s, c in todo
            }
            bar = tqdm(
                total=len(futures), desc="grading", unit="notebook", disable=not progress, file=sys.stderr
            )
            for future in concurrent.futures.as_completed(futures):
                submission, course = futures[future]
                try:
                    run = future.result()
                    graded = verdicts(course, run)
                    notes_text = _refusals(run.get("printed", ""))
                    rows.append(
                        _row(submission, course.nb, graded, config, "", notes_text, run.get("seconds"))
                    )
                except Exception as error:  # one broken submission never stops the others
                    rows.append(
                        _row(
                            submission,
                            course.nb,
                            {},
                            config,
                            f"grading failed: {type(error).__name__}: {error}",
                        )
                    )
                bar.update(1)
            bar.close()
        while _RUNNERS:
            _RUNNERS.pop().close()
    for row in rows:  # exercises never reached: listed, with 0 points
        course = courses.get(row["notebook"] or "")
        if course:
            for q in course.exercises:
                row["exercises"].setdefault(
                    q,
                    {
                        "status": "error",
                        "message": row["problem"],
                        "cell": None,
                        "points": 0.0,
                        "max": points_for(config, course.nb, q),
                    },
                )
            row["out_of"] = sum(points_for(config, course.nb, q) for q in course.exercises)
    write_outputs(out, rows, courses, config)
    return rows


def _refusals(printed: str) -> str:
    """What the sandbox refused this submission, from the messages its cells printed."""
    found = [what for phrase, what in REFUSALS.items() if phrase in printed]
    return "; ".join(f"refused: {what}" for what in found)


def _row(
    submission: Submission,
    nb: str | None,
    graded: dict,
    config: dict,
    problem: str,
    notes: str = "",
    seconds=None,
) -> dict:
    exercises = {}
    for q, verdict in graded.items():
        worth = points_for(config, nb, q)
        exercises[q] = {**verdict, "points": worth if verdict["status"] == "correct" else 0.0, "max": worth}
    return {
        "student": submission.student,
        "id": submission.lms_id,
        "source": submission.source,
        "notebook": nb,
        "exercises": exercises,
        "total": sum(v["points"] for v in exercises.values()),
        "out_of": sum(v["max"] for v in exercises.values()),
        "problem": problem,
        "notes": "; ".join(filter(None, [problem, notes])),
        "seconds": round(seconds, 1) if seconds else None,
    }


def _prebuild_matplotlib_cache(folder: Path) -> None:
    """Matplotlib's font cache, built once for all kernels (they may only read it)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(folder), "MPLBACKEND": "Agg"}
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.pyplot"], env=env, capture_output=True, check=False
    )
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teach.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path, help="folders, .ipynb files and .zip files")
    parser.add_argument(
        "--secret", default=os.environ.get("TEACH_SECRET"), help="draws the hidden inputs (or TEACH_SECRET)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for the gradebook, summary and feedback"
    )
    parser.add_argument(
        "--points", type=Path, help="TOML file: [nb02] q4 = 2 (default: 1 point per exercise)"
    )
    parser.add_argument("--notebook", help="grade every submission as this notebook (e.g. 02)")
    parser.add_argument(
        "--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2), help="submissions run at once"
    )
    parser.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell (default 120)")
    parser.add_argument(
        "--notebook-timeout", type=int, default=600, help="seconds per notebook (default 600)"
    )
    parser.add_argument(
        "--memory-gb", type=float, default=6.0, help="address space per kernel in GiB (default 6)"
    )
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per kernel (default 1)")
    parser.add_argument(
        "--data-dir", type=Path, help="a shared dataset cache the kernels may use (default: their own)"
    )
    parser.add_argument(
        "--user", help="run the kernels as this user (when started as root, e.g. in a container)"
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error(
            "--secret (or TEACH_SECRET) is required: it draws the hidden test inputs; keep it to yourself"
        )
    limits = Limits(
        args.cell_timeout, args.notebook_timeout, int(args.memory_gb * 2**30), args.threads, args.user
    )
    started = time.monotonic()
    rows = grade(
        args.submissions,
        args.secret,
        args.out,
        points=args.points,
        notebook=args.notebook,
        limits=limits,
        jobs=args.jobs,
        data_dir=args.data_dir,
    )
    total = sum(r["total"] for r in rows)
    print(
        f"Graded {len(rows)} submissions in {time.monotonic() - started:.0f} s ({total:g} points in all): "
        f"{args.out}/gradebook.csv, summary.md, feedback/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
