"""Child processes of a run: the CPUs it may use, children that end with it, forks safe from Ctrl-C,
and one piece of work done apart.

:func:`apart` starts one child process that does one piece of work while the parent goes on
(:mod:`vaulttool.incremental.stamping`); the pool of worker processes that parse notes is
:mod:`vaulttool.incremental.workers`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def available_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def killed_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this process at once when its parent process ``parent`` ends
    (a parent-death signal); exit now if it has ended already."""
    if sys.platform.startswith("linux") and os.getppid() == parent:
        with contextlib.suppress(Exception):  # no libc to call: the caller may watch otherwise
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the signal was asked for
            os._exit(1)


@contextmanager
def ctrl_c_held() -> Iterator[None]:
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
        with ctrl_c_held():
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
        killed_with_parent(parent)  # forked on Linux alone; exits if the parent has ended already
        data = memoryview(work())
        while data:
            data = data[os.write(given, data) :]
        code = 0
    finally:
        os._exit(code)
