"""Tests for utils.download: cache folder, checksums, downloads from a local server, offline, .part files.

No internet: files are served from a temporary folder by a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.server
import io
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import utils.download as dl
from utils.download import (
    CacheError,
    ChecksumError,
    DownloadError,
    OfflineError,
    WrongFileError,
    cache_dir,
    cache_error,
    checksum_matches,
    copy_verified,
    describe_cache,
    download,
    download_first,
    file_checksum,
    filename_from_url,
    looks_like_web_page,
    max_download_bytes,
    open_part_file,
    parse_checksum,
    remove_stale_parts,
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
    with pytest.raises(CacheError, match="COURSE_DATA_DIR") as info:
        cache_dir()
    assert "is a file, not a folder" in str(info.value) and info.value.path == not_a_folder


def test_cache_dir_under_a_file_is_a_cache_error_with_the_fix(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "file.txt" / "cache"))
    with pytest.raises(CacheError) as info:
        cache_dir()
    message = str(info.value)
    assert "\n" not in message  # one line
    assert "part of its path is a file" in message
    assert (
        "Fix: set COURSE_DATA_DIR to a folder you can write, e.g. os.environ['COURSE_DATA_DIR'] = '"
        in message
    )
    assert isinstance(info.value, OSError)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_cache_dir_is_a_cache_error(tmp_path, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    try:
        with pytest.raises(CacheError, match="is not writable .* Fix: set COURSE_DATA_DIR"):
            cache_dir()
    finally:
        folder.chmod(0o755)


def test_cache_dir_really_tries_to_write(cache, monkeypatch):
    """The check creates a file (permission bits can lie: ACLs, read-only mounts, root)."""

    def refuse(folder):
        raise PermissionError(13, "Permission denied", str(folder / ".write-test"))

    assert cache_dir() == cache
    assert list(cache.iterdir()) == []  # the probe file is deleted
    monkeypatch.setattr(dl, "_probe_write", refuse)
    with pytest.raises(CacheError, match=r"is not writable \(Permission denied\)\. Fix: ") as info:
        cache_dir()
    assert info.value.path == cache and info.value.fix.startswith("Fix: set COURSE_DATA_DIR")


def test_download_into_an_unusable_cache_raises_cache_error_before_any_request(server, tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "file.txt"))
    with pytest.raises(CacheError):
        download(server.add("a.bin", PAYLOAD), sha256(PAYLOAD))
    assert server.requests == []


def test_describe_cache_gives_the_path_or_says_why_it_is_not_usable(tmp_path, cache, monkeypatch):
    assert describe_cache() == str(cache)
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "file.txt"))
    text = describe_cache()
    assert text.startswith(
        f"{tmp_path / 'file.txt'} (NOT USABLE: it is a file, not a folder. Fix: set COURSE_DATA_DIR"
    )
    assert text.endswith(")")


def test_describe_cache_never_raises(monkeypatch):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert "NOT USABLE: Could not determine home directory." in describe_cache()


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


# --- permissions, .part files, an ASCII console --------------------------------------------


@pytest.fixture
def umask():
    """Set the process umask for one test (os.umask returns the old one), then restore it."""
    old = os.umask(0o022)  # os.umask sets a new mask and returns the old one
    yield os.umask
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_downloaded_files_get_normal_permissions_not_mkstemps_0600(server, tmp_path, umask, mask, mode):
    """A shared cache (lab machine, JupyterHub) must be readable by the others: 0o666 minus the umask."""
    url = server.add("data.bin", PAYLOAD)
    umask(mask)
    path = download(url, sha256(PAYLOAD), tmp_path / "out" / "data.bin")
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_open_part_file_makes_a_hidden_part_file_beside_dest(tmp_path, umask):
    umask(0o022)
    out, part = open_part_file(tmp_path / "data.bin")
    with out:
        out.write(b"x")
    assert part.parent == tmp_path and part.name.startswith(".data.bin.") and part.name.endswith(".part")
    assert part.read_bytes() == b"x"
    if os.name == "posix":
        assert stat.S_IMODE(part.stat().st_mode) == 0o644
    other_out, other = open_part_file(tmp_path / "data.bin")
    other_out.close()
    assert other != part


def make_part(folder: Path, name: str, age_s: float) -> Path:
    part = folder / name
    part.write_bytes(b"half a download")
    then = time.time() - age_s
    os.utime(part, (then, then))
    return part


def test_remove_stale_parts_deletes_only_old_parts_of_that_file(tmp_path):
    stale = make_part(tmp_path, ".data.bin.k3j4h5g6.part", age_s=3600)
    live = make_part(tmp_path, ".data.bin.a1b2c3d4.part", age_s=5)  # a download running right now
    other = make_part(tmp_path, ".other.bin.a1b2c3d4.part", age_s=3600)  # another file's download
    assert remove_stale_parts(tmp_path / "data.bin") == [stale]
    assert not stale.exists() and live.exists() and other.exists()
    assert remove_stale_parts(tmp_path / "data.bin", older_than_s=0) == [live]
    assert remove_stale_parts(tmp_path / "missing-folder" / "x.bin") == []
    with pytest.raises(ValueError, match="older_than_s must be a number of seconds >= 0"):
        remove_stale_parts(tmp_path / "data.bin", older_than_s=-1)


def test_remove_stale_parts_reads_odd_names_literally(tmp_path):
    odd = make_part(tmp_path, ".scan[1].bin.a1b2c3d4.part", age_s=3600)
    assert remove_stale_parts(tmp_path / "scan[1].bin") == [odd]


def test_download_deletes_parts_left_by_a_killed_download_but_not_a_live_one(server, cache, capsys):
    url = server.add("data.bin", PAYLOAD)
    cache.mkdir(parents=True)
    killed = make_part(cache, ".data.bin.k1ll3d00.part", age_s=11 * 60)  # SIGKILL: nobody cleaned up
    live = make_part(cache, ".data.bin.l1ve0000.part", age_s=30)  # another process, still writing
    path = download(url, sha256(PAYLOAD))
    assert path.read_bytes() == PAYLOAD
    assert not killed.exists() and live.exists()
    assert files_in(cache) == [live.name, "data.bin"]
    assert (
        "CACHE: deleted 1 unfinished download(s) of data.bin left by a stopped run" in capsys.readouterr().out
    )


def test_download_lines_survive_an_ascii_only_console(server, cache, monkeypatch):
    url = server.add("data.bin", PAYLOAD)
    console = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", console)
    download(url, sha256(PAYLOAD))
    (cache / "data.bin").write_bytes(b"corrupt")
    download(url, sha256(PAYLOAD))
    console.flush()
    printed = console.buffer.getvalue().decode("ascii")
    assert f"DOWNLOAD: data.bin from {url} -> {cache / 'data.bin'}" in printed
    assert "is corrupt (sha256 does not match) -> downloading it again." in printed


def test_error_classes_are_what_callers_catch():
    assert issubclass(CacheError, OSError) and not issubclass(CacheError, ConnectionError)
    assert issubclass(OfflineError, ConnectionError)
    assert issubclass(DownloadError, RuntimeError) and not issubclass(DownloadError, ConnectionError)
    assert issubclass(ChecksumError, ValueError)


def test_network_reason_says_why_in_a_few_words():
    import socket
    import urllib.error

    from utils.download import network_reason

    url = "https://example.org/file.bin"
    assert (
        network_reason(urllib.error.URLError(socket.gaierror(-2, "x")), url)
        == "no network: cannot resolve example.org"
    )
    assert network_reason(ConnectionRefusedError(), url) == "connection refused by example.org"
    assert network_reason(TimeoutError(), url, timeout=5) == "no answer from example.org within 5 s"


# --- a hostile network: a captive portal, an endless response (issue 17, defect 3) ----------------

LOGIN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head><body>Log in</body></html>\n"


@contextlib.contextmanager
def hostile_server() -> Iterator[str]:
    """A server on 127.0.0.1 that answers every URL with HTTP 200 and a login page (a captive portal),
    except /endless, which streams zeros without a Content-Length until the client hangs up."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            if self.path.startswith("/endless"):
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                with contextlib.suppress(OSError):
                    for _ in range(100_000):  # at most 6.4 GB: the client must stop long before
                        self.wfile.write(bytes(65536))
                return
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(LOGIN_PAGE)))
            self.end_headers()
            self.wfile.write(LOGIN_PAGE)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_captive_portal_page_is_named_as_such_and_leaves_no_file(tmp_path):
    with hostile_server() as portal, pytest.raises(ChecksumError) as info:
        download(f"{portal}/data.tar.gz", sha256(PAYLOAD), tmp_path / "out" / "data.tar.gz")
    assert info.value.web_page
    assert info.value.reason == (
        "the server sent a web page (a captive portal or login page?) instead of data.tar.gz"
    )
    assert "log in to the network" in str(info.value)
    assert files_in(tmp_path / "out") == []


def test_a_response_far_larger_than_expected_is_cut_off(tmp_path):
    """A server that streams 300 MB for a 4.5 kB file: stopped at the limit, nothing kept."""
    limit = max_download_bytes(4542)
    start = time.perf_counter()
    with hostile_server() as server, pytest.raises(ChecksumError) as info:
        download(
            f"{server}/endless/labels.gz", sha256(PAYLOAD), tmp_path / "out" / "labels.gz", max_bytes=limit
        )
    assert (
        info.value.reason
        == f"the server sent more than {limit:,} bytes for labels.gz, far more than expected"
    )
    assert not info.value.web_page and time.perf_counter() - start < 10
    assert files_in(tmp_path / "out") == []


def test_a_too_large_content_length_is_refused_before_writing(server, tmp_path, monkeypatch):
    url = server.add("big.bin", PAYLOAD)  # 44,000 bytes, announced in Content-Length
    written = []
    real = open_part_file

    def spy(dest):
        out, part = real(dest)
        written.append(part)
        return out, part

    monkeypatch.setattr(dl, "open_part_file", spy)
    with pytest.raises(ChecksumError, match="more than 1,000 bytes"):
        download(url, sha256(PAYLOAD), tmp_path / "out" / "big.bin", max_bytes=1000)
    assert written and not written[0].exists() and files_in(tmp_path / "out") == []
    assert (
        download(url, sha256(PAYLOAD), tmp_path / "out" / "big.bin", max_bytes=len(PAYLOAD)).read_bytes()
        == PAYLOAD
    )
    with pytest.raises(ValueError, match="max_bytes must be None or a positive number"):
        download(url, sha256(PAYLOAD), tmp_path / "big.bin", max_bytes=0)


def test_max_download_bytes_allows_a_stated_margin():
    assert max_download_bytes(4542) == 2 * 4542 + 2**20
    assert max_download_bytes(100_000_000) == 200_000_000 + 2**20
    with pytest.raises(ValueError, match="positive integer"):
        max_download_bytes(0)


def test_looks_like_web_page_tells_html_from_data():
    assert looks_like_web_page(LOGIN_PAGE)
    assert looks_like_web_page(b"\xef\xbb\xbf  <html lang=en>")
    assert looks_like_web_page(b"anything", "text/html; charset=utf-8")
    assert not looks_like_web_page(b"\x1f\x8b\x08\x00 gzip bytes", "application/octet-stream")
    assert not looks_like_web_page(b"<?xml version='1.0'?><annotation>", "application/xml")  # Pascal VOC xml


def test_a_real_mismatch_is_not_called_a_portal(server, tmp_path):
    url = server.add("data.bin", PAYLOAD)
    with pytest.raises(ChecksumError) as info:
        download(url, sha256(b"other"), tmp_path / "data.bin")
    assert not info.value.web_page
    assert info.value.reason.startswith(
        "checksum mismatch: the file from 127.0.0.1 is not the published data.bin"
    )


# --- download_first: the next source after a wrong one ------------------------------------------


def test_download_first_skips_a_portal_and_takes_the_next_source(server, tmp_path, capsys):
    good = server.add("data.bin", PAYLOAD)
    with hostile_server() as portal:
        path = download_first([f"{portal}/data.bin", good], sha256(PAYLOAD), tmp_path / "data.bin")
    assert path.read_bytes() == PAYLOAD
    out = capsys.readouterr().out
    assert (
        f"DOWNLOAD: data.bin from {portal}/data.bin is not the expected file (the server sent a web page"
        in out
    )
    assert "→ trying the next source" in out and f"DOWNLOAD: data.bin from {good}" in out


def test_download_first_behind_a_portal_raises_wrong_file_with_the_portal_reason(tmp_path):
    with hostile_server() as portal, pytest.raises(WrongFileError) as info:
        download_first(
            [f"{portal}/a/data.zip", f"{portal}/b/data.zip"], sha256(PAYLOAD), tmp_path / "data.zip"
        )
    assert (
        info.value.reason
        == "every server sent a web page (a captive portal or login page?) instead of data.zip"
    )
    assert info.value.web_page and len(info.value.failures) == 2
    assert isinstance(info.value, ChecksumError) and files_in(tmp_path) == []


def test_download_first_names_a_real_mismatch_even_beside_a_portal(server, tmp_path):
    changed = server.add("data.bin", b"a changed file")
    with hostile_server() as portal, pytest.raises(WrongFileError) as info:
        download_first([f"{portal}/data.bin", changed], sha256(PAYLOAD), tmp_path / "data.bin")
    assert info.value.reason.startswith(
        "checksum mismatch: the file from 127.0.0.1 is not the published data.bin"
    )
    assert info.value.reason.endswith("; another source sent a web page (a captive portal?)")
    assert not info.value.web_page


def test_download_first_aggregates_offline_and_http_errors(server, tmp_path, closed_port_url):
    with pytest.raises(OfflineError) as info:
        download_first([closed_port_url, closed_port_url], sha256(PAYLOAD), tmp_path / "x.bin")
    assert info.value.reason == "connection refused by 127.0.0.1; 1 mirror also unreachable"
    with pytest.raises(DownloadError, match="Fix: look again") as http:
        download_first(
            [closed_port_url, f"{server.base}/missing.bin"],
            sha256(PAYLOAD),
            tmp_path / "x.bin",
            fix="look again",
        )
    assert http.value.status == 404
    with pytest.raises(ValueError, match="at least one"):
        download_first([], sha256(PAYLOAD), tmp_path / "x.bin")


def test_download_first_with_a_folder_where_the_file_should_be_gives_the_right_advice(server, tmp_path):
    (tmp_path / "data.bin").mkdir()
    with pytest.raises(CacheError) as info:
        download_first([server.add("data.bin", PAYLOAD)], sha256(PAYLOAD), tmp_path / "data.bin")
    assert "holds a folder data.bin/ where the downloaded file data.bin should be" in str(info.value)
    assert f"Fix: delete the folder {tmp_path / 'data.bin'}" in str(info.value) and "dest=" not in str(
        info.value
    )
    assert server.requests == []


def test_copy_verified_copies_a_right_file_and_refuses_others(tmp_path, capsys):
    source = tmp_path / "mirror" / "data.bin"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    dest = tmp_path / "cache" / "data.bin"
    assert copy_verified(source, sha256(PAYLOAD), dest).read_bytes() == PAYLOAD
    assert f"DOWNLOAD: data.bin copied from {source} → {dest}" in capsys.readouterr().out
    assert copy_verified(source, sha256(PAYLOAD), dest) == dest
    assert "CACHE: data.bin already downloaded and verified" in capsys.readouterr().out
    with pytest.raises(ChecksumError) as info:
        copy_verified(source, sha256(b"other"), tmp_path / "cache" / "other.bin")
    assert (
        info.value.reason.startswith("checksum mismatch") and not (tmp_path / "cache" / "other.bin").exists()
    )
    assert copy_verified(tmp_path / "mirror" / "nothing.bin", sha256(PAYLOAD), dest) == dest  # cached: enough
    with pytest.raises(OfflineError) as missing:
        copy_verified(tmp_path / "mirror" / "nothing.bin", sha256(PAYLOAD), tmp_path / "cache" / "new.bin")
    assert missing.value.reason == "not in the mirror folder"


# --- prefixes of checksums (torchvision's file names) -------------------------------------------


def test_a_checksum_prefix_with_dots_is_accepted_and_matched():
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    assert parse_checksum(f"sha256:{digest[:8].upper()}...") == ("sha256", digest[:8])
    assert checksum_matches(digest, digest[:8]) and checksum_matches(digest, digest)
    assert not checksum_matches(digest, "0" * 8) and not checksum_matches(digest[:8], digest)
    for bad in ("sha256:abc...", f"sha256:{digest}...", f"{digest[:8]}...", "sha256:zzzzzzzz..."):
        with pytest.raises(ValueError, match="Accepted forms"):
            parse_checksum(bad)


def test_download_verifies_against_a_prefix(server, tmp_path):
    url = server.add("resnet-f00.pth", PAYLOAD)
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    assert download(url, f"sha256:{digest[:10]}...", tmp_path / "w.pth").read_bytes() == PAYLOAD
    assert verify(tmp_path / "w.pth", f"sha256:{digest[:10]}...")
    with pytest.raises(ChecksumError):
        download(url, "sha256:00000000...", tmp_path / "v.pth")


# --- a read-only file system, a full disk, another user's private files (defect 7, minors) ------


def test_cache_error_gives_the_fix_that_matches_the_error(tmp_path):
    read_only = cache_error(tmp_path, OSError(errno.EROFS, "Read-only file system"))
    assert (
        read_only.problem == "is not writable (Read-only file system)"
        and "set COURSE_DATA_DIR" in read_only.fix
    )
    full = cache_error(tmp_path, OSError(errno.ENOSPC, "No space left on device"))
    assert full.problem == "is full (No space left on device)"
    assert full.fix.startswith(
        "Fix: free some disk space, or set COURSE_DATA_DIR to a folder on a disk with room"
    )


def test_a_read_only_file_system_is_a_cache_error(server, cache, monkeypatch):
    url = server.add("data.bin", PAYLOAD)
    cache.mkdir(parents=True)

    def erofs(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", erofs)
    with pytest.raises(CacheError, match=r"is not writable \(Read-only file system\)"):
        download(url, sha256(PAYLOAD), cache / "data.bin")
    with pytest.raises(CacheError, match=r"is not writable \(Read-only file system\)"):
        cache_dir()
    monkeypatch.undo()
    monkeypatch.setenv("COURSE_DATA_DIR", str(cache / "new"))
    monkeypatch.setattr(Path, "mkdir", erofs)
    with pytest.raises(CacheError, match=r"cannot be created \(Read-only file system\)"):
        cache_dir()
    with pytest.raises(CacheError, match=r"is not writable \(Read-only file system\)"):
        download(url, sha256(PAYLOAD), cache / "sub" / "data.bin")
    assert server.requests == []


def test_a_full_disk_during_a_download_is_a_cache_error_and_leaves_no_part(server, tmp_path, monkeypatch):
    url = server.add("data.bin", PAYLOAD * 50)  # 2.2 MB: more than one chunk
    parts = []
    real = open_part_file

    class FullDisk(io.RawIOBase):
        def __init__(self, out):
            self.out, self.written = out, 0

        def writable(self):
            return True

        def write(self, data):
            if self.written:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.out.write(data)

        def close(self):
            self.out.close()
            super().close()

    def full(dest):
        out, part = real(dest)
        parts.append(part)
        return FullDisk(out), part

    monkeypatch.setattr(dl, "open_part_file", full)
    with pytest.raises(CacheError) as info:
        download(url, sha256(PAYLOAD * 50), tmp_path / "out" / "data.bin")
    assert "is full (No space left on device)" in str(info.value) and "free some disk space" in str(
        info.value
    )
    assert parts and not parts[0].exists() and files_in(tmp_path / "out") == []


def test_a_cached_file_another_user_cannot_share_is_a_cache_error(server, cache, monkeypatch):
    """A shared cache written with umask 077: the other users' PermissionError becomes a clean CacheError."""
    url = server.add("data.bin", PAYLOAD)
    path = download(url, sha256(PAYLOAD))

    def private(p, algorithm="sha256"):
        raise PermissionError(errno.EACCES, "Permission denied", str(p))

    monkeypatch.setattr(dl, "file_checksum", private)
    with pytest.raises(CacheError) as info:
        download(url, sha256(PAYLOAD))
    message = str(info.value)
    assert "holds data.bin, which this user cannot read (Permission denied" in message
    assert f"chmod -R a+rX {path.parent}" in message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may read anything")
def test_a_private_file_really_is_refused_cleanly(server, cache, umask):
    url = server.add("data.bin", PAYLOAD)
    umask(0o077)
    path = download(url, sha256(PAYLOAD))
    path.chmod(0)  # as another user sees a 0600 file
    try:
        with pytest.raises(CacheError, match="which this user cannot read"):
            download(url, sha256(PAYLOAD))
    finally:
        path.chmod(0o600)


def test_another_process_finishing_first_keeps_its_file(server, tmp_path, monkeypatch):
    """Two processes download one file at once: the later one keeps the first's verified file in place."""
    url = server.add("data.bin", PAYLOAD)
    dest = tmp_path / "out" / "data.bin"
    dest.parent.mkdir()
    real = dl._stream_to
    other = []

    def meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        dest.write_bytes(PAYLOAD)  # the other process's os.replace, while this one was downloading
        other.append(dest.stat().st_ino)
        return result

    monkeypatch.setattr(dl, "_stream_to", meanwhile)
    assert download(url, sha256(PAYLOAD), dest) == dest
    assert dest.stat().st_ino == other[0] and files_in(dest.parent) == ["data.bin"]  # not replaced, no .part


def test_a_cache_folder_another_user_keeps_private_is_a_cache_error(server, cache, monkeypatch):
    """umask 077: another user's folder cannot even be looked into (stat raises PermissionError)."""
    url = server.add("data.bin", PAYLOAD)
    private = cache / "theirs"
    real = Path.is_dir

    def no_look(self):
        if private in (self, *self.parents):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_dir", no_look)
    for call in (
        lambda: download(url, sha256(PAYLOAD), private / "data.bin"),
        lambda: download_first([url], sha256(PAYLOAD), private / "data.bin"),
        lambda: copy_verified(server.root / "data.bin", sha256(PAYLOAD), private / "data.bin"),
    ):
        with pytest.raises(CacheError, match=r"theirs cannot be read \(Permission denied\)"):
            call()
    monkeypatch.setenv("COURSE_DATA_DIR", str(private))
    with pytest.raises(CacheError, match="cannot be read"):
        cache_dir(writable=False)
    assert server.requests == []


def test_a_mirror_folder_file_this_user_cannot_read_is_skipped(tmp_path, monkeypatch):
    source = tmp_path / "mirror" / "data.bin"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)

    def private(path, algorithm="sha256"):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(dl, "file_checksum", private)
    with pytest.raises(OfflineError) as info:
        copy_verified(source, sha256(PAYLOAD), tmp_path / "cache" / "data.bin")
    assert info.value.reason == "the mirror folder's file cannot be read (Permission denied)"
