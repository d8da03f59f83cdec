"""Unpacking downloaded archives (.zip, .tar in any compression, single-file .gz), safely and once.

Every member is checked before anything is written, on every Python the course supports (our own
checks, not only `tarfile`'s data filter, which Python 3.11.2 lacks): refused are absolute paths,
`..` components, symbolic or hard links whose target leaves the folder (chains of links are
followed), members written through such a link, device files and pipes, and archives that expand
to more than `MAX_EXPANSION` × their size (plus `EXPANSION_ALLOWANCE`) or hold more than
`MEMBERS_ALLOWANCE` + one member per `BYTES_PER_MEMBER` bytes of archive.

An archive is unpacked into a temporary folder beside its destination and moved into place with
`os.replace`/`os.rename`, under a lock (`fcntl.flock` where the system has it), and a marker file
then records the finished extraction: a process that asks while another is extracting waits and
gets the complete result, and running a notebook again does not unpack again. Downloading lives
in `utils.download`.

Example:
    >>> extract(cache_dir() / "hymenoptera" / "hymenoptera_data.zip")  # doctest: +SKIP
    EXTRACT: hymenoptera_data.zip → /root/.cache/tlcv-course/hymenoptera/hymenoptera_data
    PosixPath('/root/.cache/tlcv-course/hymenoptera/hymenoptera_data/hymenoptera_data')
"""

from __future__ import annotations

import contextlib
import errno
import glob
import gzip
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from tqdm.auto import tqdm

from utils.announce import say
from utils.download import CHUNK_SIZE, CacheError, cache_error, open_part_file, remove_stale_parts

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
# Limits against archive bombs (an archive is checksum-gated, so only a tampered registry gets
# here): the unpacked bytes may be at most MAX_EXPANSION times the archive's size plus
# EXPANSION_ALLOWANCE, and the members at most MEMBERS_ALLOWANCE plus one per BYTES_PER_MEMBER bytes.
MAX_EXPANSION = 100
EXPANSION_ALLOWANCE = 64 * 1024 * 1024
MEMBERS_ALLOWANCE = 10_000
BYTES_PER_MEMBER = 256
MAX_LINK_HOPS = 40  # links followed while resolving one path (as the Linux kernel does)
_DRIVE = re.compile(r"^[A-Za-z]:")
# Errors writing into the cache that mean "this folder cannot be used" (not "this archive is bad").
_CACHE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class UnsafeArchiveError(ValueError):
    """An archive that would write outside its folder, holds devices, or expands far beyond its size.

    Raised before anything is written. `member` names the member that was refused (if one was).
    """

    def __init__(self, archive: Path, member: str, problem: str) -> None:
        self.archive = archive
        self.member = member
        super().__init__(
            f"refusing to extract {archive.name}: {problem}. "
            "The archive is malformed or malicious; delete it and do not use it."
        )


def archive_kind(name: str) -> tuple[str, str]:
    """The archive format read from a file name ("zip", "tar" or "gz"), and the name without its suffix.

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


def expansion_limits(archive_size: int) -> tuple[int, int]:
    """(most bytes, most members) an archive of `archive_size` bytes may unpack to.

    Example:
        >>> expansion_limits(5_000_000)
        (567108864, 29531)
    """
    return (
        MAX_EXPANSION * archive_size + EXPANSION_ALLOWANCE,
        MEMBERS_ALLOWANCE + archive_size // BYTES_PER_MEMBER,
    )


# ---------------------------------------------------------------------------------------------
# Checking members before anything is written
# ---------------------------------------------------------------------------------------------


def _is_absolute(name: str) -> bool:
    return name.startswith(("/", "\\")) or _DRIVE.match(name) is not None


def _resolve(parts: list[str], links: dict[str, str], follow_last: bool) -> list[str] | None:
    """Where a path inside the archive leads once the archive's own symlinks are followed.

    Args:
        parts: the path's components, relative to the archive's folder.
        links: every symlink member of the archive: its normalised path → its target.
        follow_last: also follow the last component when it is a link (for link targets).

    Returns:
        The components of the place it leads to, or None when it leaves the folder.

    Raises:
        ValueError: more than MAX_LINK_HOPS links on the way (a loop).
    """
    done: list[str] = []
    todo = list(parts)
    hops = 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        done.append(part)
        target = links.get("/".join(done))
        if target is not None and (todo or follow_last):
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise ValueError("links form a loop")
            if _is_absolute(target):
                return None
            done.pop()  # the link is replaced by what it points to, relative to its folder
            todo = target.split("/") + todo
    return done


def check_members(archive: Path, entries: list[tuple[str, str, str]], total_bytes: int) -> None:
    """Refuse an archive whose members are unsafe, before anything is written.

    Args:
        archive: the archive (for messages and its size).
        entries: each member as (name, kind, link target), where kind is "file", "dir",
            "symlink", "hardlink" (target relative to the archive's root) or "special" (device,
            pipe, socket), and the target is "" for the others.
        total_bytes: the members' unpacked size in total.

    Raises:
        UnsafeArchiveError: an absolute path, a `..` component, a link (or a chain of links)
            that leads out of the folder, a member written through such a link, a device or pipe,
            a link loop, or more bytes or members than `expansion_limits` allows.

    Example:
        >>> check_members(Path("evil.tar"), [("a", "symlink", "../../etc")], 0)
        Traceback (most recent call last):
        ...
        utils.archives.UnsafeArchiveError: refusing to extract evil.tar: member 'a' is a link to '../../etc', ...
    """
    max_bytes, max_members = expansion_limits(archive.stat().st_size)
    if len(entries) > max_members:
        raise UnsafeArchiveError(
            archive, "", f"it holds more than {max_members:,} members, far more than its size explains"
        )
    if total_bytes > max_bytes:
        raise UnsafeArchiveError(
            archive,
            "",
            f"it expands to {total_bytes:,} bytes, more than {MAX_EXPANSION} times its size "
            f"plus {EXPANSION_ALLOWANCE // 2**20} MiB ({max_bytes:,} bytes)",
        )
    links = {
        "/".join(p for p in name.split("/") if p not in ("", ".")): target
        for name, kind, target in entries
        if kind == "symlink"
    }
    for name, kind, target in entries:
        parts = name.split("/")
        try:
            if _is_absolute(name) or ".." in parts:
                raise UnsafeArchiveError(
                    archive, name, f"member {name!r} would be written outside its folder"
                )
            if kind == "special":
                raise UnsafeArchiveError(archive, name, f"member {name!r} is a device file or a pipe")
            if _resolve(parts, links, follow_last=False) is None:
                raise UnsafeArchiveError(
                    archive, name, f"member {name!r} would be written outside its folder, through a link"
                )
            if kind == "symlink":
                leads = _is_absolute(target) or _resolve(parts[:-1] + target.split("/"), links, True) is None
            elif kind == "hardlink":
                leads = _is_absolute(target) or _resolve(target.split("/"), links, True) is None
            else:
                continue
        except ValueError as error:
            if isinstance(error, UnsafeArchiveError):
                raise
            raise UnsafeArchiveError(archive, name, f"member {name!r}: its {error}") from None
        if leads:
            raise UnsafeArchiveError(
                archive, name, f"member {name!r} is a link to {target!r}, which leads outside its folder"
            )


def _tar_entries(
    tar: tarfile.TarFile, archive: Path
) -> tuple[list[tarfile.TarInfo], list[tuple[str, str, str]], int]:
    """Read a tar's members (stopping early beyond the member limit) and describe each for `check_members`."""
    max_members = expansion_limits(archive.stat().st_size)[1]
    members: list[tarfile.TarInfo] = []
    for member in tar:
        members.append(member)
        if len(members) > max_members:
            break  # check_members refuses it; do not read 200,000 headers into memory
    entries = []
    for m in members:
        if m.issym():
            entries.append((m.name, "symlink", m.linkname))
        elif m.islnk():
            entries.append((m.name, "hardlink", m.linkname))
        elif m.isdir():
            entries.append((m.name, "dir", ""))
        elif m.isfile():
            entries.append((m.name, "file", ""))
        else:  # character or block device, FIFO, ...
            entries.append((m.name, "special", ""))
    return members, entries, sum(m.size for m in members if m.isfile())


def _zip_entries(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], int]:
    """Describe a zip's members for `check_members` (Unix mode bits in `external_attr` mark links and devices)."""
    entries = []
    for info in zf.infolist():
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            entries.append((info.filename, "symlink", zf.read(info).decode("utf-8", "replace")))
        elif mode and (
            stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
        ):
            entries.append((info.filename, "special", ""))
        else:
            entries.append((info.filename, "dir" if info.is_dir() else "file", ""))
    return entries, sum(info.file_size for info in zf.infolist())


# ---------------------------------------------------------------------------------------------
# Unpacking into a folder (a fresh temporary one)
# ---------------------------------------------------------------------------------------------


def _single_root(dest: Path, names: list[str]) -> str:
    """The one top-level folder of an archive, relative to `dest`, or "." when there are several.

    A `__MACOSX/` folder (resource forks added by macOS zip) does not count.
    """
    top = {parts[0] for name in names if (parts := [p for p in name.split("/") if p not in ("", ".")])}
    top.discard("__MACOSX")
    if len(top) == 1 and (dest / next(iter(top))).is_dir():
        return next(iter(top))
    return "."


def _gunzip(archive: Path, dest: Path, stem: str) -> str:
    """Decompress a single-file .gz into `dest / stem` through a .part file; return `stem`.

    Stops (UnsafeArchiveError) once the output exceeds `expansion_limits` of the archive's size.
    """
    if not stem:
        raise ValueError(f"cannot tell the decompressed name of {archive.name!r}")
    limit = expansion_limits(archive.stat().st_size)[0]
    remove_stale_parts(dest / stem)
    out, part = open_part_file(dest / stem)
    try:
        written = 0
        with gzip.open(archive, "rb") as src, out:
            while chunk := src.read(CHUNK_SIZE):
                written += len(chunk)
                if written > limit:
                    raise UnsafeArchiveError(
                        archive,
                        stem,
                        f"it expands to more than {limit:,} bytes, far more than its size explains",
                    )
                out.write(chunk)
        os.replace(part, dest / stem)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return stem


def _unzip(archive: Path, dest: Path) -> list[str]:
    """Extract a zip into `dest` after checking every member; return the member names."""
    with zipfile.ZipFile(archive) as zf:
        entries, total = _zip_entries(zf)
        check_members(archive, entries, total)
        for name in tqdm(zf.namelist(), desc=f"extract {archive.name}", unit="file"):
            zf.extract(name, dest)
        return zf.namelist()


def _untar(archive: Path, dest: Path) -> list[str]:
    """Extract a tar of any compression into `dest` after checking every member; return the names."""
    with tarfile.open(archive, "r:*") as tar:  # "r:*": any compression, or none
        members, entries, total = _tar_entries(tar, archive)
        check_members(archive, entries, total)
        # Our checks above hold on every Python; where tarfile has its data filter (3.10.12+,
        # 3.11.4+) it checks again, and elsewhere no owner or permission bits are applied.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {"set_attrs": False}
        for member in tqdm(members, desc=f"extract {archive.name}", unit="file"):
            tar.extract(member, dest, **safe)
    return [m.name for m in members]


def _move_into_place(staging: Path, dest: Path, tag: str) -> None:
    """Move each top-level entry of `staging` into `dest`, each with one rename.

    An entry already there (an older extraction) is first renamed aside (`.<tag>.<random>.old`),
    then deleted, so that a reader sees the old complete folder or the new one, never a mix.
    """
    for entry in sorted(staging.iterdir()):
        target = dest / entry.name
        old = None
        if target.is_dir() and not target.is_symlink():
            old = dest / f".{tag}.{secrets.token_hex(4)}.old"
            os.rename(target, old)
        os.replace(entry, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Once, and one process at a time
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(lock: Path, what: str) -> Iterator[bool]:
    """Hold an exclusive lock on the file `lock` (created if needed) while the block runs.

    Uses `fcntl.flock` where the system has it (Linux, macOS); where it has not (Windows) or the
    file system refuses locks (some network drives), the block runs unlocked: the temporary
    folder and the atomic moves still keep every file whole. Yields True when the lock is held.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        yield False
        return
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file in a shared cache: a read-only handle can lock too
        try:
            fd = os.open(lock, os.O_RDONLY)
        except OSError as error:
            raise cache_error(lock.parent, error) from None
    except OSError as error:
        raise cache_error(lock.parent, error) from None
    try:
        held = True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("EXTRACT", f"waiting for another process that is extracting {what}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # e.g. ENOLCK on a network file system: go on without the lock
            held = False
        yield held
    finally:
        os.close(fd)  # releases the lock


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _finished(marker: Path, stamp: dict, dest: Path, archive: Path, *, hash_if_changed: bool) -> Path | None:
    """The result of an earlier extraction of this archive, or None if there is none (or it is stale).

    The marker records the archive's size, time and sha256. A replaced archive with the same
    bytes (another process downloaded it too) is not extracted again when `hash_if_changed`.
    """
    try:
        done = json.loads(marker.read_text())
        result = dest / done["result"]
        if not result.exists():
            return None
        if {k: done.get(k) for k in stamp} == stamp:
            return result
        if hash_if_changed and done.get("size") == stamp["size"] and done.get("sha256") == _sha256(archive):
            _write_marker(marker, {**done, **stamp})
            return result
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no marker (or an unreadable one): extract
    return None


def _write_marker(marker: Path, record: dict) -> None:
    out, part = open_part_file(marker)
    try:
        with out:
            out.write(json.dumps(record).encode())
        os.replace(part, marker)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def extract(archive: str | os.PathLike, dest_dir: str | os.PathLike | None = None) -> Path:
    """Unpack a .zip, .tar(.gz/.bz2/.xz), .tgz or single-file .gz archive, safely and only once.

    Every member is checked before anything is written (see the module docstring: paths or links
    leaving the folder, devices and pipes, archive bombs). A zip or tar is unpacked into a
    temporary folder beside `dest_dir` and moved into place; a lock file makes a second process
    wait for the first, and a marker file in `dest_dir` records the finished extraction, so a
    second call returns at once with complete files. A changed archive (new size, time and bytes)
    is extracted again.

    Args:
        archive: the archive file. The format is read from its name; a tar is opened whatever
            its compression (some ".tar.gz" files are plain tars).
        dest_dir: where to unpack; default: beside the archive, in a folder named after it
            (`hymenoptera_data.zip` → `hymenoptera_data/`), or beside it for a .gz file.

    Returns:
        For .zip/.tar: the archive's single top-level folder when it has exactly one (as most
        dataset archives do), else `dest_dir`. For .gz: the decompressed file.

    Raises:
        UnsafeArchiveError: a member was refused (nothing was written).
        CacheError: `dest_dir` cannot be written (read-only, full, ...).

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

    marker = dest / f".{archive.name}.extracted"
    stat_ = archive.stat()
    stamp = {"archive": archive.name, "size": stat_.st_size, "mtime_ns": stat_.st_mtime_ns}
    result = _finished(marker, stamp, dest, archive, hash_if_changed=False)
    if result is not None:
        return result  # done before: no lock needed (a read-only shared cache serves it too)

    try:
        dest.mkdir(parents=True, exist_ok=True)
        with _locked(dest / f".{archive.name}.lock", archive.name) as exclusive:
            result = _finished(marker, stamp, dest, archive, hash_if_changed=True)
            if result is not None:
                return result  # another process finished it while this one waited
            if exclusive:  # no other process is extracting it: leftovers are a killed run's
                for leftover in dest.glob(f".{glob.escape(archive.name)}.*.*"):
                    if leftover.suffix in (".tmp", ".old") and leftover.is_dir():
                        shutil.rmtree(leftover, ignore_errors=True)
            say("EXTRACT", f"{archive.name} → {dest}")
            marker.unlink(missing_ok=True)  # from here on, an older extraction is not trusted
            if kind == "gz":
                name = _gunzip(archive, dest, stem)
            else:
                staging = dest / f".{archive.name}.{secrets.token_hex(4)}.tmp"
                staging.mkdir()
                try:
                    names = _unzip(archive, staging) if kind == "zip" else _untar(archive, staging)
                    name = _single_root(staging, names)
                    _move_into_place(staging, dest, archive.name)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
            _write_marker(marker, {**stamp, "sha256": _sha256(archive), "result": name})
    except CacheError:
        raise
    except OSError as error:  # a read-only file system, a folder of another user, a full disk
        if error.errno not in _CACHE_ERRNOS:
            raise
        raise cache_error(dest, error) from None
    return dest / name
