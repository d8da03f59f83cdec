"""Downloading files with a checksum into a movable cache folder, with one clear offline signal.

Four rules, so that a learner can trust what lands on disk:

1. Every file has a published checksum, checked after each download *and* on each cache hit.
2. A download goes to a temporary `.part` file beside its destination and is moved into place only
   when its checksum is right: there is never a half-written or wrong file at the destination.
3. "The network is not there" is one exception, `OfflineError`, which loaders catch to fall back to
   something that ships offline, saying so in one line (`utils.announce.announce_fallback`).
4. A source that sends the wrong bytes (a captive portal's login page, a changed or corrupted file,
   a response far larger than the file) is `ChecksumError`, whose `reason` says which it was;
   `download_first` then tries the next source, and if none sends the right file raises
   `WrongFileError`, which loaders treat like being offline (with that reason in the line).

A cache folder that cannot be used (not writable, read-only file system, full disk, under a file)
is `CacheError`, whose message says how to fix it; `describe_cache()` says the same without
raising, for the notebook banner. Unpacking archives lives in `utils.archives`.

Example:
    >>> path = download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    ...                 "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
    DOWNLOAD: t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/... → ...
"""

from __future__ import annotations

import errno
import glob
import hashlib
import http.client
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from utils.announce import say

CACHE_ENV_VAR = "COURSE_DATA_DIR"
CHUNK_SIZE = 1024 * 1024  # bytes read (and hashed) at a time
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}  # the checksum algorithms we accept
ACCEPTED_CHECKSUM_FORMS = (
    "'sha256:<64 hex>', 'sha1:<40 hex>', 'md5:<32 hex>', a bare 64-hex sha256, "
    "or 'sha256:<8 or more hex>...' (a prefix, as in torchvision's weights file names)"
)
MIN_PREFIX = 8  # hex characters of a checksum prefix (torchvision's file names carry 8 or more)
STALE_PART_AGE_S = 600  # a .part file untouched this long belongs to a download that was killed
# A response may exceed a file's expected size by this much before it is cut off as the wrong file
# (registry sizes of some datasets are estimates): 100 % of the size (twice the size in all), plus 1 MiB.
SIZE_MARGIN = 1.0
SIZE_SLACK = 1024 * 1024
_SNIFF_BYTES = 512  # the first bytes of a response, kept to tell a web page from the expected file
_USER_AGENT = "tlcv-course (Python urllib)"


class OfflineError(ConnectionError):
    """A URL could not be reached: no network, unknown host, refused or dropped connection, timeout.

    The one signal loaders catch to fall back to offline data. `reason` is a short phrase for the
    `OFFLINE: ...` line, `url` the address that failed.
    """

    def __init__(self, message: str, *, url: str = "", reason: str = "no network") -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason


class DownloadError(RuntimeError):
    """The server answered, but with an HTTP error (404, 403, 500, ...): this is not being offline."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class ChecksumError(ValueError):
    """A source sent a file other than the expected one (checksum, or far too large). It has been deleted.

    `reason` is a few words for an `OFFLINE:` line: a web page (a captive portal?) or a checksum
    mismatch (a changed or corrupted file); `web_page` is True for the first.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path,
        url: str,
        expected: str,
        actual: str,
        reason: str = "checksum mismatch",
        web_page: bool = False,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.url = url
        self.expected = expected
        self.actual = actual
        self.reason = reason
        self.web_page = web_page


class WrongFileError(ChecksumError):
    """No source sent the expected file, and at least one sent another file (`download_first`).

    Loaders fall back on it like on being offline; `reason` (printed in the `OFFLINE:` line) says
    whether a web page came instead of the file or a real checksum mismatch, so that corrupted data
    is never hidden. `failures` holds each source's error.
    """

    def __init__(self, message: str, *, failures: list[tuple[str, Exception]], **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.failures = failures


class CacheError(OSError):
    """The cache folder cannot be used: not writable, read-only, full, a file, or under a file.

    The message is one line ending with the fix. `path` is the folder, `problem` what is wrong
    with it and `fix` the sentence that says what to do (by default: move the cache).
    """

    def __init__(self, path: Path, problem: str, fix: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix or (
            f"Fix: set {CACHE_ENV_VAR} to a folder you can write, e.g. "
            f"os.environ[{CACHE_ENV_VAR!r}] = {_suggested_cache()!r}"
        )
        super().__init__(f"the data cache {path} {problem}. {self.fix}")


def cache_error(folder: Path, error: OSError, doing: str = "is not writable") -> CacheError:
    """The CacheError for an OSError met while writing into `folder`, with the fix that matches it.

    A full disk (ENOSPC, EDQUOT) asks for room; anything else (read-only file system, permission
    denied, ...) asks for another folder.

    Example:
        >>> cache_error(Path("/data"), OSError(errno.EROFS, "Read-only file system")).problem
        'is not writable (Read-only file system)'
    """
    why = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return CacheError(
            folder,
            f"is full ({why})",
            f"Fix: free some disk space, or set {CACHE_ENV_VAR} to a folder on a disk with room, "
            f"e.g. os.environ[{CACHE_ENV_VAR!r}] = {_suggested_cache()!r}",
        )
    return CacheError(folder, f"{doing} ({why})")


# ---------------------------------------------------------------------------------------------
# Cache folder
# ---------------------------------------------------------------------------------------------


def _suggested_cache() -> str:
    """A folder every user can create: <temp dir>/tlcv-data (e.g. /tmp/tlcv-data)."""
    return str(Path(tempfile.gettempdir()) / "tlcv-data")


def _cache_path() -> Path:
    """The configured cache folder, not checked."""
    value = os.environ.get(CACHE_ENV_VAR, "").strip()
    return Path(value).expanduser().absolute() if value else Path.home() / ".cache" / "tlcv-course"


def _probe_write(folder: Path) -> None:
    """Create and delete an empty file in `folder`: the only sure test that it is writable."""
    probe = folder / f".write-test-{secrets.token_hex(4)}"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    probe.unlink()


def _kind(path: Path, cache: Path) -> str:
    """ "folder", "file" or "none"; a path this user may not even look at is a CacheError of `cache`."""
    try:
        return "folder" if path.is_dir() else "file" if path.exists() else "none"
    except PermissionError as error:  # e.g. inside another user's folder made with umask 077
        raise cache_error(cache, error, "cannot be read") from None


def cache_dir(writable: bool = True) -> Path:
    """The folder where downloads are kept, created on demand and checked to be writable.

    It is `$COURSE_DATA_DIR` when that environment variable is set, else `~/.cache/tlcv-course`.
    To move the cache (e.g. to Google Drive on Colab), set the variable before downloading.

    Args:
        writable: check that files can be written there. With False, an existing folder that is
            only readable is fine: a shared cache that a teacher filled serves its verified files.

    Raises:
        CacheError: the folder is a file, lies under a file, or cannot be written (the message
            says how to fix it).

    Example:
        >>> os.environ["COURSE_DATA_DIR"] = "/tmp/course-data"; cache_dir()
        PosixPath('/tmp/course-data')
    """
    folder = _cache_path()
    kind = _kind(folder, folder)
    if kind == "file":
        raise CacheError(folder, "is a file, not a folder")
    if not writable and kind == "folder":
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise CacheError(folder, "cannot be created: part of its path is a file, not a folder") from None
    except OSError as error:  # read-only file system, permission denied, disk full, ...
        raise cache_error(folder, error, "cannot be created") from None
    try:
        _probe_write(folder)
    except OSError as error:
        raise cache_error(folder, error, "is not writable") from None
    return folder


def describe_cache() -> str:
    """The cache folder for a banner: its path, or its path and why it cannot be used. Never raises.

    Example:
        >>> describe_cache()  # doctest: +SKIP
        '/root/.cache/tlcv-course'
        >>> os.environ["COURSE_DATA_DIR"] = "/proc/x"; describe_cache()  # doctest: +SKIP
        "/proc/x (NOT USABLE: it cannot be created (No such file or directory). Fix: set COURSE_DATA_DIR ...)"
    """
    try:
        return str(cache_dir())
    except CacheError as error:
        return f"{error.path} (NOT USABLE: it {error.problem}. {error.fix})"
    except Exception as error:  # e.g. no home folder: a banner must still print
        return f"unknown (NOT USABLE: {error}. Fix: set {CACHE_ENV_VAR} to a folder you can write)"


# ---------------------------------------------------------------------------------------------
# Checksums
# ---------------------------------------------------------------------------------------------


def parse_checksum(checksum: str) -> tuple[str, str]:
    """Split a checksum string into (algorithm, lower-case hex digest), checking its form.

    Accepted: `"sha256:<hex>"`, `"sha1:<hex>"`, `"md5:<hex>"`, a bare 64-hex string (sha256), or
    a prefix of at least 8 hex characters followed by "..." (`"sha256:f37072fd..."`, what
    torchvision's weights file names carry): its digest is shorter than the algorithm's, and a
    file matches when its digest starts with it (see `checksum_matches`).

    Example:
        >>> parse_checksum("md5:EC29112DD5AFA0611CE80D1B7F02629C")
        ('md5', 'ec29112dd5afa0611ce80d1b7f02629c')
        >>> parse_checksum("sha256:f37072fd...")
        ('sha256', 'f37072fd')
    """
    if not isinstance(checksum, str):
        raise TypeError(
            f"checksum must be a string ({ACCEPTED_CHECKSUM_FORMS}), got {type(checksum).__name__}"
        )
    text = checksum.strip()
    prefix = text.endswith("...")
    text = text.removesuffix("...")
    algorithm, sep, digest = text.partition(":")
    if not sep:  # no prefix: only a sha256 may be written bare
        algorithm, digest = "sha256", text
        if len(digest) != 64:
            raise ValueError(
                f"checksum {checksum!r} has no algorithm prefix and is not a 64-hex sha256. "
                f"Accepted forms: {ACCEPTED_CHECKSUM_FORMS}."
            )
    algorithm = algorithm.lower()
    if algorithm not in HEX_LENGTHS:
        raise ValueError(
            f"checksum {checksum!r} uses an unknown algorithm {algorithm!r}. Accepted forms: {ACCEPTED_CHECKSUM_FORMS}."
        )
    is_hex = re.fullmatch(r"[0-9a-fA-F]+", digest) is not None
    if prefix and sep and is_hex and MIN_PREFIX <= len(digest) < HEX_LENGTHS[algorithm]:
        return algorithm, digest.lower()
    if prefix or len(digest) != HEX_LENGTHS[algorithm] or not is_hex:
        raise ValueError(
            f"checksum {checksum!r}: a {algorithm} digest is {HEX_LENGTHS[algorithm]} hex characters, "
            f"got {len(digest)} characters {digest!r}. Accepted forms: {ACCEPTED_CHECKSUM_FORMS}."
        )
    return algorithm, digest.lower()


def _new_hash(algorithm: str) -> hashlib._Hash:
    # usedforsecurity=False: md5/sha1 here check integrity, not secrets (and still work on FIPS systems)
    return hashlib.new(algorithm, usedforsecurity=False)


def file_checksum(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The checksum of a file, as a string ready to paste into `datasets/registry.json`.

    Args:
        path: the file to hash (read in chunks, so any size works).
        algorithm: "sha256" (the default, use it for new entries), "sha1" or "md5".

    Example:
        >>> file_checksum("t10k-labels-idx1-ubyte.gz", "md5")  # doctest: +SKIP
        'md5:ec29112dd5afa0611ce80d1b7f02629c'
    """
    if algorithm not in HEX_LENGTHS:
        raise ValueError(f"algorithm must be one of {sorted(HEX_LENGTHS)}, got {algorithm!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cannot compute a checksum: {path} is not a file")
    digest = _new_hash(algorithm)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
    return f"{algorithm}:{digest.hexdigest()}"


def checksum_matches(digest: str, expected: str) -> bool:
    """True when a hex `digest` is the `expected` one (from `parse_checksum`), or starts with a prefix.

    Example:
        >>> checksum_matches("f37072fd" + "0" * 56, "f37072fd"), checksum_matches("ab" * 32, "ab" * 31 + "cd")
        (True, False)
    """
    return digest == expected or (len(expected) < len(digest) and digest.startswith(expected))


def verify(path: str | os.PathLike, checksum: str) -> bool:
    """True when the file at `path` has the given checksum (any accepted form, prefixes too).

    Example:
        >>> verify("t10k-labels-idx1-ubyte.gz", "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
        True
    """
    algorithm, expected = parse_checksum(checksum)
    return checksum_matches(file_checksum(path, algorithm).partition(":")[2], expected)


# ---------------------------------------------------------------------------------------------
# Temporary .part files
# ---------------------------------------------------------------------------------------------


def open_part_file(dest: str | os.PathLike) -> tuple[BinaryIO, Path]:
    """Open a new hidden temporary file `.NAME.<random>.part` beside `dest`, for writing.

    Like `tempfile.mkstemp`, but the file gets the permissions of any new file (0o666 minus the
    umask, e.g. 0o644), not mkstemp's private 0o600: once moved into place with `os.replace`, a
    file in a shared cache (lab machine, JupyterHub) is readable by the other users.

    Returns:
        The open binary file and its path; the caller closes it and renames or deletes it.

    Example:
        >>> out, part = open_part_file("/tmp/data/labels.gz")  # doctest: +SKIP
        >>> part.name
        '.labels.gz.3f9a0c1e.part'
    """
    dest = Path(dest)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):  # a clash of 32 random bits is rare; 100 in a row means something else is wrong
        part = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(part, flags, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        return os.fdopen(fd, "wb"), part
    raise FileExistsError(f"could not create a temporary file beside {dest}: every name tried exists")


def remove_stale_parts(dest: str | os.PathLike, older_than_s: float = STALE_PART_AGE_S) -> list[Path]:
    """Delete the `.NAME.*.part` files of `dest` left by a killed download or extraction.

    A live download writes to its .part file all the time, so a file not modified for
    `older_than_s` seconds (default 10 minutes) belongs to a process that is gone.

    Returns:
        The files deleted (usually none).

    Example:
        >>> remove_stale_parts(cache_dir() / "mnist-test-images" / "t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        []
    """
    if isinstance(older_than_s, bool) or not isinstance(older_than_s, int | float) or older_than_s < 0:
        raise ValueError(f"older_than_s must be a number of seconds >= 0, got {older_than_s!r}")
    dest = Path(dest)
    if not dest.parent.is_dir():
        return []
    cutoff = time.time() - older_than_s
    removed = []
    for part in dest.parent.glob(f".{glob.escape(dest.name)}.*.part"):
        try:
            if part.is_file() and part.stat().st_mtime < cutoff:
                part.unlink()
                removed.append(part)
        except FileNotFoundError:  # another process removed it first
            continue
    return removed


# ---------------------------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------------------------


def filename_from_url(url: str) -> str:
    """The file name at the end of a URL, e.g. "t10k-labels-idx1-ubyte.gz".

    Example:
        >>> filename_from_url("https://host/a/my%20file.tar.gz?x=1")
        'my file.tar.gz'
    """
    name = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    if not name:
        raise ValueError(
            f"cannot tell a file name from the URL {url!r}. Fix: pass dest=<folder>/<file name>."
        )
    return name


def network_reason(error: BaseException, url: str, timeout: float = 30) -> str:
    """A few words for an OFFLINE or WEIGHTS line: why could `url` not be reached?

    Example:
        >>> network_reason(urllib.error.URLError(socket.gaierror(-2, "x")), "https://example.org/a")
        'no network: cannot resolve example.org'
    """
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    host = urllib.parse.urlsplit(url).hostname or url
    if isinstance(cause, socket.gaierror):
        return f"no network: cannot resolve {host}"
    if isinstance(cause, ConnectionRefusedError):
        return f"connection refused by {host}"
    if isinstance(cause, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return f"no answer from {host} within {timeout:g} s"
    return f"no network: {cause}"


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    """Open `url` for reading, turning every failure into OfflineError or DownloadError."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:  # the server answered: not offline
        raise DownloadError(
            f"{url} answered HTTP {error.code} ({error.reason}). The address may have moved: "
            "check it in a browser, and update datasets/registry.json if it has.",
            url=url,
            status=error.code,
        ) from error
    except (OSError, http.client.HTTPException) as error:  # URLError, refused, reset, timeout, ...
        reason = network_reason(error, url, timeout)
        raise OfflineError(f"cannot reach {url} ({reason})", url=url, reason=reason) from error


def max_download_bytes(size_bytes: int) -> int:
    """How many bytes a response for a file of `size_bytes` may have before it is cut off as the wrong file.

    Twice the expected size plus 1 MiB (`SIZE_MARGIN`, `SIZE_SLACK`): room for a registry size
    that is an estimate, none for a server that streams 300 MB where 4.5 kB were expected.

    Example:
        >>> max_download_bytes(4542)
        1057660
    """
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or size_bytes <= 0:
        raise ValueError(f"size_bytes must be a positive integer, got {size_bytes!r}")
    return size_bytes + int(size_bytes * SIZE_MARGIN) + SIZE_SLACK


def looks_like_web_page(first_bytes: bytes, content_type: str = "") -> bool:
    """True when a response is an HTML page: a `text/html` type, or bytes that start like HTML.

    A captive portal (hotel, airport, campus Wi-Fi) answers every address with HTTP 200 and its
    login page; this is how a download tells that page from the file it asked for.

    Example:
        >>> looks_like_web_page(b"\n<!DOCTYPE html><html><title>Log in</title>")
        True
    """
    if content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    head = first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")) and (
        b"<html" in head or b"<!doctype html" in head
    )


def _wrong_file(
    dest: Path, url: str, algorithm: str, expected: str, actual: str, web_page: bool, too_big: int | None
) -> ChecksumError:
    """The ChecksumError for a source that sent something else than `dest`'s file."""
    if web_page:
        reason = f"the server sent a web page (a captive portal or login page?) instead of {dest.name}"
        advice = "Fix: open any web page in a browser and log in to the network, then run the cell again."
    elif too_big is not None:
        reason = f"the server sent more than {too_big:,} bytes for {dest.name}, far more than expected"
        advice = "The download was stopped. Fix: check the address in a browser, or report it."
    else:
        reason = (
            f"checksum mismatch: the file from {urllib.parse.urlsplit(url).hostname or url} is not the "
            f"published {dest.name} (changed or corrupted; report it if this persists)"
        )
        advice = (
            "Fix: run the cell again to download it again. If this error persists, the file on the "
            "server has changed: report it, or (after checking the new file) update its checksum in "
            "datasets/registry.json."
        )
    return ChecksumError(
        f"{reason}. Downloaded from {url}:\n"
        f"  expected {algorithm}:{expected}\n"
        f"  actual   {algorithm}:{actual}\n"
        f"The file was deleted. {advice}",
        path=dest,
        url=url,
        expected=f"{algorithm}:{expected}",
        actual=f"{algorithm}:{actual}",
        reason=reason,
        web_page=web_page,
    )


def _stream_to(
    response: http.client.HTTPResponse,
    out: BinaryIO,
    algorithm: str,
    url: str,
    name: str,
    max_bytes: int | None,
) -> tuple[str, bytes, int | None]:
    """Copy the response body into the open file `out` in chunks.

    Returns:
        The hex digest, the first bytes (to tell a web page), and `max_bytes` when the response was
        cut off for exceeding it (else None). Errors while writing `out` are raised as OSError.
    """
    header = response.headers.get("Content-Length")
    total = int(header) if header and header.isdigit() else None
    if max_bytes is not None and total is not None and total > max_bytes:
        return "", response.read(_SNIFF_BYTES), max_bytes  # refused before writing anything
    digest, received, first = _new_hash(algorithm), 0, b""
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name) as bar:
        while True:
            try:
                chunk = response.read(CHUNK_SIZE)
            except (OSError, http.client.HTTPException) as error:
                raise OfflineError(
                    f"the connection to {url} broke after {received:,} bytes ({error})",
                    url=url,
                    reason="connection lost during the download",
                ) from error
            if not chunk:
                break
            if len(first) < _SNIFF_BYTES:
                first += chunk[: _SNIFF_BYTES - len(first)]
            if max_bytes is not None and received + len(chunk) > max_bytes:
                return "", first, max_bytes
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            bar.update(len(chunk))
    if total is not None and received != total:
        raise OfflineError(
            f"the connection to {url} closed after {received:,} of {total:,} bytes",
            url=url,
            reason="connection lost during the download",
        )
    return digest.hexdigest(), first, None


def _check_download_args(url: str, checksum: str, timeout: float, max_bytes: int | None) -> tuple[str, str]:
    """Refuse bad arguments before any request; return (algorithm, expected hex digest)."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be a string starting with http:// or https://, got {url!r}")
    algorithm, expected = parse_checksum(checksum)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0
    ):
        raise ValueError(f"max_bytes must be None or a positive number of bytes, got {max_bytes!r}")
    return algorithm, expected


def _cached_digest(dest: Path, algorithm: str) -> str:
    """The digest of a file already in the cache; a file this user may not read is a CacheError."""
    try:
        return file_checksum(dest, algorithm).partition(":")[2]
    except PermissionError as error:  # e.g. written by another user whose umask is 077
        raise CacheError(
            dest.parent,
            f"holds {dest.name}, which this user cannot read ({error.strerror or error}; another user "
            "wrote it with a private umask?)",
            f"Fix: ask the owner to run `chmod -R a+rX {dest.parent}`, or set {CACHE_ENV_VAR} to a "
            f"folder of your own, e.g. os.environ[{CACHE_ENV_VAR!r}] = {_suggested_cache()!r}",
        ) from None


def download(
    url: str,
    checksum: str,
    dest: str | os.PathLike | None = None,
    *,
    timeout: float = 30,
    max_bytes: int | None = None,
) -> Path:
    """Download `url` to `dest` (default: the cache folder), verified against `checksum`.

    A file already at `dest` is verified every time: if it is intact nothing is downloaded, if it
    is corrupt that is announced and it is downloaded again. A download streams to a temporary
    `.part` file in the same folder, shows a progress bar, and is moved into place only once its
    checksum matches; on a mismatch or any error the temporary file is deleted. `.part` files of
    the same destination left by a killed download (untouched for 10 minutes) are deleted first.
    The file gets the permissions of any new file (0o666 minus the umask, e.g. 0o644).

    Args:
        url: an http:// or https:// address.
        checksum: the file's published checksum, e.g. "md5:ec29..." (see `parse_checksum`).
        dest: where the file goes; default `cache_dir() / <file name from the URL>`.
        timeout: seconds to wait for the server before giving up (raises OfflineError).
        max_bytes: stop reading (ChecksumError) once a response is larger than this, e.g.
            `max_download_bytes(size)`: a server that sends far more than the file is wrong.

    Returns:
        The path of the verified file.

    Raises:
        OfflineError: the URL cannot be reached (no network, unknown host, timeout, ...).
        DownloadError: the server answered with an HTTP error such as 404.
        ChecksumError: the server sent another file: a web page (a captive portal?), a changed
            or corrupted file, or more than `max_bytes` (`reason` says which; it was deleted).
        CacheError: the cache folder cannot be used: not writable, read-only, full, or it holds
            a file this user cannot read.

    Example:
        >>> download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        ...          "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/t10k-labels-idx1-ubyte.gz')
    """
    algorithm, expected = _check_download_args(url, checksum, timeout, max_bytes)
    dest = Path(dest) if dest is not None else cache_dir() / filename_from_url(url)
    kind = _kind(dest, dest.parent)
    if kind == "folder":
        raise ValueError(
            f"dest must be a file path, but {dest} is a folder. Fix: pass dest={dest}/<file name>."
        )

    if kind == "file":
        if checksum_matches(_cached_digest(dest, algorithm), expected):
            say("CACHE", f"{dest.name} already downloaded and verified ({algorithm}) at {dest}")
            return dest
        say("CACHE", f"{dest} is corrupt ({algorithm} does not match) → downloading it again.")

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        stale = remove_stale_parts(dest)
        out, part = open_part_file(dest)
    except OSError as error:  # a read-only cache or file system, a full disk, ...
        raise cache_error(dest.parent, error) from None
    if stale:
        say("CACHE", f"deleted {len(stale)} unfinished download(s) of {dest.name} left by a stopped run")
    try:
        with _open(url, timeout) as response:
            say("DOWNLOAD", f"{dest.name} from {url} → {dest}")
            try:
                with out:
                    actual, first, too_big = _stream_to(response, out, algorithm, url, dest.name, max_bytes)
            except (OfflineError, DownloadError):
                raise
            except OSError as error:  # writing failed: disk full, file system gone read-only, ...
                raise cache_error(dest.parent, error) from None
            content_type = response.headers.get("Content-Type", "")
        if too_big is not None or not checksum_matches(actual, expected):
            web_page = not dest.name.lower().endswith((".html", ".htm")) and looks_like_web_page(
                first, content_type
            )
            raise _wrong_file(dest, url, algorithm, expected, actual or "(not computed)", web_page, too_big)
        if dest.is_file() and checksum_matches(_cached_digest(dest, algorithm), expected):
            part.unlink()  # another process put the same verified file there meanwhile: keep it
        else:
            os.replace(part, dest)  # atomic: dest is either absent, the old file, or the verified new one
    except BaseException:  # also Ctrl-C: never leave a temporary file behind
        out.close()
        part.unlink(missing_ok=True)
        raise
    return dest


def copy_verified(source: str | os.PathLike, checksum: str, dest: str | os.PathLike) -> Path:
    """Copy a file from a folder (a course mirror on a shared drive) to `dest`, verified like a download.

    Args:
        source: the file to copy.
        checksum: its published checksum (see `parse_checksum`).
        dest: where it goes; an intact file already there is kept and nothing is copied.

    Raises:
        OfflineError: `source` does not exist (reason "not in the mirror folder") or cannot be read.
        ChecksumError: `source` is another file (nothing was copied).
        CacheError: `dest`'s folder cannot be written.

    Example:
        >>> copy_verified("/mnt/course/mnist-test-labels/t10k-labels-idx1-ubyte.gz",
        ...               "md5:ec29112dd5afa0611ce80d1b7f02629c", cache_dir() / "labels.gz")  # doctest: +SKIP
        DOWNLOAD: labels.gz copied from /mnt/course/mnist-test-labels/t10k-labels-idx1-ubyte.gz → ...
    """
    source, dest = Path(source), Path(dest)
    algorithm, expected = parse_checksum(checksum)
    if _kind(dest, dest.parent) == "file" and checksum_matches(_cached_digest(dest, algorithm), expected):
        say("CACHE", f"{dest.name} already downloaded and verified ({algorithm}) at {dest}")
        return dest
    try:
        if not source.is_file():
            raise OfflineError(
                f"{source} is not in the mirror folder", url=str(source), reason="not in the mirror folder"
            )
        actual = file_checksum(source, algorithm).partition(":")[2]
        with source.open("rb") as f:
            first = f.read(_SNIFF_BYTES)
    except PermissionError as error:  # a shared drive whose file this user may not read: next source
        reason = f"the mirror folder's file cannot be read ({error.strerror or error})"
        raise OfflineError(f"{source}: {reason}", url=str(source), reason=reason) from None
    if not checksum_matches(actual, expected):
        raise _wrong_file(dest, str(source), algorithm, expected, actual, looks_like_web_page(first), None)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        out, part = open_part_file(dest)
    except OSError as error:
        raise cache_error(dest.parent, error) from None
    try:
        with out, source.open("rb") as inp:
            shutil.copyfileobj(inp, out, CHUNK_SIZE)
        os.replace(part, dest)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise cache_error(dest.parent, error) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    say("DOWNLOAD", f"{dest.name} copied from {source} → {dest}")
    return dest


def _summary_reason(failures: list[tuple[str, Exception]], what: str) -> str:
    """The few words for the OFFLINE line when every source failed and one sent the wrong file."""
    wrong = [error for _, error in failures if isinstance(error, ChecksumError)]
    real = [error for error in wrong if not error.web_page]
    reason = (real or wrong)[0].reason
    if real and len(real) < len(wrong):
        reason += "; another source sent a web page (a captive portal?)"
    elif len(wrong) > 1 and not real:
        reason = f"every server sent a web page (a captive portal or login page?) instead of {what}"
    return reason


def download_first(
    sources: Sequence[str],
    checksum: str,
    dest: str | os.PathLike,
    *,
    timeout: float = 30,
    max_bytes: int | None = None,
    fix: str = "check the addresses in a browser",
) -> Path:
    """Get `dest` from the first of `sources` (URLs or files in a mirror folder) that has the right file.

    A source that cannot be reached, answers with an HTTP error, or sends another file (a captive
    portal's web page, a changed or corrupted file, far too many bytes) is skipped for the next one.
    A source that sent another file says so in one `DOWNLOAD:` line, with what was wrong.

    Args:
        sources: http(s) URLs or paths of files, tried in order.
        checksum: the file's published checksum (see `parse_checksum`).
        dest: where the file goes (its folder is created).
        timeout: seconds to wait for each server.
        max_bytes: cut a response off beyond this size (see `download`).
        fix: what to advise when servers answered with HTTP errors.

    Raises:
        OfflineError: no source could be reached (`reason` names the first, and how many others).
        WrongFileError: no source had the file and at least one sent another file (`reason`).
        DownloadError: otherwise: a server answered with an HTTP error (`status`: the first).
        CacheError: `dest`'s folder cannot be used, or a folder stands where the file should be.

    Example:
        >>> download_first(["http://teacher:8000/x/file.gz", "https://host/file.gz"], "md5:...",
        ...                cache_dir() / "x" / "file.gz")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/x/file.gz')
    """
    dest = Path(dest)
    if not sources:
        raise ValueError("sources must hold at least one URL or file")
    if _kind(dest, dest.parent) == "folder":
        raise CacheError(
            dest.parent,
            f"holds a folder {dest.name}/ where the downloaded file {dest.name} should be",
            f"Fix: delete the folder {dest} (it is not the download) and run the cell again",
        )
    failures: list[tuple[str, Exception]] = []
    for index, source in enumerate(sources):
        try:
            if source.startswith(("http://", "https://")):
                return download(source, checksum, dest, timeout=timeout, max_bytes=max_bytes)
            return copy_verified(source, checksum, dest)
        except (OfflineError, DownloadError, ChecksumError) as error:
            failures.append((source, error))
            if isinstance(error, ChecksumError):
                then = "trying the next source" if index + 1 < len(sources) else "no other source"
                say(
                    "DOWNLOAD",
                    f"{dest.name} from {source} is not the expected file ({error.reason}) → {then}",
                )
    tried = "\n".join(f"  {source}: {error}" for source, error in failures)
    if any(isinstance(error, ChecksumError) for _, error in failures):
        first = next(error for _, error in failures if isinstance(error, ChecksumError))
        raise WrongFileError(
            f"{dest.name}: no source sent the expected file:\n{tried}",
            failures=failures,
            path=dest,
            url=first.url,
            expected=first.expected,
            actual=first.actual,
            reason=_summary_reason(failures, dest.name),
            web_page=all(e.web_page for _, e in failures if isinstance(e, ChecksumError)),
        )
    if all(isinstance(error, OfflineError) for _, error in failures):
        others = len(failures) - 1
        reason = failures[0][1].reason + (
            f"; {others} mirror{'s' if others > 1 else ''} also unreachable" if others else ""
        )
        raise OfflineError(f"{dest.name}: no URL could be reached:\n{tried}", url=sources[0], reason=reason)
    http_error = next(error for _, error in failures if isinstance(error, DownloadError))
    raise DownloadError(
        f"{dest.name}: no URL worked:\n{tried}\nFix: {fix}.", url=http_error.url, status=http_error.status
    )
