"""Worker processes that parse chunks of notes for the parent, and never outlive it.

Workers end with their parent however it ends (killed included), and a worker that
makes no progress on a chunk for longer than the chunk's deadline (stopped, or starved
far beyond any real parse) is killed and its chunk left to the parent. What a worker
does with a chunk is the function it is given (:mod:`vaulttool.incremental.pool`
gives it parsing); it answers with bytes. :func:`apart` starts one child process that
does one piece of work while the parent goes on (:mod:`vaulttool.incremental.stamping`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TypeAlias

if TYPE_CHECKING:
    import multiprocessing.context
    import queue
    from multiprocessing.connection import Connection

_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
_STOP_GRACE = 0.2  # seconds a run waits for its ended workers to be gone

Task = tuple[str, Sequence[str], int, bool]  # a chunk to parse: root, paths, size cap, content stamps
Deadline = Callable[[Sequence[str]], float]  # the seconds a worker may take over a chunk of these notes
Work = Callable[[Task], bytes]  # what a worker does with a chunk (its answer: empty bytes when it failed)
Context: TypeAlias = "multiprocessing.context.DefaultContext | multiprocessing.context.ForkContext"
Inbox: TypeAlias = "queue.SimpleQueue[tuple[_Worker, bytes | None]]"  # what workers send back (None: it ended)


def available_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _killed_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this process at once when its parent process ``parent`` ends
    (a parent-death signal); exit now if it has ended already."""
    if sys.platform.startswith("linux") and os.getppid() == parent:
        with contextlib.suppress(Exception):  # no libc to call: the caller may watch otherwise
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the signal was asked for
            os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Make this worker end when its parent process ``parent`` does, however the parent ends.

    On Linux the kernel kills it at once (a parent-death signal); everywhere, a thread
    waits for the parent's end and then ends the process.
    """
    _killed_with_parent(parent)
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
    """One worker process as the parent sees it: its pipes, and the chunk it was given and until when."""

    def __init__(self, context: Context, work: Work) -> None:
        """Start the process."""
        tasks, self.tasks = context.Pipe(duplex=False)
        self.results, answers = context.Pipe(duplex=False)
        self.process = context.Process(target=_work, args=(tasks, answers, work, os.getpid()), daemon=True)
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


def in_workers(
    root: str,
    left: dict[int, Sequence[str]],
    max_bytes: int,
    count: int,
    work: Work,
    deadline: Deadline,
    content: bool = False,
) -> Iterator[bytes]:
    """Do ``work`` on the chunks in ``left`` in ``count`` worker processes: yield each chunk's
    answer, and take the chunk out of ``left``. What they do not answer stays in ``left``.

    A worker that misses its chunk's ``deadline`` (given its paths) is killed, and one
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
                worker.give(start, (root, chunk, max_bytes, content), deadline(chunk))
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
                started.append(_Worker(context, work))
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
                del left[worker.start]
                give(worker)  # first, so that it works on while the caller uses this chunk
                yield answer
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


class Apart:
    """A piece of work done by a child process while this one goes on (see :func:`apart`)."""

    def __init__(self, pid: int, answers: int) -> None:
        """Prefer :func:`apart`: ``pid`` is the child's, ``answers`` the end of the pipe it answers on."""
        self._pid: int | None = pid
        self._answers = answers

    def answer(self) -> bytes | None:
        """What the work returned, once the child has ended; None when it failed or was ended."""
        parts: list[bytes] = []
        code = 1
        try:
            while self._pid is not None and (part := os.read(self._answers, 1 << 20)):
                parts.append(part)
            if self._pid is not None:
                code = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
                self._pid = None
        except OSError:  # the pipe or the child is gone: no answer
            pass
        finally:
            self.close()
        return b"".join(parts) if code == 0 else None

    def close(self) -> None:
        """End the child (at once, its work unfinished, when it is still at work) and free its pipe."""
        if self._pid is not None:
            with contextlib.suppress(OSError):  # it ended already: it is only reaped
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = None
        with contextlib.suppress(OSError):
            os.close(self._answers)


def apart(work: Callable[[], bytes]) -> Apart | None:
    """Start ``work`` in a forked child process, its answer to be collected with :meth:`Apart.answer`;
    None where that does not pay or is not safe: one CPU, another platform than Linux, other threads running.

    The child ends with its parent however the parent ends, and at once on Ctrl-C; the parent
    must :meth:`Apart.close` it when it does not collect the answer.
    """
    import threading

    if not sys.platform.startswith("linux") or available_cpus() < 2 or threading.active_count() > 1:
        return None
    parent, (answers, given) = os.getpid(), os.pipe()
    try:
        with _ctrl_c_held():
            pid = os.fork()
            if pid == 0:
                _answer(work, answers, given, parent)
    except OSError:
        os.close(answers)
        return None
    finally:
        os.close(given)
    return Apart(pid, answers)


def _answer(work: Callable[[], bytes], answers: int, given: int, parent: int) -> NoReturn:
    """The child of process ``parent`` (:func:`apart`): do ``work``, write its answer to ``given``, exit (1: failed)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it at once (it is held until now)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        os.close(answers)
        _killed_with_parent(parent)  # forked on Linux alone; exits if the parent has ended already
        data = memoryview(work())
        while data:
            data = data[os.write(given, data) :]
        code = 0
    finally:
        os._exit(code)


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
