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

from utils.archives import archive_kind, extract

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
    assert files_in(tmp_path) == [".labels.bin.gz.extracted", "labels.bin", "labels.bin.gz"]


def test_extract_line_survives_an_ascii_only_console(tmp_path, monkeypatch):
    console = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", console)
    extract(make_zip(tmp_path / "data.zip", FILES))
    console.flush()
    assert f"EXTRACT: data.zip -> {(tmp_path / 'data').resolve()}" in console.buffer.getvalue().decode(
        "ascii"
    )
