"""Tests for utils.download: cache, checksums, downloads from a local server, offline, extraction.

No internet: files are served from a temporary folder by a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest

from utils.download import (
    ChecksumError,
    DownloadError,
    OfflineError,
    announce_fallback,
    archive_kind,
    cache_dir,
    download,
    extract,
    file_checksum,
    filename_from_url,
    parse_checksum,
    verify,
)

PAYLOAD = b"the quick brown fox jumps over the lazy dog\n" * 1000


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on a local port nobody listens on: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.bin"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- cache_dir ------------------------------------------------------------------------------


def test_cache_dir_default_is_under_home(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = cache_dir()
    assert folder == tmp_path / ".cache" / "tlcv-course"
    assert folder.is_dir()


def test_course_data_dir_moves_the_cache(tmp_path, monkeypatch, server):
    moved = tmp_path / "somewhere" / "else"
    monkeypatch.setenv("COURSE_DATA_DIR", str(moved))
    assert cache_dir() == moved and moved.is_dir()
    path = download(server.add("a.bin", PAYLOAD), sha256(PAYLOAD))
    assert path == moved / "a.bin"
    assert path.read_bytes() == PAYLOAD


def test_cache_dir_that_is_a_file_is_refused(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(not_a_folder))
    with pytest.raises(NotADirectoryError, match="COURSE_DATA_DIR"):
        cache_dir()


# --- checksums ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sha256:" + "AB" * 32, ("sha256", "ab" * 32)),
        ("ab" * 32, ("sha256", "ab" * 32)),
        ("sha1:" + "0f" * 20, ("sha1", "0f" * 20)),
        ("MD5:" + "ec29112dd5afa0611ce80d1b7f02629c", ("md5", "ec29112dd5afa0611ce80d1b7f02629c")),
    ],
)
def test_parse_checksum_accepts_the_documented_forms(text, expected):
    assert parse_checksum(text) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "sha256:abc",  # too short
        "c6ff178de032ee56fa5b35c2a6a9005c934faba0",  # a bare sha1: ambiguous, needs its prefix
        "md5:" + "ab" * 32,  # md5 with a sha256-length digest
        "crc32:1234abcd",  # unknown algorithm
        "sha256:" + "zz" * 32,  # not hex
    ],
)
def test_bad_checksum_strings_are_refused_naming_the_accepted_forms(bad):
    with pytest.raises(ValueError, match="Accepted forms: 'sha256:<64 hex>'"):
        parse_checksum(bad)


def test_checksum_must_be_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        parse_checksum(12345)


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_file_checksum_matches_hashlib(tmp_path, algorithm):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    assert file_checksum(path, algorithm) == f"{algorithm}:{hashlib.new(algorithm, PAYLOAD).hexdigest()}"


def test_file_checksum_defaults_to_sha256_and_checks_its_inputs(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    assert file_checksum(path) == sha256(PAYLOAD)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        file_checksum(path, "sha512")
    with pytest.raises(FileNotFoundError, match="not a file"):
        file_checksum(tmp_path / "missing.bin")


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_verify_true_for_the_right_checksum_false_for_another_file(tmp_path, algorithm):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    right = f"{algorithm}:{hashlib.new(algorithm, PAYLOAD).hexdigest()}"
    wrong = f"{algorithm}:{hashlib.new(algorithm, b'other').hexdigest()}"
    assert verify(path, right) is True
    assert verify(path, wrong) is False


def test_verify_accepts_a_bare_sha256(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    assert verify(path, hashlib.sha256(PAYLOAD).hexdigest()) is True


# --- download -------------------------------------------------------------------------------


def test_download_then_cache_hit_makes_no_second_request(server, cache, capsys):
    url = server.add("data.bin", PAYLOAD)
    first = download(url, sha256(PAYLOAD))
    assert first == cache / "data.bin" and first.read_bytes() == PAYLOAD
    assert "DOWNLOAD: data.bin" in capsys.readouterr().out

    second = download(url, sha256(PAYLOAD))
    assert second == first
    assert server.requests == ["/data.bin"]  # still one request
    assert "CACHE: data.bin already downloaded and verified (sha256)" in capsys.readouterr().out
    assert files_in(cache) == ["data.bin"]  # no temporary file left behind


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_download_checks_each_published_algorithm(server, tmp_path, algorithm):
    url = server.add("data.bin", PAYLOAD)
    checksum = f"{algorithm}:{hashlib.new(algorithm, PAYLOAD).hexdigest()}"
    path = download(url, checksum, tmp_path / "out" / "data.bin")
    assert path.read_bytes() == PAYLOAD


def test_checksum_mismatch_raises_with_the_fix_and_leaves_no_file(server, tmp_path):
    url = server.add("data.bin", PAYLOAD)
    wrong = sha256(b"something else")
    dest_dir = tmp_path / "out"
    with pytest.raises(ChecksumError) as info:
        download(url, wrong, dest_dir / "data.bin")
    message = str(info.value)
    assert "data.bin" in message and url in message
    assert wrong in message and sha256(PAYLOAD) in message  # expected and actual
    assert "run the cell again" in message and "datasets/registry.json" in message
    assert info.value.expected == wrong and info.value.actual == sha256(PAYLOAD)
    assert files_in(dest_dir) == []  # neither the file nor its temporary copy


def test_corrupt_cached_file_is_announced_and_downloaded_again(server, cache, capsys):
    url = server.add("data.bin", PAYLOAD)
    cache.mkdir(parents=True)
    (cache / "data.bin").write_bytes(b"half a file")
    path = download(url, sha256(PAYLOAD))
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/data.bin"]
    out = capsys.readouterr().out
    assert "is corrupt (sha256 does not match) → downloading it again" in out
    assert "DOWNLOAD: data.bin" in out


def test_refused_connection_is_offline_and_leaves_no_file(closed_port_url, tmp_path, capsys):
    with pytest.raises(OfflineError) as info:
        download(closed_port_url, sha256(PAYLOAD), tmp_path / "out" / "file.bin")
    assert "connection refused" in info.value.reason
    assert info.value.url == closed_port_url
    assert files_in(tmp_path / "out") == []
    assert "DOWNLOAD" not in capsys.readouterr().out  # nothing was downloaded, so nothing claims it was


def test_unresolvable_host_is_offline(tmp_path):
    with pytest.raises(OfflineError) as info:
        download("http://nonexistent.invalid/file.bin", sha256(PAYLOAD), tmp_path / "file.bin", timeout=5)
    assert "cannot resolve nonexistent.invalid" in info.value.reason
    assert isinstance(info.value, ConnectionError)


def test_timeout_is_offline(server, tmp_path):
    with pytest.raises(OfflineError) as info:
        download(f"{server.base}/slow.bin", sha256(PAYLOAD), tmp_path / "out" / "slow.bin", timeout=0.3)
    assert "no answer" in info.value.reason
    assert files_in(tmp_path / "out") == []


def test_connection_dropped_mid_download_is_offline_and_cleans_up(server, tmp_path):
    with pytest.raises(OfflineError, match="10 of 1,000 bytes"):
        download(f"{server.base}/truncated.bin", sha256(PAYLOAD), tmp_path / "out" / "t.bin")
    assert files_in(tmp_path / "out") == []


def test_http_404_is_a_download_error_not_offline(server, tmp_path):
    url = f"{server.base}/missing.bin"
    with pytest.raises(DownloadError) as info:
        download(url, sha256(PAYLOAD), tmp_path / "out" / "missing.bin")
    assert not isinstance(info.value, OfflineError)
    assert info.value.status == 404
    assert url in str(info.value) and "404" in str(info.value)
    assert files_in(tmp_path / "out") == []


def test_download_checks_its_arguments_before_any_request(server, tmp_path):
    url = server.add("data.bin", PAYLOAD)
    with pytest.raises(ValueError, match="http:// or https://"):
        download("ftp://example.org/data.bin", sha256(PAYLOAD))
    with pytest.raises(ValueError, match="Accepted forms"):
        download(url, "sha256:not-a-checksum", tmp_path / "data.bin")
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        download(url, sha256(PAYLOAD), tmp_path / "data.bin", timeout=0)
    with pytest.raises(ValueError, match="is a folder"):
        download(url, sha256(PAYLOAD), tmp_path)
    with pytest.raises(ValueError, match="cannot tell a file name"):
        download(f"{server.base}/", sha256(PAYLOAD))
    assert server.requests == []


def test_filename_from_url_decodes_the_last_path_part():
    assert filename_from_url("https://host/a/b/my%20file.tar.gz?x=1") == "my file.tar.gz"


# --- extract --------------------------------------------------------------------------------

FILES = {"root/a.txt": b"alpha", "root/sub/b.txt": b"beta"}


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def make_tar(path: Path, files: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_zip_returns_its_single_top_level_folder(tmp_path, capsys):
    archive = make_zip(tmp_path / "data.zip", FILES)
    root = extract(archive)
    assert root == (tmp_path / "data" / "root").resolve()
    assert (root / "a.txt").read_bytes() == b"alpha"
    assert (root / "sub" / "b.txt").read_bytes() == b"beta"
    assert "EXTRACT: data.zip" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("data.tar.gz", "w:gz"),
        ("data.tgz", "w:gz"),
        ("data.tar", "w"),
        ("data.tar.bz2", "w:bz2"),
        ("data.tar.xz", "w:xz"),
    ],
)
def test_extract_every_tar_flavour(tmp_path, name, mode):
    root = extract(make_tar(tmp_path / name, FILES, mode), tmp_path / "out")
    assert root == (tmp_path / "out" / "root").resolve()
    assert (root / "sub" / "b.txt").read_bytes() == b"beta"


def test_extract_plain_tar_named_tar_gz(tmp_path):
    """Like UCF101_subset.tar.gz, which is an uncompressed tar."""
    root = extract(make_tar(tmp_path / "plain.tar.gz", FILES, mode="w"))
    assert (root / "a.txt").read_bytes() == b"alpha"


def test_extract_gz_returns_the_decompressed_file(tmp_path):
    archive = tmp_path / "labels.bin.gz"
    archive.write_bytes(gzip.compress(PAYLOAD))
    path = extract(archive)
    assert path == (tmp_path / "labels.bin").resolve()
    assert path.read_bytes() == PAYLOAD
    assert [p for p in files_in(tmp_path) if p.endswith(".part")] == []


def test_extract_ignores_macosx_resource_forks_when_finding_the_root(tmp_path):
    files = {**FILES, "__MACOSX/root/._a.txt": b"resource fork"}
    root = extract(make_zip(tmp_path / "mac.zip", files), tmp_path / "out")
    assert root == (tmp_path / "out" / "root").resolve()


def test_extract_redoes_the_work_when_the_marker_is_unreadable(tmp_path):
    archive = make_zip(tmp_path / "data.zip", FILES)
    root = extract(archive)
    (root.parent / ".data.zip.extracted").write_text("{not json")
    (root / "a.txt").write_bytes(b"edited")
    assert extract(archive) == root
    assert (root / "a.txt").read_bytes() == b"alpha"


def test_extract_with_several_top_level_entries_returns_dest_dir(tmp_path):
    root = extract(make_zip(tmp_path / "flat.zip", {"a.txt": b"a", "b.txt": b"b"}), tmp_path / "out")
    assert root == (tmp_path / "out").resolve()
    assert (root / "a.txt").read_bytes() == b"a"


def test_extract_skips_work_already_done_but_redoes_a_changed_archive(tmp_path, capsys):
    archive = make_zip(tmp_path / "data.zip", FILES)
    root = extract(archive)
    (root / "a.txt").write_bytes(b"edited")  # if extract ran again, this would be overwritten
    capsys.readouterr()
    assert extract(archive) == root
    assert (root / "a.txt").read_bytes() == b"edited"
    assert "EXTRACT" not in capsys.readouterr().out

    make_zip(archive, {**FILES, "root/new.txt": b"new"})  # a new version of the archive
    os.utime(archive, ns=(1, 1))  # make sure the stamp differs even on a coarse clock
    assert extract(archive) == root
    assert (root / "a.txt").read_bytes() == b"alpha" and (root / "new.txt").exists()


@pytest.mark.parametrize("evil", ["../evil.txt", "root/../../evil.txt", "/tmp/tlcv-evil.txt"])
def test_zip_members_escaping_the_folder_are_refused(tmp_path, evil):
    archive = make_zip(tmp_path / "bad.zip", {"root/ok.txt": b"ok", evil: b"pwned"})
    with pytest.raises(ValueError, match="would be written outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/tlcv-evil.txt").exists()
    assert not (tmp_path / "out" / "root" / "ok.txt").exists()  # checked before anything is written


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/tlcv-evil.txt"])
def test_tar_members_escaping_the_folder_are_refused(tmp_path, evil):
    archive = make_tar(tmp_path / "bad.tar.gz", {"root/ok.txt": b"ok", evil: b"pwned"})
    with pytest.raises(ValueError, match="would be written outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/tlcv-evil.txt").exists()


def test_tar_symlink_pointing_outside_is_refused(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        link = tarfile.TarInfo("root/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "../../../etc/passwd"
        tar.addfile(link)
    with pytest.raises(ValueError, match="would be written outside"):
        extract(archive, tmp_path / "out")


def test_extract_checks_its_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        extract(tmp_path / "missing.zip")
    odd = tmp_path / "data.rar"
    odd.write_bytes(b"x")
    with pytest.raises(ValueError, match="supported archives are .zip"):
        extract(odd)


def test_archive_kind_reads_the_suffix():
    assert archive_kind("imagenette2-160.tgz") == ("tar", "imagenette2-160")
    assert archive_kind("hymenoptera_data.zip") == ("zip", "hymenoptera_data")
    assert archive_kind("t10k-labels-idx1-ubyte.gz") == ("gz", "t10k-labels-idx1-ubyte")


# --- announce_fallback ----------------------------------------------------------------------


def test_announce_fallback_prints_exactly_one_line(capsys):
    announce_fallback("PennFudanPed", "no network", "200 generated shape scenes")
    assert capsys.readouterr().out == (
        "OFFLINE: PennFudanPed could not be downloaded (no network) → using 200 generated shape scenes instead.\n"
    )


@pytest.mark.parametrize("args", [("", "no network", "x"), ("a", " ", "x"), ("a", "b", None)])
def test_announce_fallback_refuses_empty_parts(args):
    with pytest.raises(ValueError, match="must be a non-empty string"):
        announce_fallback(*args)


def test_error_classes_are_what_callers_catch():
    assert issubclass(OfflineError, ConnectionError)
    assert issubclass(DownloadError, RuntimeError) and not issubclass(DownloadError, ConnectionError)
    assert issubclass(ChecksumError, ValueError)
