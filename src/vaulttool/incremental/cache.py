"""The cache between runs: parsed notes, link resolutions and the last result, outside the vault.

One folder per vault (named by a digest of the vault's real path, or with content stamps
of where it sits in its work tree) under the platform's cache folder. Every file in it
is written whole (temporary file, then ``os.replace``), so concurrent runs never see
half a file:

* ``notes-*.bin``: packs of parsed notes, each entry a note's path, the stamp (size,
  mtime and ctime, or size and content digest: :mod:`vaulttool.files.stamps`) of its file when
  it was read, and its record and findings (marshalled on their own). An index (path,
  stamp, offset, length, CRC-32 of each entry) comes first, so a run that needs a few
  notes reads just those. A pack is stored as the worker that parsed it packed it; a run
  that changes a few notes writes a small pack for them and rewrites only the packs that
  held their old entries.
* ``resolved.bin``: what each note's links resolved to, valid while the vault holds the
  same files (names, not contents).
* ``state.bin``: what the last check leaves for the next (:mod:`vaulttool.incremental.recheck`): its
  diagnostics by file, the stamp of every note, under a key made of the tool version and
  code and the options (see :meth:`vaulttool.engine.lint.Options.fingerprint`).
* ``output.bin``: the last report as the command line printed it (text or JSON), under a
  key of the same kind made from the settings files themselves
  (:func:`vaulttool.model.config.settings_digest`), so a re-run of an unchanged vault prints it
  again without loading the schemas or building a single diagnostic.
* ``vault.txt``: the real path of the vault, for ``vaulttool cache``.

The first write of a run prunes the other vaults' folders (:func:`prune`): those of
vaults not checked for :data:`MAX_AGE_DAYS` days, then the least recently checked ones
while the whole cache is larger than :data:`MAX_BYTES`.

No key holds a path on this machine, a file time or more of the Python version than its
minor version: with content stamps, whose folder is named by where the vault sits in its
git work tree (else by its folder's name), a cache carried to another checkout or
machine (CI restoring it) stays valid there.

Files are ``marshal`` data behind a magic line and a CRC-32: ``marshal`` reads and writes
plain data several times faster than JSON and, unlike pickle, never runs code while
loading; the checksum keeps truncated or corrupt files away from it. A file that does
not check out, or holds something unexpected, is ignored and replaced: the cache can
make a run faster, never make it fail. Writing is best effort for the same reason.
Only a regular file of a sane size is read, never through a symlink and never waiting on
a FIFO (:func:`open_file`): anything else in a file's place counts as missing. A run
killed while writing leaves a temporary file named after its process id; the next run
removes it once that process is gone (:mod:`vaulttool.files.tempfiles`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import marshal
import os
import re
import shutil
import stat
import sys
import time
import zlib
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TypeAlias

from vaulttool import __version__
from vaulttool.files.stamps import Stamp, read_stamps, stat_stamp
from vaulttool.files.tempfiles import remove_stale
from vaulttool.model.vault import WalkResult, is_inside

if TYPE_CHECKING:  # for annotations only: a re-run answered from the cache never imports the parser
    from vaulttool.engine.notecheck import Findings
    from vaulttool.incremental.pool import Entry, Stored
    from vaulttool.incremental.records import NoteRecord

FORMAT = 2
_MAGIC = b"vaulttool cache\n"
_PACK_MAGIC = b"vaulttool pack\n"
_OUTPUT_MAGIC = b"vaulttool output\n"
_STATE_MAGIC = b"vaulttool state\n"
_SLICE = 4096  # entries of a mapping marshalled at a time when a state is written
_CRC_BYTES = 4
_PACK_PREFIX, _PACK_SUFFIX = "notes-", ".bin"
# A file changed twice within one tick of the file system clock can keep its size and
# mtime; what was read that close to the run is not trusted to a later one (git's
# "racy" rule). Two seconds covers the coarsest clocks (FAT).
RACY_NS = 2_000_000_000
# Runs that change a few notes each leave small packs behind; past this many, one run
# merges them.
_SMALL_PACK, _MAX_SMALL_PACKS = 64, 16

# Housekeeping: a vault's folder goes when the vault was not checked for this long, and the
# least recently checked ones go while the cache is larger than this.
MAX_AGE_DAYS = 30
MAX_BYTES = 1 << 30
_VAULT_FILE = "vault.txt"
_ENTRY_NAME = re.compile(r"[0-9a-f]{32}")  # only folders named like this are ever removed
_TEMP_NAME = re.compile(r"\..+\.(\d+)\.\d+\.tmp")  # a file being written: .NAME.PID.NANOSECONDS.tmp

# Only a regular file of at most this size is read from the cache (the largest a 50,000-note
# vault's cache holds is about 170 MB); it is opened without following a symlink or waiting
# on a FIFO. Anything else in its place is as good as absent.
MAX_FILE_BYTES = 1 << 31
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

Pack: TypeAlias = "tuple[int, set[str] | None]"  # live entries in the pack, and their paths (None: all live)


class Output(NamedTuple):
    """What the cache keeps with a printed report's text."""

    key: str  # the settings and the stamp of every file ("": files changed too recently to trust)
    settings: str  # the settings alone
    errors: int
    warnings: int
    spans: dict[str, tuple[int, int]]  # where each file's diagnostics sit in the text
    state: str  # the id of the checked state it was printed from ("": none)


def default_cache_dir() -> Path:
    """The platform's cache folder for vaulttool (``~/.cache/vaulttool`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vaulttool", appauthor=False))


@lru_cache(maxsize=1)
def code_stamp() -> bytes:
    """A digest of the name and bytes of every module of vaulttool: a changed module invalidates
    the cache (bytes, not file times: an installation on another machine or run has new times)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=32)
    for folder in (package, *(p for p in package.iterdir() if p.is_dir() and p.name != "__pycache__")):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                with open(entry.path, "rb") as module:
                    data = module.read()
                name = f"{folder.name}/{entry.name}:{len(data)}:".encode()
                digest.update(len(name).to_bytes(8, "little") + name + data)
    return digest.digest()


class CacheEntry(NamedTuple):
    """One vault's folder in the cache."""

    folder: Path
    vault: str | None  # the vault's real path (None: not recorded)
    size: int  # bytes
    used: float  # when a check last wrote or read it (seconds since the epoch)


def open_file(path: Path) -> tuple[BinaryIO, int]:
    """The cache file ``path`` open for reading, and its size; raises :class:`OSError` unless it is
    a regular file (a symlink is not followed) of at most :data:`MAX_FILE_BYTES`."""
    fd = os.open(path, _READ_FLAGS | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            raise OSError(errno.EINVAL, "not a regular file of a cache's size", os.fspath(path))
        return open(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def read_file(path: Path) -> bytes:
    """The bytes of the cache file ``path`` (see :func:`open_file`), no more than its size when opened."""
    handle, size = open_file(path)
    with handle:
        return handle.read(size)


def cache_entries(base: Path) -> list[CacheEntry]:
    """The vault folders under ``base``, least recently used first (none when ``base`` does not exist)."""
    entries = []
    try:
        folders = [e for e in os.scandir(base) if _ENTRY_NAME.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    for folder in folders:
        size, used, vault = 0, 0.0, None
        with contextlib.suppress(OSError):
            for item in os.scandir(folder.path):
                if item.is_file(follow_symlinks=False):
                    st = item.stat(follow_symlinks=False)
                    size, used = size + st.st_size, max(used, st.st_mtime)
            vault = read_file(Path(folder.path, _VAULT_FILE)).decode("utf-8", "surrogateescape")
        entries.append(CacheEntry(Path(folder.path), vault, size, used))
    return sorted(entries, key=lambda entry: (entry.used, entry.folder.name))


def remove_entry(entry: CacheEntry) -> None:
    """Remove one vault's folder from the cache (what cannot be removed stays)."""
    shutil.rmtree(entry.folder, ignore_errors=True)


def prune(base: Path, keep: Path, now: float | None = None) -> list[CacheEntry]:
    """Remove the folders under ``base`` of vaults not used for :data:`MAX_AGE_DAYS` days, then the least
    recently used ones while all of them together exceed :data:`MAX_BYTES`; never ``keep``. Returns those removed.
    """
    limit = (time.time() if now is None else now) - MAX_AGE_DAYS * 86400
    entries = cache_entries(base)
    total = sum(entry.size for entry in entries)
    removed = []
    for entry in entries:  # least recently used first
        if entry.folder == keep or (entry.used >= limit and total <= MAX_BYTES):
            continue
        remove_entry(entry)
        total -= entry.size
        removed.append(entry)
    return removed


def _sized(parts: Iterable[bytes]) -> Iterator[bytes]:
    """The bytes of a state file: magic, each part after its size, then a CRC-32 of all that followed the magic."""
    yield _STATE_MAGIC
    crc = 0
    for part in parts:
        size = len(part).to_bytes(_CRC_BYTES, "little")
        crc = zlib.crc32(part, zlib.crc32(size, crc))
        yield size
        yield part
    yield crc.to_bytes(_CRC_BYTES, "little")


def _parts(data: memoryview) -> Iterator[memoryview]:
    """The parts of a state file's body (see :func:`_sized`)."""
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at : at + _CRC_BYTES], "little")
        yield data[at + _CRC_BYTES : at + _CRC_BYTES + size]
        at += _CRC_BYTES + size


def _framed(header: bytes, parts: Iterable[str]) -> Iterator[bytes]:
    """The bytes of an output file: magic, header size, header, text, then a CRC-32 of header and text."""
    yield _OUTPUT_MAGIC + len(header).to_bytes(_CRC_BYTES, "little")
    crc = zlib.crc32(header)
    yield header
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        crc = zlib.crc32(data, crc)
        yield data
    yield crc.to_bytes(_CRC_BYTES, "little")


def _wanted(paths: set[str], wanted: Container[str] | None) -> list[str]:
    """Those of ``paths`` that are ``wanted`` (all: None)."""
    return [path for path in paths if wanted is None or path in wanted]


def fingerprint(*parts: bytes) -> str:
    """A digest of the tool version, its code, the Python implementation and minor version,
    the ``marshal`` format and ``parts``: what cached data depends on, and nothing tied to
    this machine (a Python patch release changes neither)."""
    digest = hashlib.sha256()
    header = f"{FORMAT}\0{__version__}\0{sys.implementation.cache_tag}\0{marshal.version}\0".encode()
    for part in (header, code_stamp(), *parts):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


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


def portable_location(root: str) -> str:
    """Where the vault at ``root`` sits, in terms that hold in every checkout of it: its path
    below the top of its git work tree (with that folder's name), else its own folder's name."""
    real = os.path.realpath(root)
    folder = real
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return os.path.join(os.path.basename(folder), os.path.relpath(real, folder)).replace(os.sep, "/")
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.basename(real)
        folder = parent


class VaultCache:
    """The cache entries of one vault, for one run (file stamps are taken once)."""

    def __init__(self, base: Path, root: Path, content: bool = False) -> None:
        """Use ``base/<digest of root's real path>``, or with ``content`` stamps
        ``base/<digest of its portable location>``; nothing is created until something is saved.

        Temporary files that runs killed while writing left in it are removed.
        """
        self.root = os.fspath(root)
        self.content = content
        real = os.path.realpath(root)
        self.base = Path(base)
        self.real = real
        where = b"content\0" + os.fsencode(portable_location(real)) if content else os.fsencode(real)
        self.folder = self.base / hashlib.sha256(where).hexdigest()[:32]
        self._written = False  # whether this run wrote to the cache yet (the first write prunes)
        self.started_ns = time.time_ns()
        self._moved = False  # content stamps: a note read for parsing differed from its stamp
        self._stamps: dict[str, Stamp] | None = None
        self._stamped: tuple[str, ...] = ()
        self._files: tuple[WalkResult, str] | None = None
        self._packs: dict[str, Pack] = {}  # pack file name: loaded pack
        self._leftovers: list[Stored] = []  # entries to store that are not in a pack of their own
        remove_stale(self.folder, _TEMP_NAME)

    @classmethod
    def outside(cls, base: Path, root: Path, content: bool = False) -> VaultCache | None:
        """A cache under ``base``, or None when ``base`` lies inside the vault (check never writes there)."""
        if is_inside(os.path.realpath(base), os.path.realpath(root)):
            return None
        return cls(base, root, content)

    def stamps(self, notes: tuple[str, ...]) -> dict[str, Stamp]:
        """The stamp of every note that can be stat'ed (or read, for content stamps), taken on first use."""
        if self._stamps is None or self._stamped != notes:
            self._stamps, self._stamped = stamp_files(self.root, notes, self.content), notes
        return self._stamps

    def settled(self, stamp: Stamp | None) -> bool:
        """Whether a file with ``stamp`` changed long enough before this run to be cached safely
        (a content stamp always is: it names the bytes, not a moment)."""
        if stamp is None:
            return False
        if len(stamp) == 2:
            return True
        _, mtime, ctime = stamp
        limit = self.started_ns - RACY_NS
        return mtime < limit and ctime < limit

    def all_settled(self) -> bool:
        """Whether every note was stamped and is settled, so a whole result may be stored."""
        stamps = self._stamps
        if stamps is None or self._moved or len(stamps) != len(self._stamped):
            return False
        return all(map(self.settled, stamps.values()))

    def _note_read(self, entries: list[Entry]) -> None:
        """Content stamps: a note whose bytes changed between its stamp and its reading keeps the
        stamp of what was read, and the run's result is not stored whole."""
        stamps = self._stamps
        if not self.content or stamps is None:
            return
        for path, stamp, _, _ in entries:
            if path in stamps and stamps[path] != stamp:
                self._moved = True
                if stamp is None:
                    del stamps[path]
                else:
                    stamps[path] = stamp

    def files_key(self, walked: WalkResult) -> str:
        """A digest of which files the vault holds: what link resolution depends on (worked out once per walk)."""
        if self._files is None or self._files[0] is not walked:
            names = "\0".join((*walked.notes, "", *walked.attachments))
            self._files = walked, fingerprint(b"files", names.encode("utf-8", "surrogatepass"))
        return self._files[1]

    def result_key(self, options: str, walked: WalkResult) -> str:
        """The key of a whole result: ``options`` (a fingerprint) and the stamp of every file found."""
        stamps = self.stamps(walked.notes)
        problems = [(problem.path, problem.message) for problem in walked.problems]
        files = (walked.notes, list(map(stamps.get, walked.notes)), walked.attachments, problems)
        return hashlib.sha256(options.encode() + marshal.dumps(files)).hexdigest()

    def _read(self, name: str) -> Any:
        """The value in file ``name``; raises when it is missing, damaged or foreign."""
        data = read_file(self.folder / name)
        head = len(_MAGIC)
        payload = memoryview(data)[head + _CRC_BYTES :]  # not a copy: files can be tens of megabytes
        if data[:head] != _MAGIC or zlib.crc32(payload) != int.from_bytes(data[head : head + _CRC_BYTES], "little"):
            raise ValueError(f"not a vaulttool cache file: {name}")
        return marshal.loads(payload)

    def _load(self, name: str) -> Any:
        try:
            return self._read(name)
        except Exception:  # unreadable, foreign or damaged: as good as absent
            return None

    def _write(self, name: str, payload: bytes) -> None:
        self._write_parts(name, [_MAGIC + zlib.crc32(payload).to_bytes(_CRC_BYTES, "little"), payload])

    def _write_parts(self, name: str, parts: Iterable[bytes | memoryview]) -> None:
        """Write file ``name`` whole: ``parts`` to a temporary file, then renamed over it."""
        target = self.folder / name
        temp = self.folder / f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            if not self._written:
                self._written = True
                self._first_write()
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temp, "xb") as out:
                out.writelines(parts)
            os.replace(temp, target)
        except BaseException as exc:  # Ctrl-C included: no temporary file is left behind
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            if not isinstance(exc, (OSError, ValueError)):  # ValueError: a value marshal cannot store
                raise

    def _first_write(self) -> None:
        """Before a run's first write: prune other vaults' folders, then create this one and record the vault."""
        prune(self.base, self.folder)
        self._write_parts(_VAULT_FILE, [self.real.encode("utf-8", "surrogateescape")])

    def _save(self, name: str, value: Any) -> None:
        with contextlib.suppress(ValueError):  # a value marshal cannot store: not cached
            self._write(name, marshal.dumps(value))

    def _remove(self, name: str) -> None:
        with contextlib.suppress(OSError):
            (self.folder / name).unlink()

    def load_state(self, key: str) -> tuple[Any, ...] | None:
        """The state of the last check stored under ``key`` (see :mod:`vaulttool.incremental.recheck`), or None."""
        try:
            data = memoryview(read_file(self.folder / "state.bin"))
            start = len(_STATE_MAGIC)
            if data[:start] != _STATE_MAGIC or zlib.crc32(data[start:-_CRC_BYTES]) != int.from_bytes(
                data[-_CRC_BYTES:], "little"
            ):
                return None
            parts = _parts(data[start:-_CRC_BYTES])
            stored, layout = marshal.loads(next(parts))
            if stored != key:
                return None
            fields: list[Any] = []
            for slices in layout:
                if slices:
                    fields.append({k: v for _ in range(slices) for k, v in marshal.loads(next(parts))})
                else:
                    fields.append(marshal.loads(next(parts)))
        except Exception:  # missing, damaged or foreign: as good as absent
            return None
        return tuple(fields)

    def save_state(self, key: str, state: tuple[Any, ...]) -> None:
        """Store the state a check leaves for the next one, under ``key``.

        Field by field, and mappings in slices of a few thousand entries, so that writing a
        large vault's state never makes a copy of all of it (a CRC-32 of all parts ends the file).
        """
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

        self._write_parts("state.bin", _sized(parts()))

    def load_output(self) -> tuple[Output, str] | None:
        """The last printed report and its text (see :meth:`save_output`), or None."""
        try:
            data = memoryview(read_file(self.folder / "output.bin"))
            start = len(_OUTPUT_MAGIC) + _CRC_BYTES
            crc = int.from_bytes(data[-_CRC_BYTES:], "little")
            if data[: len(_OUTPUT_MAGIC)] != _OUTPUT_MAGIC or zlib.crc32(data[start:-_CRC_BYTES]) != crc:
                return None
            size = int.from_bytes(data[len(_OUTPUT_MAGIC) : start], "little")
            value = marshal.loads(data[start : start + size])
            text = str(data[start + size : -_CRC_BYTES], "utf-8", "surrogatepass")
        except Exception:  # missing, damaged or foreign: as good as absent
            return None
        with contextlib.suppress(OSError):  # a re-run served from here counts as a use (see :func:`prune`)
            os.utime(self.folder / "output.bin", follow_symlinks=False)
        kinds = (str, str, int, int, dict, str)
        if type(value) is not tuple or len(value) != len(kinds):
            return None
        if not all(type(item) is kind for item, kind in zip(value, kinds, strict=True)):
            return None
        return Output(*value), text

    def save_output(self, output: Output, parts: Iterable[str]) -> None:
        """Store a printed report (its ``parts`` in order): under which keys, and where each file's part is.

        The text is written part by part as UTF-8 after the marshalled ``output``; a CRC-32
        of both ends the file.
        """
        with contextlib.suppress(ValueError):  # a value marshal cannot store: not cached
            header = marshal.dumps(tuple(output))
            self._write_parts("output.bin", _framed(header, parts))

    def load_notes(
        self, key: str, stamps: Mapping[str, Stamp], wanted: Container[str] | None = None
    ) -> Iterator[tuple[str, NoteRecord, Findings | None]]:
        """The cached record and findings of every note (or every ``wanted`` one) whose file has
        the stamp in ``stamps``, stored under ``key``.

        Records come pack by pack, so the caller can build each note and let its record go;
        of a pack holding none of the ``wanted`` notes only the index is read.
        """
        self._packs = {}
        try:
            names = [n for n in os.listdir(self.folder) if n.startswith(_PACK_PREFIX) and n.endswith(_PACK_SUFFIX)]
        except OSError:
            return
        for name in names:
            try:
                index, found = self._read_pack(name, key, stamps, wanted)
            except Exception:  # missing (another run removed it), damaged or foreign: replace it
                self._packs[name] = (0, set())
                continue
            live = {entry[0] for entry in index if stamps.get(entry[0]) == entry[1]}
            read = {f[0] for f in found}
            live.difference_update(path for path in _wanted(live, wanted) if path not in read)
            self._packs[name] = (len(live), None if len(live) == len(index) else live)
            for path, _, inner in found:
                try:
                    record, findings = marshal.loads(inner)
                except Exception:  # damaged: the note is parsed again
                    continue
                if type(record) is tuple and record[:1] == (path,):
                    yield path, record, findings

    def _read_pack(
        self, name: str, key: str, stamps: Mapping[str, Stamp] | None, wanted: Container[str] | None = None
    ) -> tuple[list[tuple[Any, ...]], list[Stored]]:
        """A pack's index, and its entries whose stamp is in ``stamps`` (all: None) and that are ``wanted``.

        Raises when the pack is missing, damaged, foreign or stored under another key.
        """
        head = len(_PACK_MAGIC) + 2 * _CRC_BYTES
        pack, total = open_file(self.folder / name)
        with pack:
            start = pack.read(head)
            size = int.from_bytes(start[-_CRC_BYTES:], "little")
            if head + size > total:
                raise ValueError(f"not a vaulttool pack: {name}")
            header = pack.read(size)
            crc = int.from_bytes(start[len(_PACK_MAGIC) : len(_PACK_MAGIC) + _CRC_BYTES], "little")
            if start[: len(_PACK_MAGIC)] != _PACK_MAGIC or len(header) != size or zlib.crc32(header) != crc:
                raise ValueError(f"not a vaulttool pack: {name}")
            stored, index = marshal.loads(header)
            if stored != key:
                raise ValueError("written by another version or with other options")
            chosen = [
                entry
                for entry in index
                if (stamps is None or stamps.get(entry[0]) == entry[1]) and (wanted is None or entry[0] in wanted)
            ]
            if len(chosen) * 4 > len(index):  # most of it: read it whole
                data = memoryview(pack.read(total - head - size))
                blobs = [data[offset : offset + length] for _, _, offset, length, _ in chosen]
            else:
                blobs = []
                for _, _, offset, length, _ in chosen:
                    pack.seek(head + size + offset)
                    blobs.append(memoryview(pack.read(length)))
        found: list[Stored] = []
        for (path, stamp, _, length, crc), blob in zip(chosen, blobs, strict=True):
            if len(blob) == length and zlib.crc32(blob) == crc:
                found.append((path, stamp, blob))
        return index, found

    def add_notes(self, key: str, entries: list[Entry], blob: bytes | None) -> None:
        """Store a chunk just parsed (one item of ``parse_chunks``), in its own pack when it can."""
        from vaulttool.incremental.pool import pack

        self._note_read(entries)
        if blob is not None and all(self.settled(entry[1]) for entry in entries):
            self._write_pack(key, marshal.loads(blob))
        else:  # leave out files changed too recently to be trusted (and values marshal cannot store)
            self._leftovers.extend(marshal.loads(pack([e for e in entries if self.settled(e[1])])[0]))

    def save_notes(self, key: str) -> None:
        """Finish storing notes: entries set aside, and the valid entries of packs that went stale.

        A pack that is still wholly valid stays as it is; the valid entries of a pack that
        also held stale ones move to a new pack; many small packs are merged.
        """
        leftovers, self._leftovers = self._leftovers, []
        merge_small = sum(1 for count, _ in self._packs.values() if count < _SMALL_PACK) > _MAX_SMALL_PACKS
        for name, (count, live) in list(self._packs.items()):
            if live is not None or (merge_small and count < _SMALL_PACK):
                if count:
                    leftovers.extend(e for e in self._entries(name, key) if live is None or e[0] in live)
                self._remove(name)
                del self._packs[name]
        if leftovers:
            self._write_pack(key, leftovers)

    def _entries(self, name: str, key: str) -> list[Stored]:
        try:
            return self._read_pack(name, key, None)[1]
        except Exception:
            return []

    def _write_pack(self, key: str, stored: list[Stored]) -> None:
        """Write ``stored`` entries as a new pack: an index (path, stamp, offset, length, CRC-32) and the data."""
        index, offset = [], 0
        for path, stamp, inner in stored:
            index.append((path, stamp, offset, len(inner), zlib.crc32(inner)))
            offset += len(inner)
        with contextlib.suppress(ValueError):  # a value marshal cannot store: not cached
            header = marshal.dumps((key, index))
            head = _PACK_MAGIC + zlib.crc32(header).to_bytes(_CRC_BYTES, "little")
            parts = [head + len(header).to_bytes(_CRC_BYTES, "little"), header, *(inner for _, _, inner in stored)]
            self._write_parts(f"{_PACK_PREFIX}{os.urandom(12).hex()}{_PACK_SUFFIX}", parts)

    def load_resolved(self, files: str) -> dict[str, tuple[str | None, ...]]:
        """Stored link resolutions per note, when the vault held the same files (digest ``files``)."""
        value = self._load("resolved.bin")
        try:
            stored, resolved = value
            if stored == files and type(resolved) is dict:
                return resolved
        except (TypeError, ValueError):
            pass
        return {}

    def save_resolved(self, files: str, resolved: dict[str, tuple[str | None, ...]]) -> None:
        """Store each note's link resolutions for a vault holding the files of digest ``files``."""
        self._save("resolved.bin", (files, resolved))
