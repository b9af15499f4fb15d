"""Read and parse many notes, across processes when there are enough of them to pay for it.

Parsing is CPU-bound and independent per note, so a large vault is cut into chunks that
worker processes read and parse. A chunk comes back as ``marshal`` bytes of plain
records (see :mod:`vaulttool.records`): they load several times faster than pickled note
objects, keep interned strings interned, and are exactly what the cache stores, so the
parent never encodes them again. Small batches stay in this process, where starting
workers would cost more than it saves. The notes are the same either way; the caller
orders them.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from vaulttool.notes import Stamp, read_note_stamped
from vaulttool.records import NoteRecord, to_record

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

    from vaulttool.notecheck import Findings, NoteChecker

# Below this many notes one process is faster: starting workers and collecting their
# results costs about as much as parsing this many notes (see docs/performance.md).
POOL_MIN_NOTES = 600
_CHUNKS_PER_WORKER = 8
_MIN_CHUNK, _MAX_CHUNK = 16, 256
_STOP_GRACE = 0.2  # seconds an interrupted run waits for its terminated workers to be gone

Progress = Callable[[int, int], None]  # (notes done so far, notes to do in all)
# a note's path, its file's stamp when read, its record, and what the per-note rules found (None: not run)
Entry = tuple[str, "Stamp | None", NoteRecord, "Findings | None"]
Stored = tuple[str, "Stamp | None", "bytes | memoryview"]  # an entry as packs hold it: record and findings marshalled

_checker: NoteChecker | None = None  # a worker's per-note rules, set when it starts


def available_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int, notes: int) -> int:
    """Processes to use for ``notes`` notes: 1 below the threshold, else ``jobs`` (0: one per CPU)."""
    if jobs == 1 or notes < POOL_MIN_NOTES:
        return 1
    wanted = jobs if jobs > 0 else available_cpus()
    return max(1, min(wanted, notes // _MIN_CHUNK))


def parse_entries(root: str, paths: Sequence[str], max_bytes: int, checker: NoteChecker | None = None) -> list[Entry]:
    """Read and parse ``paths`` here, running ``checker`` on each note: one entry per path."""
    entries: list[Entry] = []
    for path in paths:
        note, stamp = read_note_stamped(root, path, max_bytes)
        entries.append((path, stamp, to_record(note), None if checker is None else checker(note)))
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


def _start_worker(checker: NoteChecker | None) -> None:
    """Set up a worker process: keep the per-note rules for every chunk it parses.

    Ctrl-C reaches every process of the terminal's group; a worker leaves it to the
    parent, which stops the whole run (see :func:`_stop`).
    """
    global _checker
    _checker = checker
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _parse_packed(root: str, paths: Sequence[str], max_bytes: int) -> tuple[bytes, list[Entry]]:
    """A worker's job: the chunk's entries packed, and those that cannot be (pickled by the pool)."""
    return pack(parse_entries(root, paths, max_bytes, _checker))


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while worker processes start; it takes effect when this ends.

    Delivered during a fork, it would be raised in the interpreter's fork handlers, which
    report and drop it: the run would go on as if no one had pressed it.
    """
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        yield
        return
    block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        block(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` at once (the run was interrupted): chunks not started are cancelled and
    the workers terminated, never waited for; each is reaped within a short grace."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + _STOP_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # fork starts a worker in milliseconds with everything already imported; elsewhere
    # (macOS, Windows) the platform's default is the safe choice
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def parse_chunks(
    root: str,
    paths: Sequence[str],
    max_bytes: int,
    jobs: int = 0,
    progress: Progress | None = None,
    packed: bool = False,
    checker: NoteChecker | None = None,
) -> Iterator[tuple[list[Entry], bytes | None]]:
    """Yield each chunk's entries (chunks in no particular order) and, when ``packed`` or
    when they come from a worker, their :func:`pack` bytes (None otherwise).

    ``checker`` runs the per-note rules on each note where it is parsed (workers get it
    once, when they start). ``progress`` is called after each chunk. When worker processes cannot be started or
    die, the chunks they had not returned are parsed here instead.
    """
    total, done = len(paths), 0
    workers = worker_count(jobs, total)
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, total // (workers * _CHUNKS_PER_WORKER) or 1))
    left = {start: paths[start : start + size] for start in range(0, total, size)}
    if workers > 1:
        # imported here: runs that read a few notes (most re-runs) never start a worker
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        pool: ProcessPoolExecutor | None = None
        try:
            with _ctrl_c_held():
                pool = ProcessPoolExecutor(
                    max_workers=workers, mp_context=_context(), initializer=_start_worker, initargs=(checker,)
                )
                futures = {pool.submit(_parse_packed, root, chunk, max_bytes): start for start, chunk in left.items()}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    blob, left_out = future.result()
                    del left[futures.pop(future)]  # let go of the result once used
                    entries = unpack(blob) + left_out
                    yield entries, blob
                    done += len(entries)
                    if progress is not None:
                        progress(done, total)
            pool.shutdown()
        except BaseException as exc:  # Ctrl-C, a dead worker, or the caller stopped early
            if pool is not None:
                _stop(pool)
            if not isinstance(exc, (BrokenProcessPool, OSError)):
                raise
            # workers could not start or died: parse what is left here
    for chunk in left.values():
        entries = parse_entries(root, chunk, max_bytes, checker)
        yield entries, pack(entries)[0] if packed else None
        done += len(entries)
        if progress is not None:
            progress(done, total)
