"""Tests for utils.fetch (`python -m utils.fetch`, `make fetch`): everything into the caches, a summary
table, and a course mirror that `python -m http.server` serves and `COURSE_MIRROR` reads.

No internet: datasets come from a local server through a test registry, weights are stand-ins that
follow torchvision's file-name hash rule.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

import utils.fetch as uf
from tests.conftest import closed_port_url
from utils.data.registry import fetch
from utils.download import CacheError
from utils.fetch import (
    Row,
    add_to_mirror,
    course_weights,
    fetch_dataset,
    fetch_weights_file,
    format_table,
    main,
    select,
)
from utils.models.pretrained import COURSE_WEIGHTS, weights_file

ROOT = Path(__file__).resolve().parents[1]
LABELS = b"0123456789" * 500
WEIGHTS = b"pretend these are weights " * 1000


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def entry_json(name: str, urls: list[str], data: bytes) -> dict:
    return {
        "name": name,
        "description": "a test file",
        "urls": urls,
        "checksum": md5(data),
        "size_bytes": len(data),
        "license": "CC0",
        "notebooks": ["00_welcome_and_setup"],
        "fallback": "nothing, it is a test",
        "archive": False,
        "checksum_source": "computed by the test",
    }


def stand_in_weights(url: str, content: bytes = WEIGHTS) -> types.SimpleNamespace:
    """Shaped like a torchvision weights member; its file name carries its sha256 prefix."""
    prefix = hashlib.sha256(content).hexdigest()[:8]
    return types.SimpleNamespace(url=f"{url}/tiny-{prefix}.pth", name="TINY_V1", meta={"_file_size": 0.03})


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("COURSE_MIRROR", raising=False)
    return tmp_path / "torch"


@pytest.fixture
def course(server, cache, use_registry, torch_home, monkeypatch):
    """A test registry with one reachable and one unreachable dataset, and one stand-in weights file."""
    url = server.add("labels.gz", LABELS)
    use_registry(
        entry_json("labels", [url], LABELS), entry_json("gone", [closed_port_url("gone.gz")], LABELS)
    )
    weights = stand_in_weights(server.base)
    server.add(Path(weights.url).name, WEIGHTS)
    monkeypatch.setattr(uf, "course_weights", lambda: {"tiny": weights})
    return types.SimpleNamespace(server=server, cache=cache, weights=weights)


# --- choosing what to fetch --------------------------------------------------------------------


def test_course_weights_are_the_constants_files_by_model_name():
    weights = course_weights()
    assert list(weights) == [model for model, _ in COURSE_WEIGHTS]
    assert weights["resnet18"].url.endswith("/resnet18-f37072fd.pth")


def test_select_takes_all_or_the_names_given():
    datasets, models = select(None)
    assert "mnist-test-labels" in datasets and "r3d_18" in models
    assert select(["r3d_18", "hymenoptera"]) == (["hymenoptera"], ["r3d_18"])
    with pytest.raises(ValueError, match=r"unknown name\(s\) \['mnist'\]. Datasets: mnist-test-images"):
        select(["mnist"])


# --- fetching into the caches ----------------------------------------------------------------------


def test_fetch_dataset_downloads_then_skips_a_verified_file(course):
    first = fetch_dataset("labels")
    assert first.status == "downloaded" and first.path == course.cache / "labels" / "labels.gz"
    assert first.size == len(LABELS) and not first.failed
    second = fetch_dataset("labels")
    assert second.status == "cached" and course.server.requests == ["/labels.gz"]


def test_fetch_dataset_reports_a_failure_with_its_reason(course, tmp_path, monkeypatch):
    row = fetch_dataset("gone")
    assert row.failed and row.status == "failed: connection refused by 127.0.0.1"
    assert row.size == len(LABELS)  # the registry's size
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "file.txt"))
    assert fetch_dataset("labels").status.startswith("failed: the data cache")


def test_fetch_weights_file_downloads_verifies_and_skips(course):
    row = fetch_weights_file("tiny")
    assert row.status == "downloaded" and row.name == "tiny TINY_V1"
    assert row.path == weights_file(course.weights) and row.path.read_bytes() == WEIGHTS
    assert fetch_weights_file("tiny").status == "cached"
    row.path.write_bytes(b"tampered")
    assert fetch_weights_file("tiny").status.startswith("failed: ") and "delete it and run again" in (
        fetch_weights_file("tiny").status
    )


def test_fetch_weights_file_reports_an_outage(course, monkeypatch):
    offline = stand_in_weights(closed_port_url("models").rsplit("/", 1)[0])
    monkeypatch.setattr(uf, "course_weights", lambda: {"tiny": offline})
    assert fetch_weights_file("tiny").status == "failed: connection refused by 127.0.0.1"


# --- the mirror folder ------------------------------------------------------------------------------


def test_add_to_mirror_links_copies_and_leaves_equal_files(tmp_path, monkeypatch):
    source = tmp_path / "cache" / "labels" / "labels.gz"
    source.parent.mkdir(parents=True)
    source.write_bytes(LABELS)
    target = tmp_path / "mirror" / "labels" / "labels.gz"
    assert add_to_mirror(source, target) == "linked" and os.path.samefile(source, target)
    assert add_to_mirror(source, target) == "already there"
    assert add_to_mirror(source, source) == "already there"  # the cache itself as the mirror

    def no_links(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    other = tmp_path / "mirror2" / "labels.gz"
    other.parent.mkdir()
    other.write_bytes(b"an older file")
    assert add_to_mirror(source, other) == "copied" and other.read_bytes() == LABELS
    assert sorted(p.name for p in other.parent.iterdir()) == ["labels.gz"]  # no temporary file left


def test_add_to_mirror_into_an_unwritable_folder_is_a_cache_error(tmp_path, monkeypatch):
    source = tmp_path / "a.gz"
    source.write_bytes(LABELS)

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(CacheError, match="Read-only file system"):
        add_to_mirror(source, tmp_path / "mirror" / "x" / "a.gz")


def test_format_table_lines_up_the_columns():
    rows = [
        Row("data", "labels", Path("x"), "cached", 4542),
        Row("weights", "resnet18 IMAGENET1K_V1", Path("y"), "failed: no network", None, "linked: weights/y"),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == ["kind", "name", "size", "status", "mirror"]
    assert lines[1].startswith("data     labels                  0.0 MB  cached")
    assert lines[2].endswith("?       failed: no network  linked: weights/y")
    assert Row("data", "a", Path("a"), "failed: x", 1).failed and not rows[0].failed


# --- the command ------------------------------------------------------------------------------------


def test_main_fetches_everything_prints_the_table_and_writes_a_mirror(course, tmp_path, capsys):
    folder = tmp_path / "classroom"
    assert main(["--mirror", str(folder)]) == 0  # a failure is reported, not an error, unless --strict
    out = capsys.readouterr().out
    table = out[out.index("kind ") :]
    assert "labels" in table and "downloaded" in table and "linked: labels/labels.gz" in table
    assert "gone" in table and "failed: connection refused by 127.0.0.1" in table
    assert "tiny TINY_V1" in table and f"linked: weights/{Path(course.weights.url).name}" in table
    assert "2 of 3 files ready; 1 failed." in out and f"python -m http.server 8000 -d {folder}" in out
    assert (folder / "labels" / "labels.gz").read_bytes() == LABELS
    assert (folder / "weights" / Path(course.weights.url).name).read_bytes() == WEIGHTS
    assert not (folder / "gone").exists()
    assert main(["--strict", "--only", "gone"]) == 1
    assert main(["--strict", "--only", "labels", "tiny"]) == 0
    assert "cached" in capsys.readouterr().out  # the second run skips verified files
    assert main(["--only", "nothing-like-this"]) == 2
    assert "unknown name(s) ['nothing-like-this']" in capsys.readouterr().err


def test_main_can_skip_weights_or_data(course, capsys):
    assert main(["--no-weights"]) == 0
    assert "tiny" not in capsys.readouterr().out
    assert main(["--no-data"]) == 0
    out = capsys.readouterr().out
    assert "tiny TINY_V1" in out and "labels " not in out


def _serve(folder: Path) -> tuple[subprocess.Popen, str]:
    """`python -m http.server` on a free port of 127.0.0.1, as the README tells a teacher to run it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("python -m http.server did not start")


def test_a_served_mirror_folder_feeds_a_learners_empty_cache(course, tmp_path, monkeypatch, capsys):
    """The teacher's `--mirror DIR` behind `python -m http.server`: a learner with COURSE_MIRROR set and
    no other network gets the verified file from it."""
    folder = tmp_path / "classroom"
    assert main(["--mirror", str(folder), "--only", "labels"]) == 0
    course.server.requests.clear()
    process, base = _serve(folder)
    try:
        monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "learner-cache"))
        monkeypatch.setenv("COURSE_MIRROR", base)
        capsys.readouterr()
        path = fetch("labels")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert path == tmp_path / "learner-cache" / "labels" / "labels.gz" and path.read_bytes() == LABELS
    assert f"DOWNLOAD: labels.gz from {base}/labels/labels.gz" in capsys.readouterr().out
    assert course.server.requests == []  # the dataset's own URL was not needed


def test_python_dash_m_utils_fetch_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "utils.fetch", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert "--mirror DIR" in result.stdout and "--only NAME" in result.stdout and "--strict" in result.stdout


def test_make_fetch_runs_the_command():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nfetch: install\n\t$(BIN)/python -m utils.fetch $(FETCH)\n" in makefile


def test_the_readmes_classroom_commands_work_as_written(course, tmp_path):
    """README "Teaching a class": the section sits before "What is in the repository", and its
    commands are the ones tested above: `make fetch FETCH=...` runs `python -m utils.fetch` with those
    arguments (test_make_fetch_runs_the_command), here with the mirror folder moved into tmp_path."""
    import re
    import shlex

    readme = (ROOT / "README.md").read_text()
    assert readme.index("## Teaching a class\n") < readme.index("## What is in the repository\n")
    section = readme[readme.index("## Teaching a class\n") : readme.index("## What is in the repository\n")]
    assert "### A course mirror for a classroom\n" in section
    assert "TORCH_HOME" in section and "fetch_weights" in section
    commands = [
        line.split(" #")[0].strip()
        for block in re.findall(r"(?ms)^```bash\n(.*?)^```", section)
        for line in block.splitlines()
    ]
    make = next(c for c in commands if c.startswith("make fetch"))
    arguments = shlex.split(shlex.split(make)[2].removeprefix("FETCH="))
    folder = arguments[arguments.index("--mirror") + 1]
    serve = next(c for c in commands if "http.server" in c)
    assert serve == f"python3 -m http.server 8000 -d {folder}"
    assert any(c.startswith("export COURSE_MIRROR=http://") and ":8000" in c for c in commands)
    moved = [str(tmp_path / "mirror") if a == folder else a for a in arguments]
    assert main(moved) == 0
    assert (tmp_path / "mirror" / "labels" / "labels.gz").read_bytes() == LABELS
