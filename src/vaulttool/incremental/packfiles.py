"""A pack of parsed notes as a file: its layout, reading it, and a worker process writing one.

A pack, ``notes-<random>.bin``, holds entries, each a note's path, the stamp (size,
mtime and ctime, or size and content digest: :mod:`vaulttool.files.stamps`) of its file
when it was read, and its record and findings (marshalled on their own). An index (path,
stamp, offset, length, CRC-32 of each entry) comes first, so a run that needs a few notes
reads just those. Which packs a cache keeps, and who may change them, is
:mod:`vaulttool.incremental.packs`.

A worker process that parsed a chunk of notes writes them as a pack itself
(:class:`PackWriter`), under a temporary name holding the id of the run that stores them,
so that the notes need not travel to it: that run, holding the cache's lock, renames the
file to its pack name or takes from it the entries it stores otherwise, and removes it;
once its workers have ended it removes any such file of its own left (a worker killed
while writing, a run interrupted). A file a killed run left behind is removed by a later
one (:mod:`vaulttool.files.tempfiles`).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.cachefiles import CRC_BYTES, open_file

PACK_PREFIX, PACK_SUFFIX = "notes-", ".bin"
_MAGIC = b"vaulttool pack\n"

Index = list[tuple[Any, ...]]  # (path, stamp, offset, length, CRC-32) of each entry
Stored = tuple[str, "Stamp | None", "bytes | memoryview"]  # an entry as packs hold it: record and findings marshalled


class Written(NamedTuple):
    """A pack a worker process wrote: its temporary name, the name it is to have, and the path and
    stamp of each of its entries."""

    temp: str
    name: str
    entries: list[tuple[str, Stamp | None]]


def settled(stamp: Stamp | None, limit_ns: int) -> bool:
    """Whether a file with ``stamp`` may be cached: its mtime and ctime are before ``limit_ns`` (a
    content stamp always may be: it names the bytes, not a moment)."""
    if stamp is None:
        return False
    if len(stamp) == 2:
        return True
    _, mtime, ctime = stamp
    return mtime < limit_ns and ctime < limit_ns


def pack_names(folder: Path) -> list[str]:
    """The names of the packs in ``folder`` (none when it cannot be listed)."""
    try:
        return sorted(n for n in os.listdir(folder) if n.startswith(PACK_PREFIX) and n.endswith(PACK_SUFFIX))
    except OSError:
        return []


def new_pack_name() -> str:
    """A name for a new pack, which no other pack has."""
    return f"{PACK_PREFIX}{os.urandom(12).hex()}{PACK_SUFFIX}"


def read_index(path: Path) -> tuple[str, Index, BinaryIO, int]:
    """The key and index of the pack at ``path``, the pack open just after them, and its size.

    Raises when the pack is missing, damaged or foreign.
    """
    head = len(_MAGIC) + 2 * CRC_BYTES
    pack, total = open_file(path)
    try:
        start = pack.read(head)
        size = int.from_bytes(start[-CRC_BYTES:], "little")
        header = pack.read(size) if head + size <= total else b""
        crc = int.from_bytes(start[len(_MAGIC) : len(_MAGIC) + CRC_BYTES], "little")
        if start[: len(_MAGIC)] != _MAGIC or len(header) != size or zlib.crc32(header) != crc:
            raise ValueError(f"not a vaulttool pack: {path.name}")
        key, index = marshal.loads(header)
        return key, index, pack, total
    except BaseException:
        pack.close()
        raise


def read_pack(path: Path, key: str, keep: Callable[[str, Stamp | None], bool]) -> tuple[Index, list[Stored]]:
    """A pack's index, and those of its entries that ``keep`` (given path and stamp) and that check out.

    Raises when the pack is missing, damaged, foreign or stored under another key.
    """
    stored, index, pack, total = read_index(path)
    with pack:
        if stored != key:
            raise ValueError("written by another version or with other options")
        start = pack.tell()
        chosen = [entry for entry in index if keep(entry[0], entry[1])]
        if len(chosen) * 4 > len(index):  # most of it: read it whole
            data = memoryview(pack.read(total - start))
            blobs = [data[offset : offset + length] for _, _, offset, length, _ in chosen]
        else:
            blobs = []
            for _, _, offset, length, _ in chosen:
                pack.seek(start + offset)
                blobs.append(memoryview(pack.read(length)))
    found: list[Stored] = []
    for (path_, stamp, _, length, crc), blob in zip(chosen, blobs, strict=True):
        if len(blob) == length and zlib.crc32(blob) == crc:
            found.append((path_, stamp, blob))
    return index, found


def stored_notes(folder: Path) -> Iterator[tuple[str, Stamp | None]]:
    """The path and stamp of every entry of every pack in a vault's cache ``folder``, under any key."""
    for name in pack_names(folder):
        with contextlib.suppress(Exception):  # damaged or gone: holds nothing
            _, index, pack, _ = read_index(folder / name)
            pack.close()
            yield from ((entry[0], entry[1]) for entry in index)


def pack_bytes(key: str, stored: list[Stored]) -> list[bytes | memoryview]:
    """The parts of a pack holding ``stored`` entries: magic, CRC-32 and size of the header, header
    (key and index), then each entry's data. Raises ValueError for a value marshal cannot store."""
    index, offset = [], 0
    for path, stamp, inner in stored:
        index.append((path, stamp, offset, len(inner), zlib.crc32(inner)))
        offset += len(inner)
    header = marshal.dumps((key, index))
    head = _MAGIC + zlib.crc32(header).to_bytes(CRC_BYTES, "little") + len(header).to_bytes(CRC_BYTES, "little")
    return [head, header, *(inner for _, _, inner in stored)]


class PackWriter(NamedTuple):
    """What a worker process needs to write the notes it parsed as a pack of a cache's ``folder``
    under ``key``, those of them settled before ``limit_ns`` (see :func:`settled`), for the run of
    process id ``owner`` to store."""

    folder: str
    key: str
    limit_ns: int
    owner: int

    def write(self, stored: list[Stored]) -> Written | None:
        """Write the settled ones of ``stored`` to a new file of the folder under a temporary name
        holding this process's id; None when it cannot be written (nothing is left behind)."""
        kept = [entry for entry in stored if settled(entry[1], self.limit_ns)]
        name = new_pack_name()
        temp = f".{name}.{self.owner}.{time.monotonic_ns()}.tmp"
        path = os.path.join(self.folder, temp)
        try:
            os.makedirs(self.folder, exist_ok=True)
            with open(path, "xb") as out:
                out.writelines(pack_bytes(self.key, kept))
        except (OSError, ValueError):  # ValueError: a value marshal cannot store
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None
        return Written(temp, name, [(path_, stamp) for path_, stamp, _ in kept])

    def clean(self) -> None:
        """Remove the files written for the owner and left in the folder (called by the owner once
        its workers have ended: a file the run did not store is one it no longer will)."""
        mine = re.compile(rf"\.{re.escape(PACK_PREFIX)}[0-9a-f]+{re.escape(PACK_SUFFIX)}\.{self.owner}\.\d+\.tmp")
        with contextlib.suppress(OSError):
            for name in os.listdir(self.folder):
                if mine.fullmatch(name):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(self.folder, name))
