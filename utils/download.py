"""Downloading files with a checksum, a movable cache folder, and one clear offline signal.

Three rules, so that a learner can trust what lands on disk:

1. Every file has a published checksum, checked after each download *and* on each cache hit.
2. A download goes to a temporary file beside its destination and is moved into place only when
   its checksum is right: there is never a half-written or wrong file at the destination.
3. "The network is not there" is one exception, `OfflineError`, which loaders catch to fall back to
   something that ships offline, saying so in one line (`announce_fallback`).

Example:
    >>> path = download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    ...                 "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
    DOWNLOAD: t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/... → ...
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

CACHE_ENV_VAR = "COURSE_DATA_DIR"
CHUNK_SIZE = 1024 * 1024  # bytes read (and hashed) at a time
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}  # the checksum algorithms we accept
ACCEPTED_CHECKSUM_FORMS = "'sha256:<64 hex>', 'sha1:<40 hex>', 'md5:<32 hex>' or a bare 64-hex sha256"
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
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


# ---------------------------------------------------------------------------------------------
# Cache folder
# ---------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The folder where downloads are kept, created on demand.

    It is `$COURSE_DATA_DIR` when that environment variable is set, else `~/.cache/tlcv-course`.
    To move the cache (e.g. to Google Drive on Colab), set the variable before downloading.

    Example:
        >>> os.environ["COURSE_DATA_DIR"] = "/tmp/course-data"; cache_dir()
        PosixPath('/tmp/course-data')
    """
    value = os.environ.get(CACHE_ENV_VAR, "").strip()
    folder = Path(value).expanduser().absolute() if value else Path.home() / ".cache" / "tlcv-course"
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"the data cache must be a folder, but {folder} is a file. "
            f"Fix: point {CACHE_ENV_VAR} at a folder (or unset it to use ~/.cache/tlcv-course)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
# Downloading
# ---------------------------------------------------------------------------------------------


def filename_from_url(url: str) -> str:
    """The file name at the end of a URL, e.g. "t10k-labels-idx1-ubyte.gz"."""
    name = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    if not name:
        raise ValueError(
            f"cannot tell a file name from the URL {url!r}. Fix: pass dest=<folder>/<file name>."
        )
    return name


def _short_reason(error: BaseException, url: str, timeout: float) -> str:
    """A few words for the OFFLINE line: why could `url` not be reached?"""
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
        reason = _short_reason(error, url, timeout)
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


def download(url: str, checksum: str, dest: str | os.PathLike | None = None, *, timeout: float = 30) -> Path:
    """Download `url` to `dest` (default: the cache folder), verified against `checksum`.

    A file already at `dest` is verified every time: if it is intact nothing is downloaded, if it
    is corrupt that is announced and it is downloaded again. A download streams to a temporary
    file in the same folder, shows a progress bar, and is moved into place only once its checksum
    matches; on a mismatch or any error the temporary file is deleted.

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

    Example:
        >>> download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        ...          "md5:ec29112dd5afa0611ce80d1b7f02629c")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/t10k-labels-idx1-ubyte.gz')
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be a string starting with http:// or https://, got {url!r}")
    algorithm, expected = parse_checksum(checksum)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    dest = Path(dest) if dest is not None else cache_dir() / filename_from_url(url)
    if dest.is_dir():
        raise ValueError(
            f"dest must be a file path, but {dest} is a folder. Fix: pass dest={dest}/<file name>."
        )

    if dest.exists():
        actual = file_checksum(dest, algorithm).partition(":")[2]
        if actual == expected:
            print(f"CACHE: {dest.name} already downloaded and verified ({algorithm}) at {dest}", flush=True)
            return dest
        print(f"CACHE: {dest} is corrupt ({algorithm} does not match) → downloading it again.", flush=True)

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, _open(url, timeout) as response:
            print(f"DOWNLOAD: {dest.name} from {url} → {dest}", flush=True)
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
        os.replace(tmp, dest)  # atomic: dest is either absent, the old file, or the verified new one
    except BaseException:  # also Ctrl-C: never leave a temporary file behind
        tmp.unlink(missing_ok=True)
        raise
    return dest


# ---------------------------------------------------------------------------------------------
# Extracting
# ---------------------------------------------------------------------------------------------


def archive_kind(name: str) -> tuple[str, str]:
    """The archive format read from a file name, and the name without its suffix.

    Example:
        >>> archive_kind("imagenette2-160.tgz")
        ('tar', 'imagenette2-160')
    """
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip", name[: -len(".zip")]
    for suffix in TAR_SUFFIXES:
        if lower.endswith(suffix):
            return "tar", name[: -len(suffix)]
    if lower.endswith(".gz"):
        return "gz", name[: -len(".gz")]
    raise ValueError(
        f"cannot extract {name!r}: supported archives are .zip, {', '.join(TAR_SUFFIXES)} and .gz"
    )


def _check_inside(dest: Path, member: str, target: Path, archive: Path) -> None:
    """Refuse a member that would be written (or would point) outside `dest`."""
    if target != dest and dest not in target.parents:
        raise ValueError(
            f"refusing to extract {archive.name}: member {member!r} would be written outside {dest}. "
            "The archive is malformed or malicious; delete it and do not use it."
        )


def _check_tar_members(tar: tarfile.TarFile, dest: Path, archive: Path) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for m in members:
        _check_inside(dest, m.name, (dest / m.name).resolve(), archive)
        if m.issym():
            _check_inside(dest, m.name, (dest / m.name).parent.joinpath(m.linkname).resolve(), archive)
        elif m.islnk():
            _check_inside(dest, m.name, (dest / m.linkname).resolve(), archive)
        elif not (m.isfile() or m.isdir()):
            raise ValueError(f"refusing to extract {archive.name}: member {m.name!r} is a device or pipe")
    return members


def extract(archive: str | os.PathLike, dest_dir: str | os.PathLike | None = None) -> Path:
    """Unpack a .zip, .tar(.gz/.bz2/.xz), .tgz or single-file .gz archive, safely and only once.

    Members that would land outside `dest_dir` (`../x`, `/etc/x`, links pointing out) are refused
    before anything is written. A marker file in `dest_dir` records a finished extraction, so a
    second call returns at once; a changed archive (new size or time) is extracted again.

    Args:
        archive: the archive file. The format is read from its name; a tar is opened whatever
            its compression (some ".tar.gz" files are plain tars).
        dest_dir: where to unpack; default: beside the archive, in a folder named after it
            (`hymenoptera_data.zip` → `hymenoptera_data/`), or beside it for a .gz file.

    Returns:
        For .zip/.tar: the archive's single top-level folder when it has exactly one (as most
        dataset archives do), else `dest_dir`. For .gz: the decompressed file.

    Example:
        >>> extract(cache_dir() / "hymenoptera/hymenoptera_data.zip")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/hymenoptera/hymenoptera_data/hymenoptera_data')
    """
    archive = Path(archive)
    if not archive.is_file():
        raise FileNotFoundError(f"cannot extract {archive}: no such file")
    kind, stem = archive_kind(archive.name)
    if dest_dir is None:
        dest_dir = archive.parent if kind == "gz" else archive.parent / stem
    dest = Path(dest_dir).resolve()
    dest.mkdir(parents=True, exist_ok=True)

    marker = dest / f".{archive.name}.extracted"
    stat = archive.stat()
    stamp = {"archive": archive.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    try:
        done = json.loads(marker.read_text())
        if {k: done.get(k) for k in stamp} == stamp and (dest / done["result"]).exists():
            return dest / done["result"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no marker (or an unreadable one): extract

    print(f"EXTRACT: {archive.name} → {dest}", flush=True)
    if kind == "gz":
        if not stem:
            raise ValueError(f"cannot tell the decompressed name of {archive.name!r}")
        result = stem
        fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=dest)
        try:
            with gzip.open(archive, "rb") as src, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK_SIZE)
            os.replace(tmp_name, dest / stem)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    elif kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            for name in names:  # check every member before writing any
                _check_inside(dest, name, (dest / name).resolve(), archive)
            for name in tqdm(names, desc=f"extract {archive.name}", unit="file"):
                zf.extract(name, dest)
        result = _single_root(dest, names)
    else:
        with tarfile.open(archive, "r:*") as tar:  # "r:*": any compression, or none
            members = _check_tar_members(tar, dest, archive)
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python ≥ 3.10.12
            for member in tqdm(members, desc=f"extract {archive.name}", unit="file"):
                tar.extract(member, dest, **safe)
        result = _single_root(dest, [m.name for m in members])

    marker.write_text(json.dumps({**stamp, "result": result}))
    return dest / result


def _single_root(dest: Path, names: list[str]) -> str:
    """The one top-level folder of an archive, relative to `dest`, or "." when there are several.

    A `__MACOSX/` folder (resource forks added by macOS zip) does not count.
    """
    top = {parts[0] for name in names if (parts := [p for p in name.split("/") if p not in ("", ".")])}
    top.discard("__MACOSX")
    if len(top) == 1 and (dest / next(iter(top))).is_dir():
        return next(iter(top))
    return "."


# ---------------------------------------------------------------------------------------------
# Saying what happened
# ---------------------------------------------------------------------------------------------


def announce_fallback(wanted: str, reason: str, instead: str) -> None:
    """Print the one line every loader prints when it falls back to offline data.

    Example:
        >>> announce_fallback("PennFudanPed", "no network", "200 generated shape scenes")
        OFFLINE: PennFudanPed could not be downloaded (no network) → using 200 generated shape scenes instead.
    """
    for label, value in (("wanted", wanted), ("reason", reason), ("instead", instead)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"announce_fallback: {label} must be a non-empty string, got {value!r}")
    print(f"OFFLINE: {wanted} could not be downloaded ({reason}) → using {instead} instead.", flush=True)
