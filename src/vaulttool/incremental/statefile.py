"""The state a check leaves for the next one, on disk: whole in ``state.bin``, and what re-checks
changed since in ``delta.bin``.

A state is written whole field by field, its mappings in slices of a few thousand entries,
so that writing a large vault's state never makes a copy of all of it. A re-check changes
a few entries of it (the stamps, diagnostics and links of the notes it checked again), so
it writes those alone to ``delta.bin``, with the id of the whole state they change, and
the next run reads them over that state. A delta holds every change since the whole
state was written, so a run writes one small file; once its entries are more than one in
:data:`DELTA_SHARE` of the state's, the state is written whole again.

Both files are written whole (temporary file, then renamed) and end with a CRC-32. A
delta made for another whole state than the one in ``state.bin`` (a concurrent run wrote
a whole state in between) is ignored: that state is complete, the check of that run.

A full check's state can be worked out and written by a child process while the run
prints its report (:meth:`StateFiles.save_apart`): on a 10,000-note vault that takes
the making and writing of the state, about a tenth of a second, off the end of the run.
"""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from vaulttool.incremental.cachefiles import CRC_BYTES, STATE_MAGIC, parts_of, read_file, sized
from vaulttool.incremental.children import Apart, apart

STATE_NAME, DELTA_NAME = "state.bin", "delta.bin"
DELTA_SHARE = 8  # a delta holds at most one entry in this many of the state's mappings
_SLICE = 4096  # entries of a mapping marshalled at a time when a state is written
_ABSENT = object()


class StateRead(NamedTuple):
    """A state as read: its fields, the id of the whole state under them, and the keys of each
    mapping that the delta read over it changed (empty without a delta)."""

    fields: tuple[Any, ...]
    base: str
    changed: tuple[frozenset[Any], ...]


def _body(path: Path) -> Iterator[memoryview]:
    """The parts of the state or delta file ``path`` (see :func:`~vaulttool.incremental.cachefiles.sized`);
    raises when it is missing or damaged."""
    data = memoryview(read_file(path))
    start = len(STATE_MAGIC)
    if data[:start] != STATE_MAGIC or zlib.crc32(data[start:-CRC_BYTES]) != int.from_bytes(data[-CRC_BYTES:], "little"):
        raise ValueError(f"not a vaulttool state: {path.name}")
    return parts_of(data[start:-CRC_BYTES])


def read_state(folder: Path, key: str) -> StateRead | None:
    """The state in ``folder`` stored under ``key``, with its delta read over it; None when there is
    none, or it is damaged or foreign. Raises on a file that cannot be read."""
    parts = _body(folder / STATE_NAME)
    stored, layout = marshal.loads(next(parts))
    if stored != key:
        return None
    fields: list[Any] = []
    for slices in layout:
        if slices:
            fields.append({k: v for _ in range(slices) for k, v in marshal.loads(next(parts))})
        else:
            fields.append(marshal.loads(next(parts)))
    base = fields[0]
    delta = _delta(folder, key, base, len(fields))
    if delta is None:
        changed: tuple[frozenset[Any], ...] = tuple(frozenset() for _ in fields)
    else:
        changed = tuple(_apply(fields, i, item) for i, item in enumerate(delta))  # before the fields are taken
    return StateRead(tuple(fields), base, changed)


def _delta(folder: Path, key: str, base: str, count: int) -> tuple[Any, ...] | None:
    """The delta in ``folder`` made under ``key`` over the whole state ``base``, one item for each of its
    ``count`` fields; None when it is missing, damaged or made over another state (the whole state stands)."""
    try:
        stored, since, delta = marshal.loads(next(_body(folder / DELTA_NAME)))
    except (OSError, ValueError, EOFError, TypeError, StopIteration):
        return None
    if stored != key or since != base or type(delta) is not tuple or len(delta) != count:
        return None
    return delta


def _apply(fields: list[Any], i: int, item: Any) -> frozenset[Any]:
    """Read the delta ``item`` of field ``i`` over ``fields``; the keys it changed."""
    if type(fields[i]) is not dict:
        fields[i] = item
        return frozenset()
    updates, removed = item
    fields[i].update(updates)
    for name in removed:
        fields[i].pop(name, None)
    return frozenset((*updates, *removed))


def state_parts(key: str, state: tuple[Any, ...]) -> Iterator[bytes]:
    """The bytes of ``state`` written whole under ``key``."""
    layout = tuple((-(-len(field) // _SLICE) or 1) if type(field) is dict else 0 for field in state)

    def parts() -> Iterator[bytes]:
        yield marshal.dumps((key, layout))
        for field, slices in zip(state, layout, strict=True):
            if not slices:
                yield marshal.dumps(field)
                continue
            items = iter(field.items())
            for _ in range(slices):
                yield marshal.dumps(list(islice(items, _SLICE)))

    return sized(parts())


def delta_parts(key: str, state: tuple[Any, ...], since: StateRead) -> Iterator[bytes] | None:
    """The bytes of the delta that makes ``state`` of the whole state under ``since`` (the state it was
    worked out from, as read), under ``key``; None when ``state`` is better written whole."""
    delta: list[Any] = []
    entries = size = 0
    for field, old, changed in zip(state, since.fields, since.changed, strict=True):
        if type(field) is not dict or type(old) is not dict:
            delta.append(field)
            continue
        names = set(changed)
        names.update(k for k, v in field.items() if (was := old.get(k, _ABSENT)) is not v and was != v)
        names.update(k for k in old if k not in field)
        delta.append(({k: field[k] for k in names if k in field}, tuple(k for k in names if k not in field)))
        entries, size = entries + len(names), size + len(field)
    if entries * DELTA_SHARE > size:
        return None
    return sized([marshal.dumps((key, since.base, tuple(delta)))])


class StateFiles:
    """The state files of one cache folder, for one run: the state read last, and a child process
    writing one (see :meth:`save_apart`)."""

    def __init__(
        self, folder: Path, write: Callable[[str, Iterable[bytes]], None], remove: Callable[[str], None]
    ) -> None:
        """The files in ``folder``, written whole with ``write`` and removed with ``remove`` (the cache's)."""
        self.folder = folder
        self._write, self._remove = write, remove
        self._read: StateRead | None = None  # the state read last (its id alone), with what its delta changed
        self._writing: Apart | None = None  # a child process writing a state
        self._made: object = None  # what it works that state out from

    def load(self, key: str) -> tuple[Any, ...] | None:
        """The state of the last check stored under ``key``, its delta read over it, or None."""
        try:
            read = read_state(self.folder, key)
        except Exception:  # missing, damaged or foreign: as good as absent
            return None
        if read is None:
            return None
        self._read = read._replace(fields=read.fields[:1])  # the id: what a delta can be made against
        return read.fields

    def save(self, key: str, state: tuple[Any, ...], since: tuple[Any, ...] | None = None) -> None:
        """Store the state a check leaves for the next one, under ``key``: as a delta of the state read
        by :meth:`load` when it was worked out from that one (``since``) and changes little of it."""
        read = self._read
        if since is not None and read is not None and since[:1] == read.fields:
            delta = delta_parts(key, state, read._replace(fields=since))
            if delta is not None:
                self._write(DELTA_NAME, delta)
                return
        self._write(STATE_NAME, state_parts(key, state))
        self._remove(DELTA_NAME)

    def save_apart(self, key: str, made: Callable[[], tuple[Any, ...]]) -> bool:
        """:meth:`save` the state ``made`` works out, by a child process while the run goes on; whether
        one started (see :func:`~vaulttool.incremental.children.apart`). :meth:`wait` waits for it.

        ``made``, and what it reads, are kept here: freed while the child runs, every page they
        share with it would be copied.
        """

        def write() -> bytes:
            self.save(key, made())
            return b""

        self._writing = apart(write)
        self._made = made if self._writing is not None else None  # not started: the caller lets it go
        return self._writing is not None

    def wait(self) -> None:
        """Wait for the child process :meth:`save_apart` started, if any, to end."""
        if self._writing is not None:
            self._writing.answer()  # written or not: writing is best effort, as every write of the cache
            self._writing = None
