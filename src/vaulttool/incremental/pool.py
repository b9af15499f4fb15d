"""Read and parse many notes, across processes when there are enough of them to pay for it.

Parsing is CPU-bound and independent per note, so a large vault is cut into chunks that
worker processes read and parse. A chunk comes back as ``marshal`` bytes of plain
records (see :mod:`vaulttool.incremental.records`): they load several times faster than pickled note
objects, keep interned strings interned, and are exactly what the cache stores, so the
parent never encodes them again. Small batches stay in this process, where starting
workers would cost more than it saves. The notes are the same either way; the caller
orders them.

The worker processes themselves are :mod:`vaulttool.incremental.workers`.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.records import Findings, NoteRecord, findings_record, to_record
from vaulttool.incremental.workers import Task, available_cpus, in_workers
from vaulttool.model.notes import read_note_stamped

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
    entries: list[Entry] = []
    for path in paths:
        note, stamp = read_note_stamped(root, path, max_bytes, content)
        entries.append((path, stamp, to_record(note), None if checker is None else findings_record(checker(note))))
    return entries


def pack(entries: Sequence[Entry]) -> tuple[bytes, list[Entry]]:
    """``entries`` in their stored form as marshal bytes, and the entries left out of them.

    Stored, an entry is ``(path, stamp, bytes)``: the record and findings are marshalled
    on their own, so that the cache can read a pack and build only the notes it needs.
    Entries holding a value marshal cannot store (a YAML-tagged date) are left out.
    """
    stored: list[Stored] = []
    left_out: list[Entry] = []
    for entry in entries:
        try:
            stored.append((entry[0], entry[1], marshal.dumps(entry[2:])))
        except ValueError:
            left_out.append(entry)
    return marshal.dumps(stored), left_out


def unpack(blob: bytes) -> list[Entry]:
    """The entries of bytes made by :func:`pack`."""
    return [(path, stamp, *marshal.loads(inner)) for path, stamp, inner in marshal.loads(blob)]


def _answer(checker: NoteChecker | None, task: Task) -> bytes:
    """A worker's answer to ``task``: the :func:`pack` of its entries and those left out, pickled."""
    return pickle.dumps(pack(parse_entries(*task[:3], checker, task[3])), pickle.HIGHEST_PROTOCOL)


def parse_chunks(
    root: str,
    paths: Sequence[str],
    max_bytes: int,
    jobs: int = 0,
    progress: Progress | None = None,
    packed: bool = False,
    checker: NoteChecker | None = None,
    content: bool = False,
) -> Iterator[tuple[list[Entry], bytes | None]]:
    """Yield each chunk's entries (chunks in no particular order) and, when ``packed`` or
    when they come from a worker, their :func:`pack` bytes (None otherwise).

    ``checker`` runs the per-note rules on each note where it is parsed (workers get it
    once, when they start); ``content``: stamp each note by its bytes (see :mod:`vaulttool.files.stamps`).
    ``progress`` is called after each chunk. When worker processes
    cannot be started, die or stall, the chunks they had not returned are parsed here instead.
    """
    total, done = len(paths), 0
    workers = 1 if jobs == 1 else worker_count(jobs, total, estimated_bytes(root, paths, max_bytes), available_cpus())
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, total // (workers * _CHUNKS_PER_WORKER) or 1))
    left: dict[int, Sequence[str]] = {start: paths[start : start + size] for start in range(0, total, size)}
    if workers > 1:
        for answer in in_workers(root, left, max_bytes, workers, partial(_answer, checker), content):
            blob, left_out = pickle.loads(answer)
            entries = unpack(blob) + left_out
            yield entries, blob
            done += len(entries)
            if progress is not None:
                progress(done, total)
    for chunk in left.values():
        entries = parse_entries(root, chunk, max_bytes, checker, content)
        yield entries, pack(entries)[0] if packed else None
        done += len(entries)
        if progress is not None:
            progress(done, total)
