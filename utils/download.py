"""Downloading files with a checksum into a movable cache folder, with one clear offline signal.

Three rules, so that a learner can trust what lands on disk:

1. Every file has a published checksum, checked after each download *and* on each cache hit.
2. A download goes to a temporary `.part` file beside its destination and is moved into place only
   when its checksum is right: there is never a half-written or wrong file at the destination.
3. "The network is not there" is one exception, `OfflineError`, which loaders catch to fall back to
   something that ships offline, saying so in one line (`utils.announce.announce_fallback`).

A cache folder that cannot be used (not writable, or under a file) is `CacheError`, whose message
says how to fix it; `describe_cache()` says the same without raising, for the notebook banner.
Unpacking archives lives in `utils.archives`.

Example:
    >>> path = download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    ...                 "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
    DOWNLOAD: t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/... → ...
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import re
import secrets
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from utils.announce import say

CACHE_ENV_VAR = "COURSE_DATA_DIR"
CHUNK_SIZE = 1024 * 1024  # bytes read (and hashed) at a time
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}  # the checksum algorithms we accept
ACCEPTED_CHECKSUM_FORMS = "'sha256:<64 hex>', 'sha1:<40 hex>', 'md5:<32 hex>' or a bare 64-hex sha256"
STALE_PART_AGE_S = 600  # a .part file untouched this long belongs to a download that was killed
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
    """A downloaded file does not have the checksum it should have. The file has been deleted."""

    def __init__(self, message: str, *, path: Path, url: str, expected: str, actual: str) -> None:
        super().__init__(message)
        self.path = path
        self.url = url
        self.expected = expected
        self.actual = actual


class CacheError(OSError):
    """The cache folder cannot be used: it is not writable, is a file, or lies under a file.

    The message is one line ending with the fix. `path` is the folder, `problem` what is wrong
    with it and `fix` the sentence that says what to do.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = (
            f"Fix: set {CACHE_ENV_VAR} to a folder you can write, e.g. "
            f"os.environ[{CACHE_ENV_VAR!r}] = {_suggested_cache()!r}"
        )
        super().__init__(f"the data cache {path} {problem}. {self.fix}")


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
    if folder.exists() and not folder.is_dir():
        raise CacheError(folder, "is a file, not a folder")
    if not writable and folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise CacheError(folder, "cannot be created: part of its path is a file, not a folder") from None
    except OSError as error:
        raise CacheError(folder, f"cannot be created ({error.strerror or error})") from None
    try:
        _probe_write(folder)
    except OSError as error:
        raise CacheError(folder, f"is not writable ({error.strerror or error})") from None
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

    Accepted: `"sha256:<hex>"`, `"sha1:<hex>"`, `"md5:<hex>"`, or a bare 64-hex string (sha256).

    Example:
        >>> parse_checksum("md5:EC29112DD5AFA0611CE80D1B7F02629C")
        ('md5', 'ec29112dd5afa0611ce80d1b7f02629c')
    """
    if not isinstance(checksum, str):
        raise TypeError(
            f"checksum must be a string ({ACCEPTED_CHECKSUM_FORMS}), got {type(checksum).__name__}"
        )
    text = checksum.strip()
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
    if len(digest) != HEX_LENGTHS[algorithm] or not re.fullmatch(r"[0-9a-fA-F]+", digest):
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


def verify(path: str | os.PathLike, checksum: str) -> bool:
    """True when the file at `path` has the given checksum (any accepted form).

    Example:
        >>> verify("t10k-labels-idx1-ubyte.gz", "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
        True
    """
    algorithm, expected = parse_checksum(checksum)
    return file_checksum(path, algorithm) == f"{algorithm}:{expected}"


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


def _stream_to(response: http.client.HTTPResponse, out: BinaryIO, algorithm: str, url: str, name: str) -> str:
    """Copy the response body into the open file `out` in chunks; return the hex digest."""
    header = response.headers.get("Content-Length")
    total = int(header) if header and header.isdigit() else None
    digest, received = _new_hash(algorithm), 0
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
    return digest.hexdigest()


def _check_download_args(url: str, checksum: str, timeout: float) -> tuple[str, str]:
    """Refuse bad arguments before any request; return (algorithm, expected hex digest)."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be a string starting with http:// or https://, got {url!r}")
    algorithm, expected = parse_checksum(checksum)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return algorithm, expected


def download(url: str, checksum: str, dest: str | os.PathLike | None = None, *, timeout: float = 30) -> Path:
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

    Returns:
        The path of the verified file.

    Raises:
        OfflineError: the URL cannot be reached (no network, unknown host, timeout, ...).
        DownloadError: the server answered with an HTTP error such as 404.
        ChecksumError: the downloaded file is not the expected one (it has been deleted).
        CacheError: `dest` is not given and the cache folder cannot be used.

    Example:
        >>> download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        ...          "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/t10k-labels-idx1-ubyte.gz')
    """
    algorithm, expected = _check_download_args(url, checksum, timeout)
    dest = Path(dest) if dest is not None else cache_dir() / filename_from_url(url)
    if dest.is_dir():
        raise ValueError(
            f"dest must be a file path, but {dest} is a folder. Fix: pass dest={dest}/<file name>."
        )

    if dest.exists():
        actual = file_checksum(dest, algorithm).partition(":")[2]
        if actual == expected:
            say("CACHE", f"{dest.name} already downloaded and verified ({algorithm}) at {dest}")
            return dest
        say("CACHE", f"{dest} is corrupt ({algorithm} does not match) → downloading it again.")

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        stale = remove_stale_parts(dest)
        out, part = open_part_file(dest)
    except PermissionError as error:  # e.g. a shared cache that is only readable
        raise CacheError(dest.parent, f"is not writable ({error.strerror or error})") from None
    if stale:
        say("CACHE", f"deleted {len(stale)} unfinished download(s) of {dest.name} left by a stopped run")
    try:
        with out, _open(url, timeout) as response:
            say("DOWNLOAD", f"{dest.name} from {url} → {dest}")
            actual = _stream_to(response, out, algorithm, url, dest.name)
        if actual != expected:
            raise ChecksumError(
                f"checksum mismatch for {dest.name} downloaded from {url}:\n"
                f"  expected {algorithm}:{expected}\n"
                f"  actual   {algorithm}:{actual}\n"
                "The file was deleted. Fix: run the cell again to download it again. If this error "
                "persists, the file on the server has changed: report it, or (after checking the new "
                "file) update its checksum in datasets/registry.json.",
                path=dest,
                url=url,
                expected=f"{algorithm}:{expected}",
                actual=f"{algorithm}:{actual}",
            )
        os.replace(part, dest)  # atomic: dest is either absent, the old file, or the verified new one
    except BaseException:  # also Ctrl-C: never leave a temporary file behind
        part.unlink(missing_ok=True)
        raise
    return dest
