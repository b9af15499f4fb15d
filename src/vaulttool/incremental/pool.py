"""Read and parse many notes, across processes when there are enough of them to pay for it.

Parsing is CPU-bound and independent per note, so a large vault is cut into chunks that
worker processes read and parse. A chunk comes back as ``marshal`` bytes of plain
records (see :mod:`vaulttool.incremental.records`): they load several times faster than pickled note
objects, keep interned strings interned, and are exactly what the cache stores, so the
parent never encodes them again. Small batches stay in this process, where starting
workers would cost more than it saves. The notes are the same either way; the caller
orders them.

Workers never outlive the run: they end with their parent however it ends (killed
included), and a worker that makes no progress on a chunk for longer than the chunk's
deadline (stopped, or starved far beyond any real parse) is killed and its chunk read
here.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.records import Findings, NoteRecord, findings_record, to_record
from vaulttool.model.notes import read_note_stamped

if TYPE_CHECKING:
    import multiprocessing.context
    import queue
    from multiprocessing.connection import Connection

    from vaulttool.engine.notecheck import NoteChecker

# Below this many bytes of notes one process is faster: starting workers and collecting
# their results costs about as much as parsing this much (see docs/performance.md).
POOL_MIN_BYTES = 2_000_000
_SIZE_SAMPLE = 200  # notes whose size is looked at to estimate the bytes of a batch
_CHUNKS_PER_WORKER = 8
_MIN_CHUNK, _MAX_CHUNK = 16, 256
# A worker has this long for a chunk, plus a second for every DEADLINE_BYTES_PER_S bytes of
# its notes: tens of times what parsing takes even on a busy machine (about 8 MB/s per worker).
DEADLINE_S = 30.0
DEADLINE_BYTES_PER_S = 200_000
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
_STOP_GRACE = 0.2  # seconds a run waits for its ended workers to be gone

Progress = Callable[[int, int], None]  # (notes done so far, notes to do in all)
# a note's path, its file's stamp when read, its record, and what the per-note rules found (None: not run)
Entry = tuple[str, "Stamp | None", NoteRecord, "Findings | None"]
Stored = tuple[str, "Stamp | None", "bytes | memoryview"]  # an entry as packs hold it: record and findings marshalled
Task = tuple[str, Sequence[str], int, bool]  # a chunk to parse: root, paths, size cap, content stamps
Context: TypeAlias = "multiprocessing.context.DefaultContext | multiprocessing.context.ForkContext"
Inbox: TypeAlias = "queue.SimpleQueue[tuple[_Worker, bytes | None]]"  # what workers send back (None: it ended)


def available_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cpus() -> float:
    """CPUs this process may run on, less the machine's load (the one-minute average of busy processes)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this system: count every CPU as idle
        load = 0.0
    return available_cpus() - load


def worker_count(jobs: int, notes: int, size: int, idle: float) -> int:
    """Processes to parse ``notes`` notes of ``size`` bytes with, when ``idle`` CPUs are free.

    One below :data:`POOL_MIN_BYTES`, and never more than one per :data:`_MIN_CHUNK`
    notes; else ``jobs``, or with ``jobs`` 0 one per idle CPU (rounded): when the other
    CPUs are busy, workers only compete with each other and with this process for them.
    """
    if jobs == 1 or size < POOL_MIN_BYTES:
        return 1
    wanted = jobs if jobs > 0 else int(idle + 0.5)
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


def chunk_deadline(root: str, paths: Sequence[str], max_bytes: int) -> float:
    """Seconds a worker may take over ``paths``: :data:`DEADLINE_S`, plus time in proportion to the bytes read."""
    size = 0
    for path in paths:
        with contextlib.suppress(OSError):
            size += min(os.stat(os.path.join(root, path)).st_size, max_bytes)
    return DEADLINE_S + size / DEADLINE_BYTES_PER_S


def _die_with_parent(parent: int) -> None:
    """Make this worker end when its parent process ``parent`` does, however the parent ends.

    On Linux the kernel kills it at once (a parent-death signal); everywhere, a thread
    waits for the parent's end and then ends the process.
    """
    if sys.platform.startswith("linux") and os.getppid() == parent:
        with contextlib.suppress(Exception):  # no libc to call: the thread below still watches
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the signal was asked for
            os._exit(1)
    import multiprocessing
    import threading

    watched = multiprocessing.parent_process()
    if watched is not None and watched.sentinel is not None:
        from multiprocessing.connection import wait

        def watch(sentinel: int) -> None:
            wait([sentinel])
            os._exit(1)

        threading.Thread(target=watch, args=(watched.sentinel,), daemon=True).start()


def _work(tasks: Connection, results: Connection, checker: NoteChecker | None, parent: int) -> None:
    """A worker process: parse each chunk it is sent and send back its packed entries, until told to stop.

    A chunk that fails here is answered with empty bytes: the parent parses it itself.
    Ctrl-C is the parent's to handle (it ends the workers).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    while True:
        try:
            task: Task | None = tasks.recv()
            if task is None:
                return
            try:
                answer = pickle.dumps(pack(parse_entries(*task[:3], checker, task[3])), pickle.HIGHEST_PROTOCOL)
            except Exception:
                answer = b""
            results.send_bytes(answer)
        except (EOFError, OSError):  # the parent is gone
            return


class _Worker:
    """One worker process as the parent sees it: its pipes, and the chunk it was given and until when."""

    def __init__(self, context: Context, checker: NoteChecker | None) -> None:
        """Start the process."""
        tasks, self.tasks = context.Pipe(duplex=False)
        self.results, answers = context.Pipe(duplex=False)
        self.process = context.Process(target=_work, args=(tasks, answers, checker, os.getpid()), daemon=True)
        try:
            self.process.start()
        finally:  # the worker's ends, closed here at once: workers started later do not inherit them
            tasks.close()
            answers.close()
        self.start = 0  # the index of the first note of the chunk it was given
        self.given = self.deadline = 0.0  # when it was given, and when it is due (time.monotonic)

    def listen(self, inbox: Inbox) -> None:
        """Start a thread that puts what the process sends back into ``inbox`` (None when it ends).

        Called once every worker is started: no process is forked while these threads run.
        """
        import threading

        threading.Thread(target=self._listen, args=(inbox,), daemon=True).start()

    def _listen(self, inbox: Inbox) -> None:
        while True:
            try:
                answer: bytes | None = self.results.recv_bytes()
            except (EOFError, OSError):  # it ended
                answer = None
            inbox.put((self, answer))
            if answer is None:
                return

    def give(self, start: int, task: Task, seconds: float) -> None:
        """Send the chunk that starts at note ``start``, due within ``seconds``."""
        self.tasks.send(task)
        self.start, self.given = start, time.monotonic()
        self.deadline = self.given + seconds

    def stop(self, kill: bool = False) -> None:
        """Tell the process to end when it is done (``kill``: end it now)."""
        with contextlib.suppress(OSError, ValueError):
            if kill:
                self.process.kill()
            else:
                self.tasks.send(None)
            self.tasks.close()


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


def _in_workers(
    root: str,
    left: dict[int, Sequence[str]],
    max_bytes: int,
    count: int,
    checker: NoteChecker | None,
    content: bool = False,
) -> Iterator[tuple[list[Entry], bytes]]:
    """Parse the chunks in ``left`` in ``count`` worker processes: yield each chunk's entries and
    packed bytes, and take it out of ``left``. What they do not parse stays in ``left``.

    A worker that misses its chunk's deadline (:func:`chunk_deadline`) is killed, and one
    line on stderr says so. Every worker has ended when this returns or is closed; when
    it is interrupted (Ctrl-C), at once: workers at work are killed, not waited for.
    """
    import queue

    inbox: Inbox = queue.SimpleQueue()
    started: list[_Worker] = []
    busy: list[_Worker] = []
    todo = iter(list(left.items()))

    def give(worker: _Worker) -> None:
        for start, chunk in todo:
            try:
                worker.give(start, (root, chunk, max_bytes, content), chunk_deadline(root, chunk, max_bytes))
            except OSError:  # it died: this chunk is left to the caller
                worker.stop(kill=True)
                busy.remove(worker)
            return
        worker.stop()
        busy.remove(worker)

    try:
        context = _context()
        with _ctrl_c_held():
            for _ in range(count):
                started.append(_Worker(context, checker))
        busy.extend(started)
        for worker in started:
            worker.listen(inbox)
            give(worker)
        while busy:
            try:
                worker, answer = inbox.get(timeout=max(min(w.deadline for w in busy) - time.monotonic(), 0.0))
            except queue.Empty:
                now = time.monotonic()
                for late in [w for w in busy if w.deadline <= now]:
                    _say_stalled(len(left[late.start]), now - late.given)
                    late.stop(kill=True)
                    busy.remove(late)
                continue
            if worker not in busy:
                continue  # what a worker sent before it was given up on
            if answer is None:  # it died: its chunk is left to the caller
                busy.remove(worker)
            elif answer:
                blob, left_out = pickle.loads(answer)
                del left[worker.start]
                give(worker)  # first, so that it works on while the caller uses this chunk
                yield unpack(blob) + left_out, blob
            else:  # it could not parse the chunk: left to the caller, which says why
                give(worker)
    except OSError:
        pass  # workers cannot be started: the caller parses what is left
    finally:
        for worker in started:
            worker.stop(kill=worker in busy)
        grace = time.monotonic() + _STOP_GRACE
        for worker in started:
            worker.process.join(max(0.0, grace - time.monotonic()))
            if worker.process.is_alive():  # told to stop, but slow to: not waited for longer
                worker.process.kill()
                worker.process.join(_STOP_GRACE)


def _say_stalled(notes: int, seconds: float) -> None:
    """Say on stderr, in one line, that a worker was given up on."""
    with contextlib.suppress(OSError, ValueError):
        print(
            f"vaulttool: a worker process made no progress on {notes} notes for {seconds:.0f} s;"
            " it was stopped and they are read here",
            file=sys.stderr,
        )


def _context() -> Context:
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
    workers = 1 if jobs == 1 else worker_count(jobs, total, estimated_bytes(root, paths, max_bytes), idle_cpus())
    size = max(_MIN_CHUNK, min(_MAX_CHUNK, total // (workers * _CHUNKS_PER_WORKER) or 1))
    left: dict[int, Sequence[str]] = {start: paths[start : start + size] for start in range(0, total, size)}
    if workers > 1:
        for entries, blob in _in_workers(root, left, max_bytes, workers, checker, content):
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
