"""Taking the stamps of a run's notes (see :mod:`vaulttool.files.stamps`): here, or by a child process
while the run goes on.

Content stamps read and hash every note: on a large vault that is a good part of a re-run
after a fresh checkout. Threads cannot overlap it with the rest of the start of a run
(importing pydantic and building the schemas hold the GIL almost throughout), so a child
process takes them (:func:`stamps_apart`, on Linux with two CPUs or more) and the run
collects them when it needs them. File-time stamps (a ``stat`` of each note) are taken
the same way by a run that has no use for them before its options are built: one with
no printed report to answer from (:mod:`vaulttool.incremental.replay`).
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from functools import partial

from vaulttool.files.stamps import Stamp, read_stamps, stat_stamp
from vaulttool.incremental.children import Apart, apart

# From this many notes, content stamps are taken by a child process while the run goes on;
# below it the process costs about what it frees.
APART_MIN_NOTES = 2000


def stamp_files(root: str, paths: Sequence[str], content: bool = False) -> dict[str, Stamp]:
    """The stamp of each path that can be stat'ed, or read when ``content`` (symlinks followed, as reading does)."""
    if content:
        return read_stamps(root, paths)
    stamps: dict[str, Stamp] = {}
    join, stat = os.path.join, os.stat
    for path in paths:
        try:
            stamps[path] = stat_stamp(stat(join(root, path)))
        except OSError:
            continue
    return stamps


class StampsApart:
    """The stamps of ``notes`` being taken by a child process (see :func:`stamps_apart`)."""

    def __init__(self, notes: tuple[str, ...], child: Apart) -> None:
        """Prefer :func:`stamps_apart`."""
        self.notes = notes
        self._child = child

    def collect(self, notes: tuple[str, ...]) -> dict[str, Stamp] | None:
        """The stamps the child took, when it took those of ``notes`` (None: it did not, or failed);
        it has ended when this returns."""
        answer = self._child.answer() if notes == self.notes else None
        self._child.close()
        try:
            found = marshal.loads(answer) if answer is not None else None
        except (EOFError, ValueError, TypeError):
            return None
        return found if type(found) is dict else None

    def close(self) -> None:
        """End the child, at once when it is still at work."""
        self._child.close()


def stamps_apart(root: str, notes: tuple[str, ...], content: bool = True) -> StampsApart | None:
    """Start taking the content stamps (else the file-time stamps) of ``notes`` (relative to ``root``) in
    a child process; None when there are fewer than :data:`APART_MIN_NOTES` or no child process can be
    started (see :func:`~vaulttool.incremental.children.apart`): they are then taken when needed."""
    if len(notes) < APART_MIN_NOTES:
        return None
    child = apart(partial(_stamps_data if content else _times_data, root, notes))
    return None if child is None else StampsApart(notes, child)


def _stamps_data(root: str, paths: Sequence[str]) -> bytes:
    """The content stamps of ``paths`` (see :func:`~vaulttool.files.stamps.read_stamps`), marshalled;
    read by one thread (the run goes on on the other CPU)."""
    return marshal.dumps(read_stamps(root, paths, most=1))


def _times_data(root: str, paths: Sequence[str]) -> bytes:
    """The file-time stamps of ``paths`` (see :func:`stamp_files`), marshalled."""
    return marshal.dumps(stamp_files(root, paths))
