"""The dataset registry (`datasets/registry.json`) and `fetch`, which every loader downloads through.

Each registry entry names a file, where to download it (a primary URL, then mirrors), its
published checksum, its licence, the notebooks that use it and what they use instead offline.
`datasets/README.md` explains the fields and how to add a dataset. A loader turns `fetch`'s
`FALLBACK_ERRORS` into its `OFFLINE:` line with `fallback_reason` (`utils.data.base`).

Example:
    >>> path = fetch("mnist-test-labels")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    't10k-labels-idx1-ubyte.gz'
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path

from utils.archives import archive_kind, extract
from utils.download import (
    HEX_LENGTHS,
    CacheError,
    DownloadError,
    OfflineError,
    WrongFileError,
    cache_dir,
    download_first,
    filename_from_url,
    max_download_bytes,
    parse_checksum,
)

REGISTRY_PATH = Path(__file__).resolve().parents[2] / "datasets" / "registry.json"
# A course mirror (a teacher's machine, a shared folder): tried before each dataset's own URLs.
MIRROR_ENV_VAR = "COURSE_MIRROR"
# Another registry file in place of datasets/registry.json (a course that adds its own datasets).
REGISTRY_ENV_VAR = "COURSE_REGISTRY"
# What a learner cannot fix from a notebook, so loaders fall back instead of stopping: no network,
# HTTP errors, an unusable cache, and sources that all sent the wrong file (WrongFileError: a
# captive portal's login page, or a changed or corrupted file). The OFFLINE line names which, so
# corrupted data is never hidden: `fallback_reason` gives the reason, "checksum mismatch: ..." included.
FALLBACK_ERRORS = (OfflineError, DownloadError, WrongFileError, CacheError)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")  # e.g. "mnist-test-labels"
_NOTEBOOK_STEM = re.compile(r"\d{2}_[a-z0-9_]+")  # e.g. "19_image_generation"


@dataclass(frozen=True)
class DatasetEntry:
    """One downloadable file, as described in `datasets/registry.json`.

    Attributes:
        name: short lower-case id used in code, e.g. "mnist-test-labels".
        description: what the file holds, in a sentence.
        urls: where to download it, primary first, then mirrors (all serve the same bytes).
        checksum: the published checksum, e.g. "md5:ec29..." (see `utils.download.parse_checksum`).
        size_bytes: the file's size, for the table in datasets/README.md and for learners.
        license: the licence the data is published under, and by whom.
        notebooks: stems of the notebooks that use it, e.g. ("19_image_generation",).
        fallback: what those notebooks use instead when it cannot be downloaded.
        archive: True when the file is an archive to extract after downloading.
        checksum_source: who published the checksum (or how it was computed and pinned).

    Example:
        >>> entry("mnist-test-labels").filename
        't10k-labels-idx1-ubyte.gz'
    """

    name: str
    description: str
    urls: tuple[str, ...]
    checksum: str
    size_bytes: int
    license: str
    notebooks: tuple[str, ...]
    fallback: str
    archive: bool
    checksum_source: str

    @property
    def filename(self) -> str:
        """The file name, taken from the primary URL."""
        return filename_from_url(self.urls[0])


_FIELDS = [f.name for f in fields(DatasetEntry)]


def _entry_from_json(item: object, index: int, source: Path) -> DatasetEntry:
    """Check one registry item field by field and turn it into a DatasetEntry."""
    where = f"{source}, dataset #{index + 1}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected an object with fields {_FIELDS}, got {type(item).__name__}")
    where += f" ({item.get('name', '?')!r})"
    missing = [f for f in _FIELDS if f not in item]
    unknown = sorted(set(item) - set(_FIELDS))
    if missing or unknown:
        raise ValueError(
            f"{where}: missing field(s) {missing}, unknown field(s) {unknown}; every entry has exactly {_FIELDS}"
        )

    def need(ok: bool, field: str, expected: str) -> None:
        if not ok:
            raise ValueError(f"{where}: field {field!r} must be {expected}, got {item[field]!r}")

    for field in ("name", "description", "checksum", "license", "fallback", "checksum_source"):
        need(isinstance(item[field], str) and item[field].strip() != "", field, "a non-empty string")
    need(_NAME.fullmatch(item["name"]) is not None, "name", "lower-case letters, digits and dashes")
    urls, notebooks = item["urls"], item["notebooks"]
    need(isinstance(urls, list) and len(urls) > 0, "urls", "a non-empty list (primary first, then mirrors)")
    for url in urls:
        need(isinstance(url, str) and url.startswith(("http://", "https://")), "urls", "http(s) addresses")
    need(
        isinstance(notebooks, list) and len(notebooks) > 0, "notebooks", "a non-empty list of notebook stems"
    )
    for stem in notebooks:
        need(
            isinstance(stem, str) and _NOTEBOOK_STEM.fullmatch(stem) is not None,
            "notebooks",
            "stems like '09_transfer_learning'",
        )
    size = item["size_bytes"]
    need(
        isinstance(size, int) and not isinstance(size, bool) and size > 0, "size_bytes", "a positive integer"
    )
    need(isinstance(item["archive"], bool), "archive", "true or false")
    try:
        algorithm, digest = parse_checksum(item["checksum"])
        if len(digest) != HEX_LENGTHS[algorithm]:
            raise ValueError(
                f"a registry checksum is a whole {algorithm} digest, not a prefix: {item['checksum']!r}"
            )
        filename = filename_from_url(urls[0])
        if item["archive"]:
            archive_kind(filename)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return DatasetEntry(**{**item, "urls": tuple(urls), "notebooks": tuple(notebooks)})


def registry(path: str | Path | None = None) -> dict[str, DatasetEntry]:
    """Read and check the registry: every dataset by name, in file order.

    Args:
        path: the registry file; default `datasets/registry.json` of this repository.

    Example:
        >>> registry()["mnist-test-labels"].checksum
        'md5:ec29112dd5afa0611ce80d1b7f02629c'
    """
    if path is None:
        override = os.environ.get(REGISTRY_ENV_VAR, "").strip()
        path = Path(override).expanduser() if override else REGISTRY_PATH
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(
            f"the dataset registry {source} does not exist"
            + (f" (set by {REGISTRY_ENV_VAR})" if source != REGISTRY_PATH else "")
        )
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{source} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("datasets"), list):
        raise ValueError(f'{source}: expected an object with a "datasets" list, see datasets/README.md')
    entries: dict[str, DatasetEntry] = {}
    for index, item in enumerate(data["datasets"]):
        entry = _entry_from_json(item, index, source)
        if entry.name in entries:
            raise ValueError(f"{source}: the name {entry.name!r} is used twice; names must be unique")
        entries[entry.name] = entry
    return entries


def entry(name: str) -> DatasetEntry:
    """The registry entry called `name`; a ValueError lists the known names otherwise.

    Example:
        >>> entry("hymenoptera").checksum
        'sha1:c6ff178de032ee56fa5b35c2a6a9005c934faba0'
    """
    entries = registry()
    if name not in entries:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(entries)}")
    return entries[name]


def mirror() -> str | None:
    """The course mirror from `$COURSE_MIRROR`: a base URL (http://teacher-pc:8000) or a folder; None if unset.

    A mirror holds each file under `<name>/<file name>`, the cache's own layout, so a filled cache
    folder served with `python -m http.server` is a mirror (see `python -m utils.fetch`).

    Example:
        >>> os.environ["COURSE_MIRROR"] = "http://192.168.1.10:8000/"; mirror()  # doctest: +SKIP
        'http://192.168.1.10:8000'
    """
    value = os.environ.get(MIRROR_ENV_VAR, "").strip()
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return value.rstrip("/")
    if value.startswith("file://"):
        value = value[len("file://") :]
    return str(Path(value).expanduser().absolute())


def sources(found: DatasetEntry) -> list[str]:
    """Where `fetch` looks for a dataset, in order: the course mirror (if set), then the entry's URLs.

    Example:
        >>> os.environ["COURSE_MIRROR"] = "http://127.0.0.1:8000"; sources(entry("mnist-test-labels"))[0]
        'http://127.0.0.1:8000/mnist-test-labels/t10k-labels-idx1-ubyte.gz'
    """
    base = mirror()
    if base is None:
        return list(found.urls)
    if base.startswith(("http://", "https://")):
        return [f"{base}/{found.name}/{found.filename}", *found.urls]
    return [str(Path(base) / found.name / found.filename), *found.urls]


def fetch_file(name: str, *, timeout: float = 30) -> Path:
    """Download a registered dataset's file into the cache, verified, without extracting it.

    `cache_dir() / name / <file name>`: from the course mirror first when `$COURSE_MIRROR` is set,
    then the entry's URLs. A response larger than the registry's size by more than a margin
    (`utils.download.max_download_bytes`) is cut off as the wrong file.

    Raises:
        See `fetch`.

    Example:
        >>> fetch_file("hymenoptera")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/hymenoptera/hymenoptera_data.zip')
    """
    found = entry(name)
    dest = cache_dir(writable=False) / found.name / found.filename  # a read-only cache still serves
    return download_first(
        sources(found),
        found.checksum,
        dest,
        timeout=timeout,
        max_bytes=max_download_bytes(found.size_bytes),
        fix="check the addresses and update datasets/registry.json",
    )


def fetch(name: str, *, timeout: float = 30) -> Path:
    """Download a registered dataset into the cache (trying mirrors in turn) and extract it if needed.

    The file goes to `cache_dir() / name / <file name>`; an archive is extracted beside it. With
    `$COURSE_MIRROR` set, the mirror is tried first (see `sources`), with the same checksum. A
    source that sends another file (a captive portal's web page, a changed file, far too many
    bytes) is skipped for the next one.

    Returns:
        The verified file, or for an archive its extracted folder.

    Raises:
        ValueError: `name` is not in the registry.
        OfflineError: none of its URLs could be reached.
        WrongFileError: no source had the file and at least one sent another file; its `reason`
            says whether it was a web page (a captive portal?) or a checksum mismatch.
        DownloadError: no URL worked and at least one server answered with an HTTP error
            (`status` is the first such HTTP status).
        CacheError: the cache folder cannot be used (its message says how to fix it).
        UnsafeArchiveError: the archive would write outside its folder (nothing was written).

    Example:
        >>> fetch("mnist-test-labels")  # doctest: +SKIP
        PosixPath('/root/.cache/tlcv-course/mnist-test-labels/t10k-labels-idx1-ubyte.gz')
    """
    found = entry(name)
    path = fetch_file(name, timeout=timeout)
    return extract(path, path.parent) if found.archive else path


def fallback_reason(error: BaseException) -> str:
    """A few words for the `OFFLINE:` line: why a fetch failed in a way a learner cannot fix.

    Example:
        >>> fallback_reason(DownloadError("...", url="https://host/x.gz", status=404))
        'server answered HTTP 404'
    """
    if isinstance(error, OfflineError | WrongFileError):
        return error.reason
    if isinstance(error, DownloadError):
        return f"server answered HTTP {error.status}" if error.status else "the server answered with an error"
    if isinstance(error, CacheError):
        return f"the data cache {error.path} {error.problem}"
    raise TypeError(f"expected one of {[e.__name__ for e in FALLBACK_ERRORS]}, got {type(error).__name__}")
