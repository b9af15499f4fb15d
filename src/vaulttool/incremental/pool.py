"""Read and parse many notes, across processes when there are enough of them to pay for it.

Parsing is CPU-bound and independent per note, so a large vault is cut into chunks that
worker processes read and parse. A chunk comes back as ``marshal`` bytes of plain
records (see :mod:`vaulttool.incremental.records`): they load several times faster than pickled note
objects, keep interned strings interned, and are exactly what the cache stores, so the
parent never encodes them again. Small batches stay in this process, where starting
workers would cost more than it saves. The notes are the same either way; the caller
orders them.

A caller that reads of the links of each note only what they resolve to and the few that
resolve to nothing or carry an anchor can have forked workers resolve them
(:class:`~vaulttool.incremental.records.Linker`): it then builds those notes without their
links, which a stored record holds as bytes (:func:`~vaulttool.incremental.records.stored`)
that it copies but never loads, and the records go to the cache as they are.

The worker processes themselves are :mod:`vaulttool.incremental.workers`.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.records import Findings, Linker, LinksRecord, NoteRecord, findings_record, stored, to_record
from vaulttool.incremental.workers import Task, available_cpus, in_workers
from vaulttool.model.notes import read_note_stamped
from vaulttool.model.values import Note

if TYPE_CHECKING:
    from vaulttool.engine.notecheck import NoteChecker

# Below this many bytes of notes one process is faster: starting workers and collecting
# their results costs about as much as parsing this much (see docs/performance.md).
POOL_MIN_BYTES = 2_000_000
_SIZE_SAMPLE = 200  # notes whose size is looked at to estimate the bytes of a batch
_CHUNKS_PER_WORKER = 8
_MIN_CHUNK, _MAX_CHUNK = 16, 256

Progress = Callable[[int, int], None]  # (notes done so far, notes to do in all)
# a note's path, its file's stamp when read, its record, and what the per-note rules found (None: not run)
Entry = tuple[str, "Stamp | None", NoteRecord, "Findings | None"]
Stored = tuple[str, "Stamp | None", "bytes | memoryview"]  # an entry as packs hold it: record and findings marshalled
# an entry (its record as :func:`~vaulttool.incremental.records.stored`) handed to a caller that
# reads no more of a note's links than a :class:`Linker` keeps, with what it kept
LeanEntry = tuple[str, "Stamp | None", NoteRecord, "Findings | None", LinksRecord]


class Chunk(NamedTuple):
    """The notes of one chunk, parsed: as ``entries``, or as ``lean`` entries (those of them that are
    not ``entries``), and the :func:`pack` bytes of them all (or None)."""

    entries: list[Entry]
    blob: bytes | None
    lean: list[LeanEntry]


def worker_count(jobs: int, notes: int, size: int, cpus: int) -> int:
    """Processes to parse ``notes`` notes of ``size`` bytes with, on ``cpus`` CPUs.

    One below :data:`POOL_MIN_BYTES`, and never more than one per :data:`_MIN_CHUNK`
    notes; else ``jobs``, or with ``jobs`` 0 one per CPU. The machine's load average is
    not consulted: it counts the runs just finished, so back-to-back checks on an idle
    machine would give up the workers that make them faster.
    """
    if jobs == 1 or size < POOL_MIN_BYTES:
        return 1
    wanted = jobs if jobs > 0 else cpus
    return max(1, min(wanted, notes // _MIN_CHUNK))


def estimated_bytes(root: str, paths: Sequence[str], max_bytes: int) -> int:
    """The bytes of the notes at ``paths``, from the sizes of a few of them spread over the batch."""
    step = max(1, len(paths) // _SIZE_SAMPLE)
    sample = paths[::step]
    size = 0
    for path in sample:
        with contextlib.suppress(OSError):
            size += min(os.stat(os.path.join(root, path)).st_size, max_bytes)
    return size * len(paths) // max(1, len(sample))


def parse_entries(
    root: str, paths: Sequence[str], max_bytes: int, checker: NoteChecker | None = None, content: bool = False
) -> list[Entry]:
    """Read and parse ``paths`` here, running ``checker`` on each note: one entry per path."""
    return [entry for _, entry in _parsed(root, paths, max_bytes, checker, content)]


def _parsed(
    root: str, paths: Sequence[str], max_bytes: int, checker: NoteChecker | None, content: bool
) -> Iterator[tuple[Note, Entry]]:
    """Each note of ``paths`` read and parsed here, and its entry."""
    for path in paths:
        note, stamp = read_note_stamped(root, path, max_bytes, content)
        yield note, (path, stamp, to_record(note), None if checker is None else findings_record(checker(note)))


def pack(entries: Sequence[Entry]) -> tuple[bytes, list[Entry]]:
    """``entries`` in their stored form as marshal bytes, and the entries left out of them.

    Stored, an entry is ``(path, stamp, bytes)``: the record and findings are marshalled
    on their own, so that the cache can read a pack and build only the notes it needs.
    Entries holding a value marshal cannot store (a YAML-tagged date) are left out.
    """
    packed: list[Stored] = []
    left_out: list[Entry] = []
    for path, stamp, record, found in entries:
        try:
            packed.append((path, stamp, marshal.dumps((stored(record), found))))
        except ValueError:
            left_out.append((path, stamp, record, found))
    return marshal.dumps(packed), left_out


def unpack(blob: bytes) -> list[Entry]:
    """The entries of bytes made by :func:`pack` (their records as stored)."""
    return [(path, stamp, *marshal.loads(inner)) for path, stamp, inner in marshal.loads(blob)]


def _answer(checker: NoteChecker | None, linker: Linker | None, task: Task) -> bytes:
    """A worker's answer to ``task``, pickled: the :func:`pack` bytes of its entries, those left out
    of them, and with a ``linker`` the marshal bytes of what it makes of the links of each note
    packed, in their order (else None)."""
    parsed = list(_parsed(*task[:3], checker, task[3]))
    blob, left_out = pack([entry for _, entry in parsed])
    links = None
    if linker is not None:
        out = {entry[0] for entry in left_out}
        links = marshal.dumps([linker.record(path, note) for note, (path, *_) in parsed if path not in out])
    return pickle.dumps((blob, left_out, links), pickle.HIGHEST_PROTOCOL)


def parse_chunks(
    root: str,
    paths: Sequence[str],
    max_bytes: int,
    jobs: int = 0,
    progress: Progress | None = None,
    packed: bool = False,
    checker: NoteChecker | None = None,
    content: bool = False,
    linker: Linker | None = None,
) -> Iterator[Chunk]:
    """Yield each chunk of ``paths`` parsed (chunks in no particular order), with their :func:`pack`
    bytes when ``packed`` or when they come from a worker.

    ``checker`` runs the per-note rules on each note where it is parsed (workers get it
    once, when they start); ``content``: stamp each note by its bytes (see :mod:`vaulttool.files.stamps`);
    ``linker``: workers resolve the links of their notes with it and hand back lean entries
    (forked ones: see :class:`~vaulttool.incremental.records.Linker`). ``progress`` is called
    after each chunk. When worker processes cannot be started, die or stall, the chunks they
    had not returned are parsed here instead.
    """
    total, done = len(paths), 0
    workers = 1 if jobs == 1 else worker_count(jobs, total, estimated_bytes(root, paths, max_bytes), available_cpus())
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, total // (workers * _CHUNKS_PER_WORKER) or 1))
    left: dict[int, Sequence[str]] = {start: paths[start : start + size] for start in range(0, total, size)}
    if workers > 1:
        work = partial(_answer, checker, linker)
        for answer in in_workers(root, left, max_bytes, workers, work, content):
            blob, left_out, links = pickle.loads(answer)
            if links is None:
                chunk = Chunk(unpack(blob) + left_out, blob, [])
            else:
                lean = [(*entry, found) for entry, found in zip(unpack(blob), marshal.loads(links), strict=True)]
                chunk = Chunk(left_out, blob, lean)
            yield chunk
            done += len(chunk.entries) + len(chunk.lean)
            if progress is not None:
                progress(done, total)
    for part in left.values():
        entries = parse_entries(root, part, max_bytes, checker, content)
        yield Chunk(entries, pack(entries)[0] if packed else None, [])
        done += len(entries)
        if progress is not None:
            progress(done, total)
