"""Shared pytest set-up: a headless matplotlib, a local HTTP server for download tests, and a
report of each notebook's SMOKE seconds."""

import http.server
import io
import json
import os
import socket
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# OpenMP threads that spin while waiting make PyTorch 10-40x slower when another process shares the
# two cores (measured here with three notebook runs at once); sleeping threads cost nothing when alone.
# Inherited by the notebook kernels the tests start.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SECONDS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook SMOKE seconds (wall clock, incl. kernel start)")
    for name, seconds in NOTEBOOK_SECONDS.items():
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):7.1f} s  total")
    out = ROOT / "build" / "notebook-seconds.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(NOTEBOOK_SECONDS, indent=2))


# --- miniature archives ---------------------------------------------------------------------------


def tar_gz(members: dict[str, bytes]) -> bytes:
    """The bytes of a .tar.gz holding `members` (path inside the archive → file content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def best_cpu_seconds(function, repeats: int = 5) -> float:
    """The least CPU time of `repeats` calls of `function` (after one warm-up): robust to a busy machine."""
    import time

    function()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return min(times)


# --- what a loader printed -------------------------------------------------------------------------


def announced(out: str, others: tuple[str, ...] = ("DOWNLOAD: ", "EXTRACT: ", "CACHE: ")) -> list[str]:
    """The DATA: / OFFLINE: lines a loader printed; every other line must start with one of `others`."""
    lines = out.splitlines()
    assert all(line.startswith(("DATA: ", "OFFLINE: ", *others)) for line in lines), lines
    return [line for line in lines if line.startswith(("DATA: ", "OFFLINE: "))]


# --- a local HTTP server and an empty cache, for tests of downloads (no internet needed) ---


@dataclass
class LocalServer:
    """A folder served over HTTP on 127.0.0.1, counting the requests it gets."""

    root: Path
    base: str
    requests: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def add(self, name: str, data: bytes) -> str:
        (self.root / name).write_bytes(data)
        return f"{self.base}/{name}"


def start_server(root: Path) -> tuple[http.server.ThreadingHTTPServer, LocalServer]:
    state = LocalServer(root=root, base="")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            state.requests.append(self.path)
            if self.path == "/truncated.bin":  # promises 1000 bytes, sends 10, hangs up
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"0123456789")
                self.wfile.flush()
                self.close_connection = True
                return
            if self.path == "/slow.bin":  # answers only after the test is over
                state.release.wait(timeout=10)
                return
            super().do_GET()

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, state


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    root = tmp_path / "served"
    root.mkdir()
    httpd, state = start_server(root)
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder, via COURSE_DATA_DIR."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    return folder


# --- test registries: loaders pointed at files the local server serves ------------------------------


def closed_port_url(name: str = "file.bin") -> str:
    """A URL on a local port nobody listens on: connection refused, as when offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def write_registry(path: Path, *items: dict) -> Path:
    path.write_text(json.dumps({"about": "test registry", "datasets": list(items)}))
    return path


@pytest.fixture
def use_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`use(*items)`: point utils.data.registry at a test registry made of the given entries."""
    import utils.data.registry as registry

    def use(*items: dict) -> Path:
        path = write_registry(tmp_path / "registry.json", *items)
        monkeypatch.setattr(registry, "REGISTRY_PATH", path)
        return path

    return use
