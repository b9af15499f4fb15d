"""Worker processes that parse chunks of notes for the parent, and never outlive it.

Workers end with their parent however it ends (killed included), and a worker that
makes no progress on a chunk for longer than the chunk's deadline (stopped, or starved
far beyond any real parse) is killed and its chunk left to the parent. What a worker
does with a chunk is the function it is given (:mod:`vaulttool.incremental.pool`
gives it parsing); it answers with bytes. Each holds two chunks at a time, so that it
goes on to the next as soon as it has answered one. The parent may take chunks too,
whenever no answer is waiting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from vaulttool.incremental.children import ctrl_c_held, killed_with_parent

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import multiprocessing.context
    import queue
    from multiprocessing.connection import Connection

_STOP_GRACE = 0.2  # seconds a run waits for its ended workers to be gone
# Chunks a worker holds at once: the one it works on and the next, so that it goes on to the next as soon
# as it has sent its answer, without waiting for the parent (busy with another worker's chunk) to give it one.
_AHEAD = 2
# Bytes a worker's answer pipe holds (Linux; at most /proc/sys/fs/pipe-max-size, 1 MiB by default):
# a chunk's answer, a few hundred kilobytes, is written at once instead of 64 KiB at a time,
# each waiting for the parent's listening thread to read the last.
_ANSWER_PIPE_BYTES = 1 << 20

Task = tuple[str, Sequence[str], int, bool]  # a chunk to parse: root, paths, size cap, content stamps
Deadline = Callable[[Sequence[str]], float]  # the seconds a worker may take over a chunk of these notes
Work = Callable[[Task], bytes]  # what a worker does with a chunk (its answer: empty bytes when it failed)
Context: TypeAlias = "multiprocessing.context.DefaultContext | multiprocessing.context.ForkContext"
Inbox: TypeAlias = "queue.SimpleQueue[tuple[_Worker, bytes | None]]"  # what workers send back (None: it ended)


def _die_with_parent(parent: int) -> None:
    """Make this worker end when its parent process ``parent`` does, however the parent ends.

    On Linux the kernel kills it at once (a parent-death signal); everywhere, a thread
    waits for the parent's end and then ends the process.
    """
    killed_with_parent(parent)
    import multiprocessing
    import threading

    watched = multiprocessing.parent_process()
    if watched is not None and watched.sentinel is not None:
        from multiprocessing.connection import wait

        def watch(sentinel: int) -> None:
            wait([sentinel])
            os._exit(1)

        threading.Thread(target=watch, args=(watched.sentinel,), daemon=True).start()


def _work(tasks: Connection, results: Connection, work: Work, parent: int) -> None:
    """A worker process: do ``work`` on each chunk it is sent and send back the answer, until told to stop.

    A chunk that fails here is answered with empty bytes: the parent does it itself.
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
                answer = work(task)
            except Exception:
                answer = b""
            results.send_bytes(answer)
        except (EOFError, OSError):  # the parent is gone
            return


class _Worker:
    """One worker process as the parent sees it: its pipes, the chunks it was given, and when the first is due."""

    def __init__(self, context: Context, work: Work) -> None:
        """Start the process."""
        tasks, self.tasks = context.Pipe(duplex=False)
        self.results, answers = context.Pipe(duplex=False)
        _widen(answers.fileno(), _ANSWER_PIPE_BYTES)
        self.process = context.Process(target=_work, args=(tasks, answers, work, os.getpid()), daemon=True)
        try:
            self.process.start()
        finally:  # the worker's ends, closed here at once: workers started later do not inherit them
            tasks.close()
            answers.close()
        self.chunks: deque[tuple[int, float]] = deque()  # given, not answered: first note, seconds allowed
        self.given = self.deadline = 0.0  # when the first of them was begun, and when it is due (time.monotonic)
        self.stopping = False  # told to end once it has answered its chunks

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
        """Send the chunk that starts at note ``start``, due within ``seconds`` of the worker's beginning
        it (after answering those given before it)."""
        self.tasks.send(task)
        self.chunks.append((start, seconds))
        if len(self.chunks) == 1:
            self._begun()

    def answered(self) -> int:
        """The first note of the chunk the worker just answered; its next chunk is begun now."""
        start, _ = self.chunks.popleft()
        if self.chunks:
            self._begun()
        return start

    def _begun(self) -> None:
        self.given = time.monotonic()
        self.deadline = self.given + self.chunks[0][1]

    def stop(self, kill: bool = False) -> None:
        """Tell the process to end when it has answered its chunks (``kill``: end it now)."""
        self.stopping = True
        with contextlib.suppress(OSError, ValueError):
            if kill:
                self.process.kill()
            else:
                self.tasks.send(None)
            self.tasks.close()


class Own(NamedTuple):
    """A chunk for the caller of :func:`in_workers` to do itself: the place of its first note, and its paths."""

    start: int
    paths: Sequence[str]


def _widen(pipe: int, size: int) -> None:
    """Have the pipe of descriptor ``pipe`` hold up to ``size`` bytes, where the platform allows it
    (elsewhere, or past the system's limit, it keeps the size it has)."""
    option = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if option is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe, option, size)


def in_workers(
    root: str,
    left: dict[int, Sequence[str]],
    max_bytes: int,
    count: int,
    work: Work,
    deadline: Deadline,
    content: bool = False,
    own: bool = False,
) -> Iterator[bytes | Own]:
    """Do ``work`` on the chunks in ``left`` in ``count`` worker processes: yield each chunk's
    answer, and take the chunk out of ``left``. What they do not answer stays in ``left``.

    With ``own``, the caller does chunks too: whenever no answer is waiting, a chunk no worker
    was given is yielded as :class:`Own`, and taken out of ``left`` once the caller asks for
    the next item (the caller's own time goes to work while the workers' answers come in).

    A worker that misses its chunk's ``deadline`` (given its paths) is killed, and one
    line on stderr says so. Every worker has ended when this returns or is closed; when
    it is interrupted (Ctrl-C), at once: workers at work are killed, not waited for.
    """
    import queue

    inbox: Inbox = queue.SimpleQueue()
    started: list[_Worker] = []
    busy: list[_Worker] = []
    todo = iter(list(left.items()))

    def give(worker: _Worker, ahead: int = _AHEAD) -> None:  # none left: stop, leave busy once all are answered
        while len(worker.chunks) < ahead and not worker.stopping:
            item = next(todo, None)
            if item is None:
                worker.stop()
                break
            start, chunk = item
            try:
                worker.give(start, (root, chunk, max_bytes, content), deadline(chunk))
            except OSError:  # it died: its chunks are left to the caller
                worker.stop(kill=True)
                worker.chunks.clear()
        if not worker.chunks:
            busy.remove(worker)

    try:
        context = _context()
        with ctrl_c_held():
            for _ in range(count):
                started.append(_Worker(context, work))
        busy.extend(started)
        for worker in started:
            worker.listen(inbox)
        for ahead in range(1, _AHEAD + 1):  # one chunk each, then the next: the first chunks go out in order
            for worker in [w for w in started if w in busy]:
                give(worker, ahead)
        while busy:
            try:
                if own:
                    worker, answer = inbox.get_nowait()
                else:
                    worker, answer = inbox.get(timeout=max(min(w.deadline for w in busy) - time.monotonic(), 0.0))
            except queue.Empty:
                item = next(todo, None) if own else None
                if item is not None:
                    yield Own(*item)
                    del left[item[0]]
                    continue
                own = False  # every chunk is given out: the workers' answers are waited for
                now = time.monotonic()
                for late in [w for w in busy if w.deadline <= now]:
                    _say_stalled(len(left[late.chunks[0][0]]), now - late.given)
                    late.stop(kill=True)
                    busy.remove(late)
                continue
            if worker not in busy:
                continue  # what a worker sent before it was given up on
            if answer is None:  # it died: its chunks are left to the caller
                busy.remove(worker)
            elif answer:
                del left[worker.answered()]
                give(worker)  # first, so that it has work while the caller uses this chunk
                yield answer
            else:  # it could not parse the chunk: left to the caller, which says why
                worker.answered()
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
