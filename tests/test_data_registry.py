"""Tests for utils.data.registry: the real registry is valid, and fetching works against a local server.

No internet: test registries point at a local HTTP server (see conftest.py) or at closed ports.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

import pytest

import utils.data.registry as ds
from tests.conftest import closed_port_url, write_registry
from utils.announce import announce_fallback
from utils.archives import archive_kind
from utils.data.registry import (
    FALLBACK_ERRORS,
    DatasetEntry,
    entry,
    fallback_reason,
    fetch,
    fetch_file,
    mirror,
    registry,
    sources,
)
from utils.download import (
    CacheError,
    ChecksumError,
    DownloadError,
    OfflineError,
    WrongFileError,
    parse_checksum,
)

PAYLOAD = b"0123456789" * 500
REQUIRED = {
    "mnist-test-images",
    "mnist-test-labels",
    "mnist-train-images",
    "mnist-train-labels",
    "fashion-mnist-test-images",
    "fashion-mnist-test-labels",
    "fashion-mnist-train-images",
    "fashion-mnist-train-labels",
    "imagenette-160",
    "hymenoptera",
    "ucf101-subset",
}


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def entry_json(name: str, urls: list[str], checksum: str, **changes) -> dict:
    item = {
        "name": name,
        "description": "a test file",
        "urls": urls,
        "checksum": checksum,
        "size_bytes": 5000,
        "license": "CC0",
        "notebooks": ["00_welcome_and_setup"],
        "fallback": "nothing, it is a test",
        "archive": False,
        "checksum_source": "computed by the test",
    }
    item.update(changes)
    return item


# --- the real registry ----------------------------------------------------------------------


def test_real_registry_loads_with_the_required_datasets():
    entries = registry()
    assert set(entries) >= REQUIRED
    assert all(isinstance(e, DatasetEntry) for e in entries.values())
    assert Path(ds.__file__).resolve().parent.parent.parent / "datasets" / "registry.json" == ds.REGISTRY_PATH


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_real_entry_is_complete_and_consistent(name):
    entry = registry()[name]
    parse_checksum(entry.checksum)  # raises if malformed
    assert entry.urls and all(u.startswith(("http://", "https://")) for u in entry.urls)
    assert {Path(u).name for u in entry.urls} == {entry.filename}  # mirrors serve the same file
    assert entry.size_bytes > 0 and entry.notebooks
    for text in (entry.description, entry.license, entry.fallback, entry.checksum_source):
        assert len(text) > 10
    # the fallback is read inside "→ using {fallback} instead.": a noun phrase, no full stop
    assert not entry.fallback.endswith((".", "instead")) and not entry.fallback.lower().startswith("no ")
    if entry.archive:
        assert archive_kind(entry.filename)[0] in {"zip", "tar"}
    else:
        assert entry.filename.endswith(".gz")


def test_registry_checksums_match_those_torchvision_publishes():
    """MNIST, Fashion-MNIST and Imagenette md5s: as in the installed torchvision's source."""
    from torchvision.datasets import MNIST, FashionMNIST, Imagenette

    entries = registry()

    def pinned(name: str) -> str:
        return entries[name].checksum

    mnist, fashion = dict(MNIST.resources), dict(FashionMNIST.resources)
    assert pinned("mnist-test-images") == "md5:" + mnist["t10k-images-idx3-ubyte.gz"]
    assert pinned("mnist-test-labels") == "md5:" + mnist["t10k-labels-idx1-ubyte.gz"]
    assert pinned("fashion-mnist-test-images") == "md5:" + fashion["t10k-images-idx3-ubyte.gz"]
    assert pinned("fashion-mnist-test-labels") == "md5:" + fashion["t10k-labels-idx1-ubyte.gz"]
    assert pinned("mnist-train-images") == "md5:" + mnist["train-images-idx3-ubyte.gz"]
    assert pinned("mnist-train-labels") == "md5:" + mnist["train-labels-idx1-ubyte.gz"]
    assert pinned("fashion-mnist-train-images") == "md5:" + fashion["train-images-idx3-ubyte.gz"]
    assert pinned("fashion-mnist-train-labels") == "md5:" + fashion["train-labels-idx1-ubyte.gz"]
    url, imagenette_md5 = Imagenette._ARCHIVES["160px"]
    assert entries["imagenette-160"].urls == (url,) and pinned("imagenette-160") == "md5:" + imagenette_md5
    assert [u.rsplit("/", 1)[0] + "/" for u in entries["mnist-test-labels"].urls] == MNIST.mirrors
    assert [
        u.rsplit("/", 1)[0] + "/" for u in entries["fashion-mnist-test-labels"].urls
    ] == FashionMNIST.mirrors
    for name in REQUIRED:
        if "mnist" in name:  # every MNIST / Fashion-MNIST file: torchvision's mirrors, in its order
            mirrors = FashionMNIST.mirrors if name.startswith("fashion") else MNIST.mirrors
            assert [u.rsplit("/", 1)[0] + "/" for u in entries[name].urls] == mirrors, name
            assert entries[name].filename in (mnist if mirrors is MNIST.mirrors else fashion), name


def test_entries_are_frozen():
    entry = registry()["mnist-test-labels"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.checksum = "md5:" + "0" * 32


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; known datasets: mnist-test-images"):
        entry("mnist")
    with pytest.raises(ValueError, match="unknown dataset"):
        fetch("no-such-dataset")


def test_entry_returns_the_named_entry():
    assert entry("hymenoptera").checksum == "sha1:c6ff178de032ee56fa5b35c2a6a9005c934faba0"
    assert entry("mnist-test-labels").filename == "t10k-labels-idx1-ubyte.gz"


# --- validation of a registry file ----------------------------------------------------------

GOOD = entry_json("good", ["http://127.0.0.1/x.bin"], md5(b"x"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"license": None}, "field 'license' must be a non-empty string"),
        ({"checksum": "md5:123"}, "Accepted forms"),
        ({"checksum": "c6ff178de032ee56fa5b35c2a6a9005c934faba0"}, "no algorithm prefix"),
        ({"urls": []}, "field 'urls' must be a non-empty list"),
        ({"urls": "http://127.0.0.1/x.bin"}, "field 'urls' must be a non-empty list"),
        ({"urls": ["ftp://host/x.bin"]}, "http\\(s\\) addresses"),
        ({"notebooks": ["tensors"]}, "stems like '09_transfer_learning'"),
        ({"size_bytes": "5 MB"}, "field 'size_bytes' must be a positive integer"),
        ({"size_bytes": True}, "field 'size_bytes' must be a positive integer"),
        ({"archive": "yes"}, "field 'archive' must be true or false"),
        ({"archive": True}, "supported archives are"),  # x.bin cannot be extracted
        ({"name": "MNIST Test"}, "lower-case letters, digits and dashes"),
        ({"licence": "typo"}, "unknown field\\(s\\) \\['licence'\\]"),
    ],
)
def test_bad_entries_are_refused_naming_the_entry_and_field(tmp_path, change, message):
    path = write_registry(tmp_path / "r.json", {**GOOD, **change})
    with pytest.raises(ValueError, match=message) as info:
        registry(path)
    assert "dataset #1 ('" in str(info.value)


def test_missing_field_is_named(tmp_path):
    item = {k: v for k, v in GOOD.items() if k != "checksum_source"}
    with pytest.raises(ValueError, match="missing field\\(s\\) \\['checksum_source'\\]"):
        registry(write_registry(tmp_path / "r.json", item))


def test_duplicate_names_and_bad_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="used twice"):
        registry(write_registry(tmp_path / "r.json", GOOD, GOOD))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        registry(broken)
    wrong_shape = tmp_path / "list.json"
    wrong_shape.write_text("[]")
    with pytest.raises(ValueError, match='"datasets" list'):
        registry(wrong_shape)


# --- fetch against a local server -----------------------------------------------------------


def test_fetch_downloads_into_a_folder_per_dataset_then_hits_the_cache(server, cache, use_registry, capsys):
    url = server.add("t10k-labels-idx1-ubyte.gz", PAYLOAD)
    use_registry(entry_json("labels", [url], md5(PAYLOAD)))
    path = fetch("labels")
    assert path == cache / "labels" / "t10k-labels-idx1-ubyte.gz"
    assert path.read_bytes() == PAYLOAD
    assert fetch("labels") == path
    assert server.requests == ["/t10k-labels-idx1-ubyte.gz"]
    assert "CACHE: t10k-labels-idx1-ubyte.gz already downloaded" in capsys.readouterr().out


def test_fetch_extracts_archives(server, cache, use_registry, tmp_path):
    archive = tmp_path / "ants.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ants_data/train/ant.txt", "ant")
    data = archive.read_bytes()
    url = server.add("ants.zip", data)
    use_registry(entry_json("ants", [url], md5(data), archive=True))
    root = fetch("ants")
    assert root == (cache / "ants" / "ants_data").resolve()
    assert (root / "train" / "ant.txt").read_text() == "ant"


def test_fetch_falls_back_to_a_mirror(server, cache, use_registry, capsys):
    mirror = server.add("file.bin", PAYLOAD)
    primary = closed_port_url()
    use_registry(entry_json("mirrored", [primary, mirror], md5(PAYLOAD)))
    assert fetch("mirrored").read_bytes() == PAYLOAD
    assert (
        capsys.readouterr().out == f"DOWNLOAD: file.bin from {mirror} → {cache / 'mirrored' / 'file.bin'}\n"
    )


def test_fetch_raises_offline_only_when_every_url_is_unreachable(cache, use_registry):
    use_registry(entry_json("gone", [closed_port_url(), "http://nonexistent.invalid/file.bin"], md5(PAYLOAD)))
    with pytest.raises(OfflineError) as info:
        fetch("gone", timeout=5)
    assert info.value.reason == "connection refused by 127.0.0.1; 1 mirror also unreachable"
    assert "nonexistent.invalid" in str(info.value)
    assert not (cache / "gone" / "file.bin").exists()


def test_fetch_with_an_http_error_among_the_failures_is_a_download_error(server, cache, use_registry):
    use_registry(entry_json("moved", [f"{server.base}/file.bin", closed_port_url()], md5(PAYLOAD)))
    with pytest.raises(DownloadError, match="update datasets/registry.json") as info:
        fetch("moved")
    assert not isinstance(info.value, OfflineError)
    assert info.value.status == 404 and info.value.url == f"{server.base}/file.bin"


def test_fetch_raises_wrong_file_for_a_checksum_mismatch(server, cache, use_registry):
    url = server.add("file.bin", PAYLOAD)
    use_registry(entry_json("changed", [url], md5(b"the old file")))
    with pytest.raises(WrongFileError) as info:
        fetch("changed")
    assert isinstance(info.value, ChecksumError) and not info.value.web_page
    assert info.value.reason.startswith(
        "checksum mismatch: the file from 127.0.0.1 is not the published file.bin"
    )
    assert not (cache / "changed" / "file.bin").exists()


# --- what a loader's OFFLINE line says (fallback_reason) -----------------------------------------


def fallback(name: str) -> str:
    """The reason a loader's `OFFLINE:` line gives when `fetch(name)` fails (`load_or_substitute`)."""
    with pytest.raises(FALLBACK_ERRORS) as info:
        fetch(name)
    return fallback_reason(info.value)


def test_fallback_reason_names_what_happened(tmp_path):
    assert fallback_reason(OfflineError("x", reason="no network: cannot resolve host")) == (
        "no network: cannot resolve host"
    )
    assert fallback_reason(DownloadError("x", status=403)) == "server answered HTTP 403"
    assert fallback_reason(DownloadError("x")) == "the server answered with an error"
    assert fallback_reason(CacheError(tmp_path, "is not writable (Permission denied)")) == (
        f"the data cache {tmp_path} is not writable (Permission denied)"
    )
    with pytest.raises(TypeError, match="expected one of"):
        fallback_reason(ChecksumError("x", path=tmp_path, url="", expected="", actual=""))
    portal = "the server sent a web page (a captive portal or login page?) instead of x.zip"
    wrong = WrongFileError("x", failures=[], path=tmp_path, url="", expected="", actual="", reason=portal)
    assert fallback_reason(wrong) == portal
    assert set(FALLBACK_ERRORS) == {OfflineError, DownloadError, WrongFileError, CacheError}
    assert not issubclass(ChecksumError, FALLBACK_ERRORS)  # one download's mismatch: fetch tries the next URL


# --- the OFFLINE line (utils.announce) -----------------------------------------------------------


def test_announce_fallback_prints_exactly_one_line(capsys):
    announce_fallback("PennFudanPed", "no network", "200 generated shape scenes")
    assert capsys.readouterr().out == (
        "OFFLINE: PennFudanPed could not be downloaded (no network) → using 200 generated shape scenes instead.\n"
    )


@pytest.mark.parametrize("args", [("", "no network", "x"), ("a", " ", "x"), ("a", "b", None)])
def test_announce_fallback_refuses_empty_parts(args):
    with pytest.raises(ValueError, match="must be a non-empty string"):
        announce_fallback(*args)


def test_readme_table_lists_every_registered_dataset():
    readme = (ds.REGISTRY_PATH.parent / "README.md").read_text()
    missing = [name for name in registry() if f"| `{name}` |" not in readme]
    assert missing == [], f"add these datasets to the table in datasets/README.md: {missing}"


def test_a_read_only_shared_cache_still_serves_its_verified_files(
    server, cache, use_registry, monkeypatch, capsys
):
    """A teacher filled the cache; learners may only read it: cached files work, new ones fall back."""
    import utils.download as dl

    url = server.add("file.bin", PAYLOAD)
    other = server.add("other.bin", b"another file")
    use_registry(entry_json("here", [url], md5(PAYLOAD)), entry_json("other", [other], md5(b"another file")))
    cached = fetch("here")  # the teacher's run fills the cache
    requests = len(server.requests)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dl, "_probe_write", read_only)
    monkeypatch.setattr(dl, "open_part_file", read_only)
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: None if self.is_dir() else read_only())
    capsys.readouterr()
    assert fetch("here") == cached and len(server.requests) == requests
    assert "already downloaded and verified" in capsys.readouterr().out
    assert "is not writable (Permission denied)" in fallback("other")
    assert len(server.requests) == requests  # no request made for a file that could not be kept


# --- COURSE_REGISTRY and COURSE_MIRROR --------------------------------------------------------


def test_course_registry_replaces_the_registry_file(tmp_path, monkeypatch):
    path = write_registry(tmp_path / "mine.json", GOOD)
    monkeypatch.setenv("COURSE_REGISTRY", str(path))
    assert list(registry()) == ["good"] and entry("good").urls == ("http://127.0.0.1/x.bin",)
    monkeypatch.setenv("COURSE_REGISTRY", str(tmp_path / "missing.json"))
    with pytest.raises(FileNotFoundError, match="missing.json does not exist \\(set by COURSE_REGISTRY\\)"):
        registry()


def test_a_registry_checksum_must_be_whole_not_a_prefix(tmp_path):
    item = {**GOOD, "checksum": "sha256:0123abcd..."}
    with pytest.raises(ValueError, match="a registry checksum is a whole sha256 digest, not a prefix"):
        registry(write_registry(tmp_path / "r.json", item))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("http://192.168.1.10:8000/", "http://192.168.1.10:8000"),
        ("https://host/course", "https://host/course"),
        ("file:///srv/mirror", "/srv/mirror"),
        ("/srv/mirror", "/srv/mirror"),
    ],
)
def test_mirror_reads_course_mirror(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_MIRROR", value)
    assert mirror() == expected


def test_sources_put_the_mirror_first_in_the_cache_layout(monkeypatch, use_registry):
    use_registry(entry_json("labels", ["https://a/x.gz", "https://b/x.gz"], md5(PAYLOAD)))
    monkeypatch.delenv("COURSE_MIRROR", raising=False)
    assert sources(entry("labels")) == ["https://a/x.gz", "https://b/x.gz"]
    monkeypatch.setenv("COURSE_MIRROR", "http://teacher:8000/")
    assert sources(entry("labels")) == ["http://teacher:8000/labels/x.gz", "https://a/x.gz", "https://b/x.gz"]
    monkeypatch.setenv("COURSE_MIRROR", "/srv/mirror")
    assert sources(entry("labels"))[0] == "/srv/mirror/labels/x.gz"


def test_fetch_takes_the_file_from_an_http_mirror_first(server, cache, use_registry, monkeypatch, capsys):
    (server.root / "labels").mkdir()
    server.add("labels/x.gz", PAYLOAD)
    use_registry(entry_json("labels", [closed_port_url("x.gz")], md5(PAYLOAD)))
    monkeypatch.setenv("COURSE_MIRROR", server.base)
    path = fetch("labels")
    assert path == cache / "labels" / "x.gz" and path.read_bytes() == PAYLOAD
    assert server.requests == ["/labels/x.gz"]
    assert capsys.readouterr().out == f"DOWNLOAD: x.gz from {server.base}/labels/x.gz → {path}\n"


def test_fetch_copies_from_a_mirror_folder(tmp_path, cache, use_registry, monkeypatch, capsys):
    folder = tmp_path / "shared-drive"
    (folder / "labels").mkdir(parents=True)
    (folder / "labels" / "x.gz").write_bytes(PAYLOAD)
    use_registry(entry_json("labels", [closed_port_url("x.gz")], md5(PAYLOAD)))
    monkeypatch.setenv("COURSE_MIRROR", str(folder))
    path = fetch("labels")
    assert path.read_bytes() == PAYLOAD and path == cache / "labels" / "x.gz"
    assert f"DOWNLOAD: x.gz copied from {folder / 'labels' / 'x.gz'} → {path}" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["http", "folder"])
def test_a_mirror_missing_the_file_falls_through_to_the_next_url(
    server, tmp_path, cache, use_registry, monkeypatch, kind
):
    url = server.add("x.gz", PAYLOAD)
    use_registry(entry_json("labels", [url], md5(PAYLOAD)))
    monkeypatch.setenv("COURSE_MIRROR", server.base if kind == "http" else str(tmp_path / "empty-mirror"))
    assert fetch("labels").read_bytes() == PAYLOAD
    assert server.requests[-1] == "/x.gz"


@pytest.mark.parametrize("kind", ["http", "folder"])
def test_a_mirror_with_a_wrong_file_falls_through_to_the_next_url(
    server, tmp_path, cache, use_registry, monkeypatch, capsys, kind
):
    mirror_root = server.root if kind == "http" else tmp_path / "mirror"
    (mirror_root / "labels").mkdir(parents=True)
    (mirror_root / "labels" / "x.gz").write_bytes(b"an older version of the file")
    url = server.add("x.gz", PAYLOAD)
    use_registry(entry_json("labels", [url], md5(PAYLOAD)))
    monkeypatch.setenv("COURSE_MIRROR", server.base if kind == "http" else str(mirror_root))
    assert fetch("labels").read_bytes() == PAYLOAD
    out = capsys.readouterr().out
    assert "is not the expected file (checksum mismatch" in out and "→ trying the next source" in out


# --- a captive portal, an oversized answer, a folder in the way, a read-only file system ---------


def test_behind_a_captive_portal_loaders_fall_back_saying_so(cache, use_registry, monkeypatch, capsys):
    """Every URL, the mirror included, answers HTTP 200 with a login page (issue 17, defect 3)."""
    from tests.test_download import hostile_server

    with hostile_server() as portal:
        use_registry(entry_json("ants", [f"{portal}/a/ants.zip", f"{portal}/b/ants.zip"], md5(PAYLOAD)))
        monkeypatch.setenv("COURSE_MIRROR", portal)
        assert fallback("ants") == (
            "every server sent a web page (a captive portal or login page?) instead of ants.zip"
        )
    lines = capsys.readouterr().out.splitlines()
    assert sum("is not the expected file (the server sent a web page" in line for line in lines) == 3
    assert not (cache / "ants" / "ants.zip").exists()


def test_a_response_far_larger_than_the_registry_size_is_cut_off(cache, use_registry, capsys):
    from tests.test_download import hostile_server

    with hostile_server() as server:
        use_registry(entry_json("labels", [f"{server}/endless/x.gz"], md5(PAYLOAD), size_bytes=4542))
        reason = fallback("labels")
    assert "the server sent more than 1,057,660 bytes for x.gz, far more than expected" in reason
    assert [p.name for p in (cache / "labels").iterdir()] == []


def test_a_folder_where_the_cached_file_should_be_gets_the_right_advice(server, cache, use_registry, capsys):
    use_registry(entry_json("labels", [server.add("x.gz", PAYLOAD)], md5(PAYLOAD)))
    (cache / "labels" / "x.gz").mkdir(parents=True)
    with pytest.raises(CacheError) as info:
        fetch("labels")
    assert f"Fix: delete the folder {cache / 'labels' / 'x.gz'}" in str(info.value)
    assert "dest=" not in str(info.value)
    assert "holds a folder x.gz/ where the downloaded file x.gz should be" in fallback("labels")


def test_a_read_only_file_system_falls_back(server, cache, use_registry, monkeypatch, capsys):
    """OSError EROFS (not PermissionError) under the cache (issue 17, defect 7)."""
    import errno
    import os

    use_registry(entry_json("labels", [server.add("x.gz", PAYLOAD)], md5(PAYLOAD)))
    cache.mkdir()

    def erofs(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", erofs)
    monkeypatch.setattr(os, "mkdir", erofs)
    assert fallback("labels").endswith("is not writable (Read-only file system)")


def test_fetch_file_downloads_without_extracting(server, cache, use_registry, tmp_path):
    archive = tmp_path / "ants.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ants_data/ant.txt", "ant")
    url = server.add("ants.zip", archive.read_bytes())
    use_registry(entry_json("ants", [url], md5(archive.read_bytes()), archive=True))
    path = fetch_file("ants")
    assert path == cache / "ants" / "ants.zip" and sorted(p.name for p in path.parent.iterdir()) == [
        "ants.zip"
    ]


# --- four processes fetch one archive at once (issue 17, defect 4) -----------------------------

N_FILES = 400


def _content(i: int) -> bytes:
    return (f"file {i:03d} ".encode() * 2000)[: 20_000 + i]


def _fetch_and_read(registry_path: str, cache_path: str, start, results) -> None:
    """In a child process: wait for the others, fetch, and check every file right after fetch returns."""
    import os

    os.environ["COURSE_REGISTRY"] = registry_path
    os.environ["COURSE_DATA_DIR"] = cache_path
    import contextlib
    import io

    from utils.data.registry import fetch as fetch_in_child

    start.wait()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        root = fetch_in_child("many")
    bad = [i for i in range(N_FILES) if (root / f"f{i:03d}.txt").read_bytes() != _content(i)]
    results.put((len(list(root.iterdir())), bad))


def test_four_processes_fetching_one_archive_all_see_every_file_complete(server, tmp_path):
    import multiprocessing

    from tests.conftest import tar_gz

    data = tar_gz({f"many/f{i:03d}.txt": _content(i) for i in range(N_FILES)})
    url = server.add("many.tar.gz", data)
    registry_path = write_registry(tmp_path / "r.json", entry_json("many", [url], md5(data), archive=True))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [
        context.Process(
            target=_fetch_and_read, args=(str(registry_path), str(tmp_path / "cache"), start, results)
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes == [(N_FILES, [])] * 4
    assert all(worker.exitcode == 0 for worker in workers)
    leftovers = [
        p.name for p in (tmp_path / "cache" / "many").iterdir() if p.name.endswith((".tmp", ".old", ".part"))
    ]
    assert leftovers == []
