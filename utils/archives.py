"""Unpacking downloaded archives (.zip, .tar in any compression, single-file .gz), safely and once.

Members that would land outside the destination folder (`../x`, `/etc/x`, links pointing out)
are refused before anything is written, and a marker file records a finished extraction so that
running a notebook again does not unpack again. Downloading lives in `utils.download`.

Example:
    >>> extract(cache_dir() / "hymenoptera" / "hymenoptera_data.zip")  # doctest: +SKIP
    EXTRACT: hymenoptera_data.zip → /root/.cache/tlcv-course/hymenoptera/hymenoptera_data
    PosixPath('/root/.cache/tlcv-course/hymenoptera/hymenoptera_data/hymenoptera_data')
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from tqdm.auto import tqdm

from utils.announce import say
from utils.download import CHUNK_SIZE, open_part_file, remove_stale_parts

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")


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


def _check_inside(dest: Path, member: str, target: Path, archive: Path) -> None:
    """Refuse a member that would be written (or would point) outside `dest`."""
    if target != dest and dest not in target.parents:
        raise ValueError(
            f"refusing to extract {archive.name}: member {member!r} would be written outside {dest}. "
            "The archive is malformed or malicious; delete it and do not use it."
        )


def _check_tar_members(tar: tarfile.TarFile, dest: Path, archive: Path) -> list[tarfile.TarInfo]:
    """Every member of `tar`, after checking that none lands or points outside `dest`."""
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
    """Decompress a single-file .gz into `dest / stem` through a .part file; return `stem`."""
    if not stem:
        raise ValueError(f"cannot tell the decompressed name of {archive.name!r}")
    remove_stale_parts(dest / stem)
    out, part = open_part_file(dest / stem)
    try:
        with gzip.open(archive, "rb") as src, out:
            shutil.copyfileobj(src, out, CHUNK_SIZE)
        os.replace(part, dest / stem)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return stem


def _unzip(archive: Path, dest: Path) -> str:
    """Extract a zip into `dest` (every member checked first); return its root (see `_single_root`)."""
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        for name in names:  # check every member before writing any
            _check_inside(dest, name, (dest / name).resolve(), archive)
        for name in tqdm(names, desc=f"extract {archive.name}", unit="file"):
            zf.extract(name, dest)
    return _single_root(dest, names)


def _untar(archive: Path, dest: Path) -> str:
    """Extract a tar of any compression into `dest` (members checked first); return its root."""
    with tarfile.open(archive, "r:*") as tar:  # "r:*": any compression, or none
        members = _check_tar_members(tar, dest, archive)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python ≥ 3.10.12
        for member in tqdm(members, desc=f"extract {archive.name}", unit="file"):
            tar.extract(member, dest, **safe)
    return _single_root(dest, [m.name for m in members])


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

    say("EXTRACT", f"{archive.name} → {dest}")
    if kind == "gz":
        result = _gunzip(archive, dest, stem)
    elif kind == "zip":
        result = _unzip(archive, dest)
    else:
        result = _untar(archive, dest)
    marker.write_text(json.dumps({**stamp, "result": result}))
    return dest / result
