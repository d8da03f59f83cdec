"""`python -m utils.fetch`: everything the course downloads, fetched once, and a mirror for a classroom.

Downloads every dataset in the registry and every torchvision weights file the notebooks use
(`utils.models.pretrained.COURSE_WEIGHTS`) into the caches the notebooks read (`COURSE_DATA_DIR`,
`TORCH_HOME`), verified, each with a progress bar. A file already there and verified is skipped,
so running it again resumes where it stopped. It ends with a table: each file, its size, and
whether it was already cached, downloaded, or failed (and why).

With `--mirror DIR` it also writes a course mirror: `DIR/<dataset>/<file>` (the cache's layout)
and `DIR/weights/<torchvision file name>`, hard links where possible, else copies. Serve it with
`python -m http.server 8000 -d DIR` and let learners set `COURSE_MIRROR=http://<this machine>:8000`
(or `COURSE_MIRROR=DIR` on a shared drive).

Example:
    $ python -m utils.fetch --only mnist-test-labels resnet18 --mirror /srv/course-mirror
    $ python -m http.server 8000 -d /srv/course-mirror
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchvision.models import get_model_weights

from utils.data.registry import FALLBACK_ERRORS, entry, fallback_reason, fetch_file, registry
from utils.download import ChecksumError, cache_dir, cache_error, open_part_file, verify
from utils.models.pretrained import COURSE_WEIGHTS, download_weights, verify_torchvision_hash, weights_file


@dataclass
class Row:
    """One line of the summary table.

    Attributes:
        kind: "data" or "weights".
        name: the registry name, or the torchvision model and weights ("resnet18 IMAGENET1K_V1").
        path: where the verified file is (or would be).
        status: "cached", "downloaded" or "failed: <reason>".
        size: the file's size in bytes (the expected one when it is missing), or None if unknown.
        mirrored: "" or where the mirror holds it.
    """

    kind: str
    name: str
    path: Path
    status: str
    size: int | None
    mirrored: str = ""

    @property
    def failed(self) -> bool:
        """True when the file is not in the cache."""
        return self.status.startswith("failed")


def course_weights() -> dict[str, Any]:
    """The torchvision weights of `COURSE_WEIGHTS` by the name `--only` accepts: the model's name.

    Example:
        >>> course_weights()["resnet18"].url
        'https://download.pytorch.org/models/resnet18-f37072fd.pth'
    """
    return {model: get_model_weights(model)[member] for model, member in COURSE_WEIGHTS}


def select(only: list[str] | None) -> tuple[list[str], list[str]]:
    """(dataset names, weights names) to fetch: all of them, or those named in `only`.

    Raises:
        ValueError: a name is neither a dataset in the registry nor a model of `COURSE_WEIGHTS`
            (the message lists both).

    Example:
        >>> select(["mnist-test-labels", "resnet18"])
        (['mnist-test-labels'], ['resnet18'])
    """
    datasets, weights = list(registry()), list(course_weights())
    if not only:
        return datasets, weights
    unknown = [name for name in only if name not in datasets and name not in weights]
    if unknown:
        raise ValueError(
            f"unknown name(s) {unknown}. Datasets: {', '.join(datasets)}. Weights: {', '.join(weights)}."
        )
    return [n for n in datasets if n in only], [n for n in weights if n in only]


def fetch_dataset(name: str, *, timeout: float = 30) -> Row:
    """Download one registry dataset's file into the cache (not extracted); a verified file is skipped.

    Example:
        >>> fetch_dataset("mnist-test-labels").status  # doctest: +SKIP
        'downloaded'
    """
    found = entry(name)
    path = Path(name) / found.filename
    try:
        path = cache_dir() / name / found.filename
        if path.is_file() and verify(path, found.checksum):
            return Row("data", name, path, "cached", path.stat().st_size)
        path = fetch_file(name, timeout=timeout)
    except (*FALLBACK_ERRORS, ChecksumError) as error:
        reason = fallback_reason(error) if isinstance(error, FALLBACK_ERRORS) else error.reason
        return Row("data", name, path, f"failed: {reason}", found.size_bytes)
    return Row("data", name, path, "downloaded", path.stat().st_size)


def fetch_weights_file(model: str, *, timeout: float = 30) -> Row:
    """Download one `COURSE_WEIGHTS` file into torch's cache; a file whose hash matches its name is skipped.

    Example:
        >>> fetch_weights_file("resnet18").path.name  # doctest: +SKIP
        'resnet18-f37072fd.pth'
    """
    weights = course_weights()[model]
    label = f"{model} {weights.name}"
    path = weights_file(weights)
    if path.is_file():
        if verify_torchvision_hash(path):
            return Row("weights", label, path, "cached", path.stat().st_size)
        return Row(
            "weights",
            label,
            path,
            f"failed: {path} does not match the hash in its name; delete it and run again",
            path.stat().st_size,
        )
    try:
        path = download_weights(weights, timeout=timeout)
    except (*FALLBACK_ERRORS, ChecksumError) as error:
        reason = fallback_reason(error) if isinstance(error, FALLBACK_ERRORS) else error.reason
        size = weights.meta.get("_file_size")
        return Row("weights", label, path, f"failed: {reason}", int(size * 2**20) if size else None)
    return Row("weights", label, path, "downloaded", path.stat().st_size)


def add_to_mirror(source: Path, target: Path) -> str:
    """Put a verified file into a mirror folder: a hard link where possible, else a copy.

    A target that already is the same file, or has the same size and bytes, is left alone. The
    link or copy is made under a temporary name and renamed into place, so a learner reading
    the mirror meanwhile never gets half a file.

    Returns:
        "linked", "copied" or "already there".

    Raises:
        CacheError: the mirror folder cannot be written.

    Example:
        >>> add_to_mirror(Path("~/.cache/tlcv-course/x/a.gz"), Path("/srv/mirror/x/a.gz"))  # doctest: +SKIP
        'linked'
    """
    try:
        if target.exists() and (
            os.path.samefile(source, target)
            or (target.stat().st_size == source.stat().st_size and _same_bytes(source, target))
        ):
            return "already there"
        target.parent.mkdir(parents=True, exist_ok=True)
        out, part = open_part_file(target)
        out.close()
        try:
            part.unlink()
            try:
                os.link(source, part)
                how = "linked"
            except OSError:  # another file system, or links not allowed: copy
                shutil.copyfile(source, part)
                how = "copied"
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise cache_error(target.parent, error) from None
    return how


def _same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


def format_table(rows: list[Row]) -> str:
    """The summary table: kind, name, size (MB), status, and the mirror column when there is one.

    Example:
        >>> print(format_table([Row("data", "mnist-test-labels", Path("x"), "cached", 4542)]))  # doctest: +NORMALIZE_WHITESPACE
        kind  name               size      status
        data  mnist-test-labels  0.0 MB    cached
    """
    mirror = any(row.mirrored for row in rows)
    lines = [("kind", "name", "size", "status", "mirror" if mirror else "")]
    for row in rows:
        size = f"{row.size / 1e6:,.1f} MB" if row.size is not None else "?"
        lines.append((row.kind, row.name, size, row.status, row.mirrored))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line[:4], widths, strict=True)).rstrip()
        + (f"  {line[4]}" if mirror and line[4] else "")
        for line in lines
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command (see the module docstring); return the exit status.

    0 unless `--strict` is given and a file failed (then 1); 2 for an unknown name.

    Example:
        >>> main(["--only", "mnist-test-labels"])  # doctest: +SKIP
        0
    """
    parser = argparse.ArgumentParser(
        prog="python -m utils.fetch",
        description="Download every dataset and pretrained weights file the course uses into the "
        "caches, verified, and optionally write a course mirror folder for a classroom.",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these datasets or models")
    parser.add_argument("--mirror", metavar="DIR", type=Path, help="also write a course mirror folder here")
    parser.add_argument("--no-weights", action="store_true", help="skip the pretrained weights")
    parser.add_argument("--no-data", action="store_true", help="skip the datasets")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a file failed")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for a server")
    args = parser.parse_args(argv)
    try:
        datasets, models = select(args.only)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows = [] if args.no_data else [fetch_dataset(name, timeout=args.timeout) for name in datasets]
    rows += [] if args.no_weights else [fetch_weights_file(name, timeout=args.timeout) for name in models]
    if args.mirror is not None:
        folder = args.mirror.expanduser().absolute()
        for row in rows:
            if row.failed:
                continue
            inside = Path(row.name) if row.kind == "data" else Path("weights")
            try:
                how = add_to_mirror(row.path, folder / inside / row.path.name)
                row.mirrored = f"{how}: {inside / row.path.name}"
            except OSError as error:
                row.mirrored = f"not mirrored: {error}"
    print()
    print(format_table(rows))
    failed = sum(row.failed for row in rows)
    print(f"\n{len(rows) - failed} of {len(rows)} files ready; {failed} failed.")
    if args.mirror is not None:
        print(
            f"Mirror: {folder}. Serve it with `python -m http.server 8000 -d {folder}`; learners set "
            "COURSE_MIRROR=http://<this machine>:8000 (or the folder's path on a shared drive)."
        )
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
