"""Reads a folder laid out the way instaloader downloads profiles, without any request.

    <dir>/<username>/<YYYY-MM-DD_HH-MM-SS>_UTC[_n].json[.xz]   posts
    <dir>/<username>/<username>_<userid>.json[.xz]              profiles

Every file is parsed through ``instaloader.load_structure`` with an :class:`OfflineContext`.
A corrupt, truncated or foreign file becomes a :class:`ParsedFile` with an error; the rest load.
"""

from __future__ import annotations

import json
import lzma
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import instaloader

from extract.offline import OfflineContext, RequestRefusedError
from medsos_audit.compact import reduce_slots
from transform.normalise import PostRow, ProfileRow, post_row, profile_row

FileKind = Literal["post", "profile", "unknown"]

POST_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_UTC(?:_\d+)?\.json(?:\.xz)?$")
PROFILE_FILE = re.compile(
    r"^(?P<username>[A-Za-z0-9._]{1,30})_(?P<userid>\d{1,20})\.json(?:\.xz)?$"
)
# What instaloader writes beside the JSON (pictures, videos, caption text, comments) and the
# evidence manifest a collect run writes after loading: not read.
MEDIA_FILE = re.compile(
    r"\.(jpe?g|png|webp|heic|mp4|txt)$|_comments\.json$|^id$|^latest-stamps|^MANIFEST\.json$",
    re.IGNORECASE,
)
MAX_FILE_BYTES = 64 * 1024 * 1024  # a saved post is a few kB; anything this big is not one
MAX_JSON_BYTES = 16 * 1024 * 1024  # limit after decompression (guards against an xz bomb)
MAX_CAPTION_CHARS = 20_000  # Instagram allows 2,200; a longer caption is not Instagram's
PARALLEL_FROM = 2_000  # below this many files one process is faster than starting workers
CHUNK = 256
IN_FLIGHT = 40  # chunks per worker ahead of the consumer: busy through a batch load, bounded


class SnapshotError(ValueError):
    """The snapshot folder itself cannot be read."""


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """A file found in the snapshot, with what its name says it is."""

    path: str
    folder: str
    kind: FileKind
    size: int
    mtime_ns: int

    __reduce__ = reduce_slots


@dataclass(slots=True)
class ParsedFile:
    """The outcome of reading one snapshot file: a row, or the reason it was skipped."""

    file: SnapshotFile
    post: PostRow | None = None
    profile: ProfileRow | None = None
    error: str | None = None
    # the post's flags and masked (caption, accessibility caption), when a worker already
    # checked and masked it (transform.prechecked): stored with the load
    flags: list[Any] | None = None
    masked: tuple[str | None, str | None] | None = None

    __reduce__ = reduce_slots


@dataclass
class Scan:
    """The files of a snapshot folder: what to read, and what was set aside unread."""

    files: list[SnapshotFile]
    set_aside: list[tuple[SnapshotFile, str]]
    media_files: int


def _kind(name: str) -> FileKind | None:
    if POST_FILE.match(name):
        return "post"
    if PROFILE_FILE.match(name):
        return "profile"
    if MEDIA_FILE.search(name):
        return None
    return "unknown"


def printable(path: str) -> str:
    """``path`` as valid UTF-8 text: bytes that are not UTF-8 become \\x.. escapes.

    os.scandir hands such bytes over as lone surrogates, which no database or DataFrame accepts;
    a name that needs this is not instaloader's, so its file is set aside under the escaped name.
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def scan(snapshot_dir: Path) -> Scan:
    """Lists the post and profile files of a snapshot; links and foreign files are set aside."""
    root = snapshot_dir.resolve()
    if not root.is_dir():
        raise SnapshotError(f"snapshot folder {snapshot_dir} does not exist or is not a folder")
    result = Scan([], [], 0)

    def entry(item: os.DirEntry[str], folder: str) -> None:
        st = item.stat(follow_symlinks=False)
        if printable(item.path) != item.path:
            bad = SnapshotFile(printable(item.path), printable(folder), "unknown", st.st_size, 0)
            result.set_aside.append((bad, "file name is not UTF-8 text"))
            return
        kind = _kind(item.name)
        if kind is None:
            result.media_files += 1
            return
        found = SnapshotFile(item.path, folder, kind, st.st_size, st.st_mtime_ns)
        if item.is_symlink():
            result.set_aside.append((found, "symbolic link: not followed out of the snapshot"))
        elif kind == "unknown":
            result.set_aside.append((found, "not an instaloader post or profile file"))
        else:
            result.files.append(found)

    try:
        top = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot folder {snapshot_dir}: {exc}") from exc
    for item in top:
        if item.is_dir(follow_symlinks=False) and printable(item.name) != item.name:
            bad = SnapshotFile(printable(item.path), printable(item.name), "unknown", 0, 0)
            result.set_aside.append(
                (bad, "folder name is not UTF-8 text: not an Instagram username")
            )
        elif item.is_dir(follow_symlinks=False):
            try:
                children = sorted(os.scandir(item.path), key=lambda e: e.name)
            except OSError as exc:
                bad = SnapshotFile(item.path, item.name, "unknown", 0, 0)
                result.set_aside.append((bad, f"cannot read folder: {exc.strerror or exc}"))
                continue
            for child in children:
                if child.is_dir(follow_symlinks=False):
                    bad = SnapshotFile(child.path, item.name, "unknown", 0, 0)
                    result.set_aside.append(
                        (bad, "nested folder: not part of instaloader's layout")
                    )
                else:
                    entry(child, item.name)
        elif item.is_symlink() and item.is_dir():
            bad = SnapshotFile(item.path, item.name, "unknown", 0, 0)
            result.set_aside.append((bad, "symbolic link: not followed out of the snapshot"))
        else:
            entry(item, "")
    return result


def read_document(path: str) -> dict[str, Any]:
    """The JSON document in a ``.json`` or ``.json.xz`` file, within the size limits."""
    # unbuffered, asking for the file's own size plus one byte: read(MAX_FILE_BYTES + 1) on a
    # buffered file allocates 64 MB for every 2 kB post (5,000 files: 0.142 s that way, 0.055 s)
    with open(path, "rb", buffering=0) as fh:  # noqa: PTH123 - plain open is the fast path here
        size = os.fstat(fh.fileno()).st_size
        raw = fh.read(min(size, MAX_FILE_BYTES) + 1)
        if len(raw) > size:  # it grew since fstat (or reports no size): read on, to the limit
            raw += fh.read(MAX_FILE_BYTES + 1 - len(raw))
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"file larger than {MAX_FILE_BYTES // 2**20} MB")
    if path.endswith(".xz"):
        decomp = lzma.LZMADecompressor()
        data = decomp.decompress(raw, max_length=MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise ValueError(f"decompresses to more than {MAX_JSON_BYTES // 2**20} MB")
        if not decomp.eof:
            raise ValueError("truncated xz data: the file ends before its compressed stream")
    else:
        data = raw
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("not an instaloader JSON structure (top level is not an object)")
    return doc


@cache
def _context() -> OfflineContext:
    return OfflineContext()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, lzma.LZMAError | EOFError):
        return f"corrupt or truncated xz data ({exc})"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, RequestRefusedError):
        return f"incomplete node: {exc}"
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, AssertionError):  # instaloader asserts a Post node has a shortcode
        return "incomplete instaloader node (no shortcode)"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    text = str(exc) or type(exc).__name__
    return text[:300]


def parse_file(file: SnapshotFile, tz: str) -> ParsedFile:
    """Reads one snapshot file into a post or profile row, or records why it cannot."""
    result = ParsedFile(file)
    try:
        doc = read_document(file.path)
        node_type = (doc.get("instaloader") or {}).get("node_type")
        expected = "Post" if file.kind == "post" else "Profile"
        if "node" not in doc or node_type is None:
            raise ValueError("not an instaloader JSON structure (no node/instaloader keys)")
        if node_type != expected:
            raise ValueError(f"file name says {expected}, the structure is a {node_type}")
        structure = instaloader.load_structure(_context(), doc)
        if isinstance(structure, instaloader.Post):
            row = post_row(structure, tz)
            if row.caption is not None and len(row.caption) > MAX_CAPTION_CHARS:
                raise ValueError(
                    f"caption of {len(row.caption)} characters (Instagram allows 2,200)"
                )
            result.post = row
        elif isinstance(structure, instaloader.Profile):
            result.profile = profile_row(structure)
    except Exception as exc:  # one broken file must never stop the others
        result.error = _describe(exc)
    return result


Enrich = Callable[[list[ParsedFile]], None]


@dataclass(frozen=True)
class WorkerTask:
    """More work for the parse workers on each parsed chunk, e.g. the compliance checks.

    ``init(*initargs)`` runs once per worker process (and once here when parsing in-process);
    ``enrich`` then runs on every parsed chunk and may fill in ParsedFile fields. Both must be
    module-level functions, which is what lets the spawned workers find them.
    """

    init: Callable[..., None]
    initargs: tuple[Any, ...]
    enrich: Enrich


def _parse_chunk(files: list[SnapshotFile], tz: str, enrich: Enrich | None) -> list[ParsedFile]:
    parsed = [parse_file(f, tz) for f in files]
    if enrich is not None:
        enrich(parsed)
    return parsed


def parse_files(
    files: list[SnapshotFile],
    tz: str,
    *,
    workers: int | None = None,
    min_parallel: int = PARALLEL_FROM,
    on_progress: Callable[[int], None] | None = None,
    task: WorkerTask | None = None,
) -> Iterator[ParsedFile]:
    """Parses ``files`` (in worker processes when there are many), yielding results in order.

    At most a few chunks per worker are in flight: parsed rows wait in the workers' queue only
    while the consumer is busy with a batch, so memory stays flat however many files there are.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    enrich = task.enrich if task else None
    if workers <= 1 or len(files) < min_parallel:
        if task:
            task.init(*task.initargs)
        results: Iterable[list[ParsedFile]] = (_parse_chunk(c, tz, enrich) for c in chunks)
        yield from _emit(results, on_progress)
        return
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that holds DuckDB threads
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=task.init if task else None,
        initargs=task.initargs if task else (),
    ) as pool:
        window = workers * IN_FLIGHT
        pending: deque[Future[list[ParsedFile]]] = deque()
        queued = iter(chunks)
        for chunk in islice(queued, window):
            pending.append(pool.submit(_parse_chunk, chunk, tz, enrich))
        while pending:
            done = pending.popleft().result()
            following = next(queued, None)
            if following is not None:
                pending.append(pool.submit(_parse_chunk, following, tz, enrich))
            yield from _emit([done], on_progress)


def _emit(
    results: Iterable[list[ParsedFile]], on_progress: Callable[[int], None] | None
) -> Iterator[ParsedFile]:
    for chunk in results:
        yield from chunk
        if on_progress:
            on_progress(len(chunk))
