"""Parsed notes in the cache: packs of entries, which any number of runs read and one run at a time changes.

A pack (:mod:`vaulttool.incremental.packfiles`) is never changed under its name: it is
written whole under a new one, and removed when it is no longer wanted.

Runs read packs without waiting for anything. To store notes, a run takes the lock of
the folder (``notes.lock``) without waiting; a run that finds it taken stores none, which
costs only a later run the parsing of them. Holding the lock, a run lists the packs again
and works out from their indexes which entry of each note is live: stored under the
run's key, with the stamp the note's file has now, and the first such entry of that note
(largest packs first). It stores only notes no live entry holds; a chunk a worker parsed
becomes a pack as the worker wrote it, renamed to a pack's name (the worker never writes
under one: a file no run holding the lock adopts is removed), and the rest goes into packs at the end, with
the live entries of every pack that also held dead ones (or of many small packs), which
are then removed. These are written a few hundred entries at a time: a run after edits
all over a large vault never holds its stored notes in memory at once. So however many
runs share a cache, once one of them has stored its notes the folder holds one entry per
note, and a reader never misses a note the writer kept: what replaces a pack is written
before the pack is removed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.packfiles import (
    Index,
    Stored,
    Written,
    new_pack_name,
    pack_bytes,
    pack_names,
    read_index,
    read_pack,
)

if TYPE_CHECKING:
    from vaulttool.incremental.records import Findings, NoteRecord

LOCK_NAME = "notes.lock"
# Runs that change a few notes each leave small packs behind; past this many, one run
# merges them. A chunk of fewer new entries than this is not a pack of its own.
SMALL_PACK, MAX_SMALL_PACKS = 64, 16
FULL_PACK = 256  # entries moved out of packs being rewritten are written in packs of about this many

Writer = Callable[[str, Iterable[bytes | memoryview]], None]  # writes a file of the folder whole


def try_lock(path: Path) -> int | None:
    """A descriptor of the file ``path`` (created if need be, never through a symlink), locked for
    this holder alone until it is closed; None when another holder has it locked.

    Where files cannot be locked at all, it is open unlocked: storing stays possible,
    only no longer one run at a time.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError:
        return None
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):  # held by another run (PermissionError: on Windows)
        os.close(fd)
        return None
    except OSError:  # no locks on this file system
        pass
    return fd


class Packs:
    """The packs of one vault's cache folder, as one run reads them and stores its notes."""

    def __init__(self, folder: Path, write: Writer, prepare: Callable[[], bool]) -> None:
        """Packs in ``folder``, written whole by ``write``; ``prepare`` makes the folder (False: it cannot)."""
        self.folder = folder
        self._write, self._prepare = write, prepare
        self._damaged: set[str] = set()  # packs holding an entry that did not check out
        self._lock: int | None = None
        self._tried = False  # whether this run tried to take the lock
        self._live: dict[str, tuple[Stamp | None, str]] = {}  # locked: each stored note's live stamp and pack
        self._counts: dict[str, int] = {}  # locked: live entries of each pack found
        self._dead: set[str] = set()  # locked: packs holding more than live entries
        self._leftovers: list[Stored] = []  # entries to store in the pack written at the end

    def load(
        self, key: str, stamps: Mapping[str, Stamp], wanted: Container[str] | None = None
    ) -> Iterator[tuple[str, NoteRecord, Findings | None]]:
        """The record and findings of every note (or every ``wanted`` one) whose file has the stamp in
        ``stamps``, stored under ``key``, each note once; pack by pack, so the caller can let each go.

        Of a pack holding none of the ``wanted`` notes only the index is read.
        """
        seen: set[str] = set()

        def keep(path: str, stamp: Stamp | None) -> bool:
            return stamps.get(path) == stamp and (wanted is None or path in wanted) and path not in seen

        for name in pack_names(self.folder):
            try:
                index, found = read_pack(self.folder / name, key, keep)
            except Exception:  # gone (another run removed it), damaged, foreign: its notes are parsed
                continue
            if len(found) < sum(1 for entry in index if keep(entry[0], entry[1])):
                self._damaged.add(name)
            for path, _, inner in found:
                try:
                    record, findings = marshal.loads(inner)
                except Exception:  # damaged: the note is parsed again
                    self._damaged.add(name)
                    continue
                if type(record) is tuple and record[:1] == (path,):
                    seen.add(path)
                    yield path, record, findings

    def add(self, key: str, stored: list[Stored], stamps: Mapping[str, Stamp]) -> None:
        """Store those of the ``stored`` entries (one chunk, as parsed) that no live entry holds yet:
        as a pack of their own when they are the whole chunk and not few, else at the end.

        Nothing is stored while another run holds the lock.
        """
        if not self._locked(key, stamps):
            return
        new = [entry for entry in stored if self._new(entry[0], entry[1])]
        if len(new) == len(stored) and len(new) >= SMALL_PACK:
            name = self._write_pack(key, new)
            if name:
                self._live.update((path, (stamp, name)) for path, stamp, _ in new)
                return
        self._set_aside(new)

    def adopt(self, key: str, written: Written, stamps: Mapping[str, Stamp]) -> None:
        """Store the entries of the pack a worker process ``written`` (one chunk, as parsed) as
        :meth:`add` does: its file renamed to its pack name, or those of its entries that no live
        entry holds set aside for the end. The written file is gone when this returns.
        """
        folder, temp = self.folder, self.folder / written.temp
        try:
            if not self._locked(key, stamps):
                return
            new = {path for path, stamp in written.entries if self._new(path, stamp)}
            if len(new) == len(written.entries) and len(new) >= SMALL_PACK:
                with contextlib.suppress(OSError):  # else set aside, as if it could not be written
                    os.replace(temp, folder / written.name)
                    self._live.update((path, (stamp, written.name)) for path, stamp in written.entries)
                    return
            if new:
                with contextlib.suppress(Exception):  # gone or damaged: these notes are parsed next time
                    self._set_aside(read_pack(temp, key, lambda path, _: path in new)[1])
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)

    def _new(self, path: str, stamp: Stamp | None) -> bool:
        """Whether no live entry holds the note ``path`` with ``stamp``."""
        live = self._live.get(path)
        return live is None or live[0] != stamp

    def _set_aside(self, new: list[Stored]) -> None:
        """Keep the ``new`` entries for the packs written at the end."""
        self._leftovers.extend(new)
        self._live.update((path, (stamp, "")) for path, stamp, _ in new)

    def save(self, key: str, stamps: Mapping[str, Stamp]) -> None:
        """Finish storing notes: the entries set aside and the live entries of packs that also hold
        dead ones (or of small packs, when there are many) go into new packs; those packs go.

        Then the lock is let go.
        """
        try:
            if not self._locked(key, stamps):
                return
            counts = self._counts
            merge = sum(1 for count in counts.values() if count < SMALL_PACK) > MAX_SMALL_PACKS
            going = [name for name, count in counts.items() if name in self._dead or (merge and count < SMALL_PACK)]
            leftovers, self._leftovers = self._leftovers, []
            kept = True
            for name in going:
                if counts[name]:
                    with contextlib.suppress(Exception):  # gone or damaged: its notes are parsed next time
                        leftovers += read_pack(self.folder / name, key, self._lives_in(name))[1]
                if len(leftovers) >= FULL_PACK:  # written as they come: never all of a vault's notes at once
                    kept = bool(self._write_pack(key, leftovers)) and kept
                    leftovers = []
            if leftovers:
                kept = bool(self._write_pack(key, leftovers)) and kept
            for name in going if kept else [name for name in going if not counts[name]]:
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / name)
        finally:
            self._unlock()

    def _lives_in(self, name: str) -> Callable[[str, Stamp | None], bool]:
        live = self._live
        return lambda path, stamp: live.get(path) == (stamp, name)

    def _locked(self, key: str, stamps: Mapping[str, Stamp]) -> bool:
        """Whether this run holds the lock: taken on first use, and then what the packs hold is worked out."""
        if not self._tried:
            self._tried = True
            if self._prepare():
                self._lock = try_lock(self.folder / LOCK_NAME)
            if self._lock is not None:
                self._survey(key, stamps)
        return self._lock is not None

    def _survey(self, key: str, stamps: Mapping[str, Stamp]) -> None:
        """Work out from the indexes which entry of each note is live, and which packs hold dead ones."""
        indexes: list[tuple[str, Index]] = []
        for name in pack_names(self.folder):
            try:
                stored, index, pack, _ = read_index(self.folder / name)
                pack.close()
            except Exception:  # damaged or foreign: removed
                stored, index = None, []
            if stored != key:
                self._dead.add(name)
                self._counts[name] = 0
            else:
                indexes.append((name, index))
        indexes.sort(key=lambda item: -len(item[1]))
        live = self._live
        for name, index in indexes:
            count = 0
            for entry in index:
                path, stamp = entry[0], entry[1]
                if path not in live and stamps.get(path) == stamp and stamp is not None:
                    live[path] = (stamp, name)
                    count += 1
            self._counts[name] = count
            if count < len(index) or name in self._damaged:
                self._dead.add(name)

    def _write_pack(self, key: str, stored: list[Stored]) -> str:
        """Write ``stored`` as a new pack; its name ("": not written)."""
        name = new_pack_name()
        try:
            self._write(name, pack_bytes(key, stored))
        except ValueError:  # a value marshal cannot store: not cached
            return ""
        return name if (self.folder / name).exists() else ""

    def _unlock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None
        self._tried = False
        self._live, self._counts, self._dead = {}, {}, set()
