"""Read and parse many notes, across processes when there are enough of them to pay for it.

Parsing is CPU-bound and independent per note, so a large vault is cut into chunks that
worker processes read and parse; below :data:`OWN_MAX_NOTES` notes, one process fewer than
asked for, as this process parses too, a chunk at a time, whenever no worker's answer is
waiting (its own chunks cost it no marshalling). A worker's chunk comes back as ``marshal`` bytes of plain
records (see :mod:`vaulttool.incremental.records`), one load for the whole chunk: they load
several times faster than pickled note objects and keep interned strings interned. They
hold only what the parent builds notes from (:func:`~vaulttool.incremental.records.handed`);
a caller that stores the notes in a cache gives the workers a
:class:`~vaulttool.incremental.packfiles.PackWriter`, and each worker writes its chunk's
records whole as a pack file itself, which the parent only renames (or, when the worker could
not write it, hands back their :func:`pack` bytes). Small batches stay in this process, where
starting workers would cost more than it saves. The notes are the same either way; the
caller orders them.

A caller that reads of the links of each note only what they resolve to and the few that
resolve to nothing or carry an anchor can have forked workers resolve them
(:class:`~vaulttool.incremental.records.Linker`): it then builds those notes without their
links, which the workers do not hand back.

The worker processes themselves are :mod:`vaulttool.incremental.workers`.
"""

from __future__ import annotations

import marshal
import os
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.children import available_cpus
from vaulttool.incremental.packfiles import PackWriter, Stored, Written
from vaulttool.incremental.records import (
    Findings,
    Linker,
    LinksRecord,
    NoteRecord,
    findings_record,
    handed,
    stored,
    to_record,
)
from vaulttool.incremental.workers import Own, Task, in_workers
from vaulttool.model.notes import read_note_stamped
from vaulttool.model.values import Note

if TYPE_CHECKING:
    from vaulttool.engine.notecheck import NoteChecker, NoteFindings
    from vaulttool.model.graph import LinkParts, Targets

# Below this many bytes of notes one process is faster: starting workers and collecting
# their results costs about as much as parsing this much (see docs/performance.md).
POOL_MIN_BYTES = 2_000_000
_SIZE_SAMPLE = 200  # notes whose size is looked at to estimate the bytes of a batch
# Below this many notes to hold, this process parses a share of them itself (see parse_chunks);
# from here on it leaves every chunk to the workers: what parsing leaves in its memory would add
# to the notes it keeps, the largest part of a 50,000-note check's memory.
OWN_MAX_NOTES = 20_000
_CHUNKS_PER_WORKER = 8
_MIN_CHUNK, _MAX_CHUNK = 16, 256
# A worker has this long for a chunk, plus a second for every DEADLINE_BYTES_PER_S bytes of
# its notes: tens of times what parsing takes even on a busy machine (about 8 MB/s per worker).
DEADLINE_S = 30.0
DEADLINE_BYTES_PER_S = 200_000

Progress = Callable[[int, int], None]  # (notes done so far, notes to do in all)
# a note's path, its file's stamp when read, its record, and what the per-note rules found (None: not run)
Entry = tuple[str, "Stamp | None", NoteRecord, "Findings | None"]
# an entry (its record as :func:`~vaulttool.incremental.records.stored`) handed to a caller that
# reads no more of a note's links than a :class:`Linker` keeps, with what it kept
LeanEntry = tuple[str, "Stamp | None", NoteRecord, "Findings | None", LinksRecord]
# a note parsed in this process for a caller with a :class:`Linker`: its path, its file's stamp, the
# note as parsed, what the per-note rules found, and what its links resolve to with its link parts
# (:meth:`Linker.linked <vaulttool.incremental.records.Linker.linked>`)
ParsedEntry = tuple[str, "Stamp | None", Note, "NoteFindings | None", "tuple[Targets, LinkParts]"]
# a note parsed, what the per-note rules found in it, and its entry
_Parsed = tuple[Note, "NoteFindings | None", Entry]


class Chunk(NamedTuple):
    """The notes of one chunk, parsed: as ``entries``, or as ``lean`` entries, or (parsed in this
    process beside the workers, for a caller with a linker) as ``parsed`` entries; and to store
    them, the pack ``written`` of them, or the :func:`pack` bytes of them all. With neither, they
    are not to be stored, or parsed here and whole."""

    entries: list[Entry]
    blob: bytes | None
    lean: list[LeanEntry]
    written: Written | None = None
    parsed: Sequence[ParsedEntry] = ()


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


def chunked(paths: Sequence[str], workers: int) -> dict[int, Sequence[str]]:
    """``paths`` cut into chunks for ``workers`` processes, by the index of their first path, in the
    order they are given out.

    About :data:`_CHUNKS_PER_WORKER` chunks a worker, of :data:`_MIN_CHUNK` to :data:`_MAX_CHUNK`
    notes and even sizes; with more than one worker, the notes of the last round (a chunk a
    worker) are cut in chunks of about :data:`_MIN_CHUNK`: the processes then end their last
    chunks close together, none waiting long for another's last chunk (a worker holds two at a
    time, and the main process hands out more only between the chunks it parses itself).
    """
    total = len(paths)
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, total // (workers * _CHUNKS_PER_WORKER) or 1))
    tail = 0 if workers == 1 else min(total, workers * size)
    bounds = [*_even(0, total - tail, size), *_even(total - tail, total, _MIN_CHUNK)]
    return {start: paths[start:end] for start, end in bounds}


def _even(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """The indexes from ``start`` to ``end`` cut into the fewest runs of at most ``size``, their sizes
    one apart at most: the first and the end of each."""
    count = -(-(end - start) // size)
    return [(start + (end - start) * at // count, start + (end - start) * (at + 1) // count) for at in range(count)]


def note_sizes(root: str, paths: Sequence[str], max_bytes: int, stamps: Mapping[str, Stamp] | None) -> Iterator[int]:
    """The size of each note of ``paths``, at most ``max_bytes``: from its stamp in ``stamps`` when there
    (the first part of every stamp is the file's size), else from its file (0 when it cannot be read)."""
    for path in paths:
        stamp = None if stamps is None else stamps.get(path)
        if stamp is None:
            try:
                yield min(os.stat(os.path.join(root, path)).st_size, max_bytes)
            except OSError:
                yield 0
        else:
            yield min(stamp[0], max_bytes)


def estimated_bytes(root: str, paths: Sequence[str], max_bytes: int, stamps: Mapping[str, Stamp] | None = None) -> int:
    """The bytes of the notes at ``paths``, from the sizes of a few of them spread over the batch."""
    step = max(1, len(paths) // _SIZE_SAMPLE)
    sample = paths[::step]
    return sum(note_sizes(root, sample, max_bytes, stamps)) * len(paths) // max(1, len(sample))


def chunk_deadline(root: str, paths: Sequence[str], max_bytes: int, stamps: Mapping[str, Stamp] | None) -> float:
    """Seconds a worker may take over ``paths``: :data:`DEADLINE_S`, plus time in proportion to the bytes read."""
    return DEADLINE_S + sum(note_sizes(root, paths, max_bytes, stamps)) / DEADLINE_BYTES_PER_S


def parse_entries(
    root: str, paths: Sequence[str], max_bytes: int, checker: NoteChecker | None = None, content: bool = False
) -> list[Entry]:
    """Read and parse ``paths`` here, running ``checker`` on each note: one entry per path."""
    return [entry for _, _, entry in _parsed(root, paths, max_bytes, checker, content)]


def _parsed(
    root: str, paths: Sequence[str], max_bytes: int, checker: NoteChecker | None, content: bool
) -> Iterator[_Parsed]:
    """Each note of ``paths`` read and parsed here, what ``checker`` finds in it, and its entry."""
    for path in paths:
        note, stamp = read_note_stamped(root, path, max_bytes, content)
        found = None if checker is None else checker(note)
        yield note, found, (path, stamp, to_record(note), None if found is None else findings_record(found))


def packed(entries: Sequence[Entry]) -> tuple[list[Stored], list[Entry]]:
    """``entries`` in their stored form, and the entries left out of them.

    Stored, an entry is ``(path, stamp, bytes)``: the record and findings are marshalled
    on their own, so that the cache can read a pack and build only the notes it needs.
    Entries holding a value marshal cannot store (a YAML-tagged date) are left out.
    """
    stored_: list[Stored] = []
    left_out: list[Entry] = []
    for path, stamp, record, found in entries:
        try:
            stored_.append((path, stamp, marshal.dumps((stored(record, stamp), found))))
        except ValueError:
            left_out.append((path, stamp, record, found))
    return stored_, left_out


def pack(entries: Sequence[Entry]) -> tuple[bytes, list[Entry]]:
    """``entries`` in their stored form (see :func:`packed`) as marshal bytes, and the entries left out of them."""
    stored_, left_out = packed(entries)
    return marshal.dumps(stored_), left_out


def _stored(
    checker: NoteChecker | None, writer: PackWriter | None, task: Task
) -> tuple[Written | None, bytes | None, list[Entry], list[_Parsed]]:
    """The notes of ``task`` parsed and checked with ``checker``: with a ``writer``, the pack written of
    their entries (else None) or, when it could not be, their :func:`pack` bytes (else None), and
    the entries left out of them; and the others, in their order."""
    parsed = list(_parsed(*task[:3], checker, task[3]))
    if writer is None:
        return None, None, [], parsed
    stored_, left_out = packed([entry for *_, entry in parsed])
    written = writer.write(stored_)
    out = {entry[0] for entry in left_out}
    kept = [item for item in parsed if item[2][0] not in out]
    return written, None if written is not None else marshal.dumps(stored_), left_out, kept


def _answer(checker: NoteChecker | None, linker: Linker | None, writer: PackWriter | None, task: Task) -> bytes:
    """A worker's answer to ``task``, pickled: with a ``writer``, the pack it wrote of the entries
    (else None) or, when it could not, their :func:`pack` bytes (else None); the entries left out
    of them; the marshal bytes of the others as the parent builds its notes from them
    (:func:`~vaulttool.incremental.records.handed`), in their order, with a ``linker`` as lean
    entries, without their links but with what it makes of them; and whether they are lean
    (a linker that is not forked arrives as None). Without a ``writer`` no pack entry is made:
    an entry is left out when marshal cannot store it as handed on."""
    written, blob, left_out, parsed = _stored(checker, writer, task)
    given: list[Entry] | list[LeanEntry]
    if linker is None:
        given = [(path, stamp, handed(record, stamp), found) for *_, (path, stamp, record, found) in parsed]
    else:
        given = [
            (path, stamp, handed(record, stamp, links=False), found, linker.record(path, note))
            for note, _, (path, stamp, record, found) in parsed
        ]
    try:
        data = marshal.dumps(given)
    except ValueError:  # an entry holds a value marshal cannot store (a YAML-tagged date): it travels whole
        fits = list(map(_marshals, given))
        left_out += [entry for (*_, entry), fit in zip(parsed, fits, strict=True) if not fit]
        data = marshal.dumps([one for one, fit in zip(given, fits, strict=True) if fit])
    return pickle.dumps((written, blob, left_out, data, linker is not None), pickle.HIGHEST_PROTOCOL)


def _own(checker: NoteChecker | None, linker: Linker | None, writer: PackWriter | None, task: Task) -> Chunk:
    """The chunk of ``task`` done in this process, stored as a worker stores its chunks: its notes
    as parsed, with a ``linker`` (else their entries, whole)."""
    written, blob, left_out, parsed = _stored(checker, writer, task)
    if linker is None:
        return Chunk([*(entry for *_, entry in parsed), *left_out], blob, [], written)
    notes = [(path, stamp, note, found, linker.linked(path, note)) for note, found, (path, stamp, *_) in parsed]
    return Chunk(left_out, blob, [], written, notes)


def _marshals(value: Entry | LeanEntry) -> bool:
    """Whether marshal can store ``value``."""
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True


def parse_chunks(
    root: str,
    paths: Sequence[str],
    max_bytes: int,
    jobs: int = 0,
    progress: Progress | None = None,
    writer: PackWriter | None = None,
    checker: NoteChecker | None = None,
    content: bool = False,
    linker: Linker | None = None,
    stamps: Mapping[str, Stamp] | None = None,
    besides: int = 0,
) -> Iterator[Chunk]:
    """Yield each chunk of ``paths`` parsed (chunks in no particular order), to be stored when given a
    ``writer``: workers write their chunks with it, or hand back their :func:`pack` bytes. With
    ``jobs`` processes (see :func:`worker_count`), this one and ``jobs - 1`` workers parse: this
    one whenever no worker's answer is waiting (its chunks are the entries a worker would hand back);
    from :data:`OWN_MAX_NOTES` notes on (these and the ``besides`` others the caller holds),
    ``jobs`` workers and not this one.

    ``checker`` runs the per-note rules on each note where it is parsed (workers get it
    once, when they start); ``content``: stamp each note by its bytes (see :mod:`vaulttool.files.stamps`);
    ``linker``: workers resolve the links of their notes with it and hand back lean entries, as
    this process does with its own (forked ones: see :class:`~vaulttool.incremental.records.Linker`);
    ``stamps``: those the caller took of the notes, whose sizes spare looking at the files. ``progress`` is called
    after each chunk. When worker processes cannot be started, die or stall, the chunks they
    had not returned are parsed here instead.
    """
    total, done = len(paths), 0
    size = estimated_bytes(root, paths, max_bytes, stamps)
    workers = 1 if jobs == 1 else worker_count(jobs, total, size, available_cpus())
    left = chunked(paths, workers)
    if workers > 1:
        work = partial(_answer, checker, linker, writer)
        deadline = partial(chunk_deadline, root, max_bytes=max_bytes, stamps=stamps)
        try:
            own = total + besides < OWN_MAX_NOTES
            forked = workers - 1 if own else workers
            for answer in in_workers(root, left, max_bytes, forked, work, deadline, content, own):
                if isinstance(answer, Own):  # no answer waiting: a chunk done here meanwhile
                    chunk = _own(checker, linker, writer, (root, answer.paths, max_bytes, content))
                else:
                    written, blob, left_out, given, lean = pickle.loads(answer)
                    if not lean:
                        chunk = Chunk(marshal.loads(given) + left_out, blob, [], written)
                    else:
                        chunk = Chunk(left_out, blob, marshal.loads(given), written)
                yield chunk
                done += len(chunk.entries) + len(chunk.lean) + len(chunk.parsed)
                if progress is not None:
                    progress(done, total)
        finally:  # the workers have ended (however this did): what they wrote and was not stored goes
            if writer is not None:
                writer.clean()
    for part in left.values():
        entries = parse_entries(root, part, max_bytes, checker, content)
        yield Chunk(entries, pack(entries)[0] if writer is not None else None, [])
        done += len(entries)
        if progress is not None:
            progress(done, total)
