"""Tests for utils.archives: unpacking .zip, .tar (any compression) and .gz files, safely and once."""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import utils.archives as arc
from utils.archives import (
    UnsafeArchiveError,
    archive_kind,
    check_members,
    expansion_limits,
    extract,
)
from utils.download import CacheError

PAYLOAD = b"the quick brown fox jumps over the lazy dog\n" * 1000


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


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
    with pytest.raises(UnsafeArchiveError, match="is a link to '../../../etc/passwd', which leads outside"):
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


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_extracted_gz_gets_normal_permissions(tmp_path):
    archive = tmp_path / "labels.bin.gz"
    archive.write_bytes(gzip.compress(PAYLOAD))
    old = os.umask(0o022)
    try:
        path = extract(archive)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


def test_extract_gz_deletes_parts_left_by_a_killed_extraction(tmp_path):
    archive = tmp_path / "labels.bin.gz"
    archive.write_bytes(gzip.compress(PAYLOAD))
    killed = tmp_path / ".labels.bin.k1ll3d00.part"
    killed.write_bytes(b"half")
    then = time.time() - 3600
    os.utime(killed, (then, then))
    extract(archive)
    assert files_in(tmp_path) == [
        ".labels.bin.gz.extracted",
        ".labels.bin.gz.lock",
        "labels.bin",
        "labels.bin.gz",
    ]


def test_extract_line_survives_an_ascii_only_console(tmp_path, monkeypatch):
    console = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", console)
    extract(make_zip(tmp_path / "data.zip", FILES))
    console.flush()
    assert f"EXTRACT: data.zip -> {(tmp_path / 'data').resolve()}" in console.buffer.getvalue().decode(
        "ascii"
    )


# --- hostile archives: refused before anything is written, on every Python (issue 17, defect 5) ---
# These tests also run under Debian 12's python3 (3.11.2, no tarfile data filter):
#   PYTHONPATH=.venv/lib/python3.11/site-packages /usr/bin/python3 -m pytest tests/test_archives.py


def member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "", data: bytes = b"") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, target, len(data)
    return info, data


def write_tar(path: Path, *members: tuple) -> Path:
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data else None)
    return path


def outside_is_untouched(tmp_path: Path) -> None:
    """Nothing was written: not outside, not even the harmless members inside."""
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "pwned").exists()
    out = tmp_path / "out"
    written = [p for p in out.rglob("*") if not p.name.endswith(".lock")] if out.exists() else []
    assert written == []


CHAINED = [  # each writes outside the folder on a Python without tarfile's data filter
    # a link to a link that points out, then a file written through the first link
    [
        member("root/ok.txt", data=b"ok"),
        member("a", tarfile.SYMTYPE, "b"),
        member("b", tarfile.SYMTYPE, ".."),
        member("a/evil.txt", data=b"pwned"),
    ],
    # links that each stay "inside" lexically, but chained climb out one level at a time
    [
        member("root/ok.txt", data=b"ok"),
        member("d1", tarfile.DIRTYPE),
        member("d1/up", tarfile.SYMTYPE, ".."),
        member("d1/up2", tarfile.SYMTYPE, "up/.."),
        member("d1/up2/evil.txt", data=b"pwned"),
    ],
    # a deep chain: x/l0 -> . , l1 -> l0/.. , then through l1
    [
        member("x/ok.txt", data=b"ok"),
        member("x/l0", tarfile.SYMTYPE, "."),
        member("x/l1", tarfile.SYMTYPE, "l0/../.."),
        member("x/l1/evil.txt", data=b"pwned"),
    ],
]


@pytest.mark.parametrize("members", CHAINED, ids=["link-to-link", "climbing-links", "deep-chain"])
def test_chained_symlinks_that_lead_out_are_refused_before_writing(tmp_path, members):
    archive = write_tar(tmp_path / "chain.tar", *members)
    with pytest.raises(UnsafeArchiveError, match="leads outside its folder|through a link"):
        extract(archive, tmp_path / "out")
    outside_is_untouched(tmp_path)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([member("root/l", tarfile.SYMTYPE, "/etc/passwd")], "is a link to '/etc/passwd'"),
        ([member("root/h", tarfile.LNKTYPE, "../evil.txt")], "is a link to '../evil.txt'"),
        ([member("root/h", tarfile.LNKTYPE, "/etc/passwd")], "is a link to '/etc/passwd'"),
        (  # a hard link to a symlink that points out
            [
                member("root/s", tarfile.SYMTYPE, "../../evil.txt"),
                member("root/h", tarfile.LNKTYPE, "root/s"),
            ],
            "is a link to '../../evil.txt'",
        ),
        ([member("root/null", tarfile.CHRTYPE)], "is a device file or a pipe"),
        ([member("root/disk", tarfile.BLKTYPE)], "is a device file or a pipe"),
        ([member("root/fifo", tarfile.FIFOTYPE)], "is a device file or a pipe"),
        ([member("/tmp/tlcv-evil.txt", data=b"x")], "would be written outside"),
        ([member("root/../../evil.txt", data=b"x")], "would be written outside"),
        ([member("root/inside/../a.txt", data=b"x")], "would be written outside"),  # any `..` is refused
        (
            [member("a", tarfile.SYMTYPE, "b"), member("b", tarfile.SYMTYPE, "a"), member("a/x", data=b"x")],
            "loop",
        ),
    ],
    ids=[
        "abs-symlink",
        "hardlink-up",
        "abs-hardlink",
        "hardlink-to-symlink-out",
        "chr",
        "blk",
        "fifo",
        "absolute",
        "dotdot",
        "dotdot-inside",
        "loop",
    ],
)
def test_unsafe_tar_members_are_refused_before_writing(tmp_path, members, message):
    archive = write_tar(tmp_path / "bad.tar", member("root/ok.txt", data=b"ok"), *members)
    with pytest.raises(UnsafeArchiveError, match=message) as info:
        extract(archive, tmp_path / "out")
    assert "do not use it" in str(info.value) and isinstance(info.value, ValueError)
    outside_is_untouched(tmp_path)


def test_links_that_stay_inside_are_extracted(tmp_path):
    archive = write_tar(
        tmp_path / "good.tar",
        member("root/a.txt", data=b"alpha"),
        member("root/sub/up", tarfile.SYMTYPE, "../a.txt"),
        member("root/same", tarfile.LNKTYPE, "root/a.txt"),
    )
    root = extract(archive, tmp_path / "out")
    assert (root / "sub" / "up").read_bytes() == b"alpha" and (root / "sub" / "up").is_symlink()
    assert (root / "same").read_bytes() == b"alpha"


def zip_with_mode(path: Path, name: str, mode: int, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("root/ok.txt", b"ok")
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("name", "mode", "data", "message"),
    [
        ("root/link", stat.S_IFLNK | 0o777, b"../../evil.txt", "is a link to '../../evil.txt'"),
        ("root/link", stat.S_IFLNK | 0o777, b"/etc/passwd", "is a link to '/etc/passwd'"),
        ("root/dev", stat.S_IFCHR | 0o666, b"", "is a device file or a pipe"),
        ("root/fifo", stat.S_IFIFO | 0o666, b"", "is a device file or a pipe"),
    ],
)
def test_unsafe_zip_members_are_refused_before_writing(tmp_path, name, mode, data, message):
    archive = zip_with_mode(tmp_path / "bad.zip", name, mode, data)
    with pytest.raises(UnsafeArchiveError, match=message):
        extract(archive, tmp_path / "out")
    outside_is_untouched(tmp_path)


def test_check_members_alone_refuses_and_accepts(tmp_path):
    archive = tmp_path / "a.tar"
    archive.write_bytes(b"x" * 1000)
    check_members(archive, [("r/a", "file", ""), ("r/l", "symlink", "a"), ("r/h", "hardlink", "r/a")], 10)
    with pytest.raises(UnsafeArchiveError, match="'b/c' would be written outside its folder, through a link"):
        check_members(archive, [("b/c", "file", ""), ("b", "symlink", "/")], 0)  # the link comes later


# --- archive bombs (minor of issue 17): refused beyond a stated multiple of the archive's size ---


def test_expansion_limits_are_a_multiple_of_the_size_plus_an_allowance():
    assert expansion_limits(1_000_000) == (100 * 1_000_000 + 64 * 2**20, 10_000 + 1_000_000 // 256)


def test_an_archive_expanding_far_beyond_its_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(arc, "EXPANSION_ALLOWANCE", 0)
    archive = make_tar(tmp_path / "bomb.tar.gz", {"root/zeros.bin": bytes(5_000_000)})  # ~5 kB gzipped
    assert archive.stat().st_size * 100 < 5_000_000
    with pytest.raises(UnsafeArchiveError, match="expands to 5,000,000 bytes, more than 100 times its size"):
        extract(archive, tmp_path / "out")
    outside_is_untouched(tmp_path)
    zipped = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("root/zeros.bin", bytes(5_000_000))
    with pytest.raises(UnsafeArchiveError, match="more than 100 times its size"):
        extract(zipped, tmp_path / "out")


def test_an_archive_with_far_too_many_members_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(arc, "MEMBERS_ALLOWANCE", 20)
    archive = make_tar(tmp_path / "many.tar.gz", {f"root/{i}.txt": b"" for i in range(200)})
    with pytest.raises(UnsafeArchiveError, match="more than .* members"):
        extract(archive, tmp_path / "out")
    outside_is_untouched(tmp_path)


def test_a_gz_expanding_far_beyond_its_size_is_stopped_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(arc, "EXPANSION_ALLOWANCE", 0)
    archive = tmp_path / "zeros.bin.gz"
    archive.write_bytes(gzip.compress(bytes(5_000_000)))
    with pytest.raises(UnsafeArchiveError, match="expands to more than"):
        extract(archive)
    assert [p for p in files_in(tmp_path) if not p.endswith(".lock")] == ["zeros.bin.gz"]


# --- atomic extraction, a lock, and a read-only cache (issue 17, defects 4 and 7) ---------------


def test_extraction_goes_through_a_temporary_folder_and_leaves_none(tmp_path, monkeypatch):
    seen = []
    real = arc._move_into_place

    def spy(staging, dest, tag):
        seen.append(sorted(p.name for p in staging.iterdir()))
        assert not (dest / "root").exists()  # nothing in place until the move
        real(staging, dest, tag)

    monkeypatch.setattr(arc, "_move_into_place", spy)
    root = extract(make_tar(tmp_path / "data.tar.gz", FILES), tmp_path / "out")
    assert seen == [["root"]] and (root / "sub" / "b.txt").read_bytes() == b"beta"
    assert sorted(files_in(tmp_path / "out")) == [".data.tar.gz.extracted", ".data.tar.gz.lock", "root"]


def test_a_replaced_archive_with_the_same_bytes_is_not_extracted_again(tmp_path, capsys):
    """Two processes downloading one file each put it in place: the second must not re-extract under the first."""
    archive = make_zip(tmp_path / "data.zip", FILES)
    root = extract(archive)
    (root / "a.txt").write_bytes(b"kept")
    copy = tmp_path / "copy.zip"
    copy.write_bytes(archive.read_bytes())
    os.utime(copy, ns=(5, 5))
    os.replace(copy, archive)  # a new file (new time), the same bytes
    capsys.readouterr()
    assert extract(archive) == root
    assert (root / "a.txt").read_bytes() == b"kept" and "EXTRACT" not in capsys.readouterr().out


def test_extract_works_where_flock_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)  # `import fcntl` raises ImportError, as on Windows
    root = extract(make_zip(tmp_path / "data.zip", FILES))
    assert (root / "a.txt").read_bytes() == b"alpha"


def test_a_read_only_file_system_is_a_cache_error(tmp_path, monkeypatch):
    import errno

    archive = make_zip(tmp_path / "data.zip", FILES)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(CacheError, match=r"is not writable \(Read-only file system\)"):
        extract(archive)


def test_an_archive_already_extracted_is_served_from_a_read_only_folder(tmp_path, monkeypatch):
    import errno

    archive = make_zip(tmp_path / "data.zip", FILES)
    root = extract(archive)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(Path, "mkdir", read_only)
    assert extract(archive) == root  # no lock, no write: the marker says it is done


def test_a_killed_extractions_temporary_folders_are_removed_by_the_next(tmp_path):
    archive = make_tar(tmp_path / "data.tar.gz", FILES)
    out = tmp_path / "out"
    for name in (".data.tar.gz.k1ll3d00.tmp", ".data.tar.gz.0ld00000.old", ".other.zip.a1b2c3d4.tmp"):
        (out / name / "root").mkdir(parents=True)
    extract(archive, out)
    assert sorted(files_in(out)) == [
        ".data.tar.gz.extracted",
        ".data.tar.gz.lock",
        ".other.zip.a1b2c3d4.tmp",
        "root",
    ]


def test_an_extraction_another_user_keeps_private_is_a_cache_error(tmp_path, monkeypatch):
    """A shared cache extracted under umask 077: its marker and lock cannot be opened by the others."""
    import errno

    archive = make_zip(tmp_path / "data.zip", FILES)
    extract(archive)
    marker = tmp_path / "data" / ".data.zip.extracted"
    real_read, real_open = Path.read_text, os.open

    def private_read(self, *args, **kwargs):
        if self == marker:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_read(self, *args, **kwargs)

    def private_open(path, *args, **kwargs):
        if Path(path).parent == marker.parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", private_read)
    monkeypatch.setattr(os, "open", private_open)
    with pytest.raises(CacheError, match=r"is not writable \(Permission denied\)"):
        extract(archive)
