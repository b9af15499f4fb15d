"""The cache between runs: parsed notes, link resolutions and the last result, outside the vault.

One folder per vault (named by a digest of the vault's real path, or with content stamps
of where it sits in its work tree) under the platform's cache folder. Every file in it
is written whole (temporary file, then ``os.replace``), so concurrent runs never see
half a file:

* ``notes-*.bin``: packs of parsed notes, each entry a note's path, the stamp of its file
  when it was read, and its record and findings; ``notes.lock``, taken by the one run at a
  time that changes them (:mod:`vaulttool.incremental.packs`).
* ``resolved.bin``: what each note's links resolved to, valid while the vault holds the
  same files (names, not contents).
* ``state.bin``: what the last check leaves for the next (:mod:`vaulttool.incremental.recheck`): its
  diagnostics by file, the stamp of every note, under a key made of the tool version and
  code and the options (see :func:`vaulttool.incremental.check.state_key`); ``delta.bin``:
  what re-checks changed in it since (:mod:`vaulttool.incremental.statefile`).
* ``output.bin``: the last report as the command line printed it (text or JSON), under a
  key of the same kind made from the settings files themselves
  (:meth:`vaulttool.model.config.Settings.digest`), so a re-run of an unchanged vault prints it
  again without loading the schemas or building a single diagnostic.
* ``vault.txt``: the real path of the vault, for ``vaulttool cache``.

The first write of a run prunes the other vaults' folders
(:mod:`vaulttool.incremental.housekeeping`): those of vaults not checked for a month, then
the least recently checked ones while the whole cache is larger than 1 GiB.

No key holds a path on this machine, a file time or more of the Python version than its
minor version (:mod:`vaulttool.incremental.keys`): with content stamps, whose folder is
named by where the vault sits in its git work tree (else by its folder's name), a cache
carried to another checkout or machine (CI restoring it) stays valid there.

Files are ``marshal`` data behind a magic line and a CRC-32: ``marshal`` reads and writes
plain data several times faster than JSON and, unlike pickle, never runs code while
loading; the checksum keeps truncated or corrupt files away from it. A file that does
not check out, or holds something unexpected, is ignored and replaced: the cache can
make a run faster, never make it fail. Writing is best effort for the same reason.
Only a regular file of a sane size is read, never through a symlink and never waiting on
a FIFO (:mod:`vaulttool.incremental.cachefiles`): anything else in a file's place counts as missing. A run
killed while writing leaves a temporary file named after its process id; the next run
removes it once that process is gone (:mod:`vaulttool.files.tempfiles`).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import time
import zlib
from collections.abc import Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaulttool.files.stamps import Stamp
from vaulttool.files.tempfiles import remove_stale
from vaulttool.incremental.cachefiles import (
    CRC_BYTES,
    Output,
    framed,
    framed_header,
    output_of,
    read_file,
    unframed,
)
from vaulttool.incremental.housekeeping import VAULT_FILE, prune
from vaulttool.incremental.keys import fingerprint, portable_location
from vaulttool.incremental.packfiles import PackWriter, Stored
from vaulttool.incremental.packfiles import settled as settled_before
from vaulttool.incremental.packs import Packs
from vaulttool.incremental.stamping import StampsApart, stamp_files, stamps_apart
from vaulttool.incremental.statefile import StateFiles
from vaulttool.model.vault import WalkResult, is_inside

if TYPE_CHECKING:  # for annotations only: a re-run answered from the cache never imports the parser
    from vaulttool.incremental.pool import Chunk, Entry, LeanEntry, ParsedEntry
    from vaulttool.incremental.records import Findings, NoteRecord

_MAGIC = b"vaulttool cache\n"
# A file changed twice within one tick of the file system clock can keep its size and
# mtime; what was read that close to the run is not trusted to a later one (git's
# "racy" rule). Two seconds covers the coarsest clocks (FAT).
RACY_NS = 2_000_000_000

_TEMP_NAME = re.compile(r"\..+\.(\d+)\.\d+\.tmp")  # a file being written: .NAME.PID.NANOSECONDS.tmp


class VaultCache:
    """The cache entries of one vault, for one run (file stamps are taken once)."""

    def __init__(self, base: Path, root: Path, content: bool = False) -> None:
        """Use ``base/<digest of root's real path>``, or with ``content`` stamps
        ``base/<digest of its portable location>``; nothing is created until something is saved.

        Temporary files that runs killed while writing left in it are removed.
        """
        self.root = os.fspath(root)
        self.content = content
        self.real = real = os.path.realpath(root)
        self.base = Path(base)
        where = b"content\0" + os.fsencode(portable_location(real)) if content else os.fsencode(real)
        self.folder = self.base / hashlib.sha256(where).hexdigest()[:32]
        self._written = False  # whether this run wrote to the cache yet (the first write prunes)
        self.started_ns = time.time_ns()
        self._moved = False  # content stamps: a note read for parsing differed from its stamp
        self._stamps: dict[str, Stamp] | None = None
        self._stamped: tuple[str, ...] = ()
        self._apart: StampsApart | None = None  # stamps a child process is taking
        self._files: tuple[WalkResult, str] | None = None
        self._packs = Packs(self.folder, self._write_parts, self._ready)
        self.states = StateFiles(self.folder, self._write_parts, self._remove)
        remove_stale(self.folder, _TEMP_NAME)

    @classmethod
    def outside(cls, base: Path, root: Path, content: bool = False) -> VaultCache | None:
        """A cache under ``base``, or None when ``base`` lies inside the vault (check never writes there)."""
        if is_inside(os.path.realpath(base), os.path.realpath(root)):
            return None
        return cls(base, root, content)

    def stamps(self, notes: tuple[str, ...]) -> dict[str, Stamp]:
        """The stamp of every note that can be stat'ed (or read, for content stamps), taken on first use
        (or collected from the child process :meth:`stamp_apart` started)."""
        if self._stamps is None or self._stamped != notes:
            found = self._apart.collect(notes) if self._apart is not None else None
            self._apart = None
            self._stamps = stamp_files(self.root, notes, self.content) if found is None else found
            self._stamped = notes
        return self._stamps

    def restamp(self) -> None:
        """Take the stamps again when next asked for: this run has written notes since they were taken
        (a note checked again with its old stamp would be answered from the cache as it was)."""
        self.close()
        self._stamps, self._stamped, self._moved = None, (), False

    def stamp_apart(self, notes: tuple[str, ...], times: bool = False) -> bool:
        """Start taking the stamps of ``notes`` in a child process for :meth:`stamps` to collect, so that
        the run goes on meanwhile (see :mod:`vaulttool.incremental.stamping`); whether it started.

        Content stamps are always worth it (reading and hashing every note costs far more than
        a ``stat``); file-time stamps only with ``times``: for a run that builds its options
        before it needs them (tens of milliseconds of ``stat`` on a large vault, the options
        several times that). The caller must :meth:`close` the cache in the end.
        """
        if (self.content or times) and self._apart is None and self._stamps is None:
            self._apart = stamps_apart(self.root, notes, self.content)
        return self._apart is not None

    def close(self) -> None:
        """End what the run left unfinished: a child process still taking stamps (see :meth:`stamp_apart`),
        once one writing the state has ended (see :meth:`StateFiles.save_apart`)."""
        self.states.wait()
        if self._apart is not None:
            self._apart.close()
            self._apart = None

    def settled(self, stamp: Stamp | None) -> bool:
        """Whether a file with ``stamp`` changed long enough before this run to be cached safely
        (a content stamp always is: it names the bytes, not a moment)."""
        return settled_before(stamp, self.started_ns - RACY_NS)

    def all_settled(self) -> bool:
        """Whether every note was stamped and is settled, so a whole result may be stored."""
        stamps = self._stamps
        if stamps is None or self._moved or len(stamps) != len(self._stamped):
            return False
        return all(map(self.settled, stamps.values()))

    def _note_read(self, entries: Iterable[Entry | LeanEntry | ParsedEntry]) -> None:
        """Content stamps: a note whose bytes changed between its stamp and its reading keeps the
        stamp of what was read, and the run's result is not stored whole."""
        stamps = self._stamps
        if not self.content or stamps is None:
            return
        for path, stamp, *_ in entries:
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
        # marshal format 0: the same bytes for the same values (later formats mark the strings that are
        # interned and the objects that are referenced twice, which depend on how the values were made)
        return hashlib.sha256(options.encode() + marshal.dumps(files, 0)).hexdigest()

    def _read(self, name: str) -> Any:
        """The value in file ``name``; raises when it is missing, damaged or foreign."""
        data = read_file(self.folder / name)
        head = len(_MAGIC)
        payload = memoryview(data)[head + CRC_BYTES :]  # not a copy: files can be tens of megabytes
        if data[:head] != _MAGIC or zlib.crc32(payload) != int.from_bytes(data[head : head + CRC_BYTES], "little"):
            raise ValueError(f"not a vaulttool cache file: {name}")
        return marshal.loads(payload)

    def _load(self, name: str) -> Any:
        try:
            return self._read(name)
        except Exception:  # unreadable, foreign or damaged: as good as absent
            return None

    def _write(self, name: str, payload: bytes) -> None:
        self._write_parts(name, [_MAGIC + zlib.crc32(payload).to_bytes(CRC_BYTES, "little"), payload])

    def _write_parts(self, name: str, parts: Iterable[bytes | memoryview]) -> None:
        """Write file ``name`` whole: ``parts`` to a temporary file, then renamed over it."""
        target = self.folder / name
        temp = self.folder / f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            if not self._ready():
                return
            with open(temp, "xb") as out:
                out.writelines(parts)
            os.replace(temp, target)
        except BaseException as exc:  # Ctrl-C included: no temporary file is left behind
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            if not isinstance(exc, (OSError, ValueError)):  # ValueError: a value marshal cannot store
                raise

    def _ready(self) -> bool:
        """Make the folder, if need be, for this run's writes; whether it is there. The first time,
        prune other vaults' folders and record the vault."""
        if not self._written:
            self._written = True
            prune(self.base, self.folder)
            self._write_parts(VAULT_FILE, [self.real.encode("utf-8", "surrogateescape")])
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return True

    def _save(self, name: str, value: Any) -> None:
        with contextlib.suppress(ValueError):  # a value marshal cannot store: not cached
            self._write(name, marshal.dumps(value))

    def _remove(self, name: str) -> None:
        with contextlib.suppress(OSError):
            (self.folder / name).unlink()

    def load_state(self, key: str) -> tuple[Any, ...] | None:
        """The state of the last check stored under ``key`` (see :meth:`StateFiles.load`), or None."""
        return self.states.load(key)

    def save_state(self, key: str, state: tuple[Any, ...], since: tuple[Any, ...] | None = None) -> None:
        """Store the state a check leaves for the next one, under ``key`` (see :meth:`StateFiles.save`)."""
        self.states.save(key, state, since)

    def load_output(self) -> tuple[Output, str] | None:
        """The last printed report and its text (see :meth:`save_output`), or None."""
        try:
            header, text = unframed(self.folder / "output.bin")
        except Exception:  # missing, damaged or foreign: as good as absent
            return None
        output = output_of(header)
        if output is None:
            return None
        with contextlib.suppress(OSError):  # a re-run served from here counts as a use (see :func:`prune`)
            os.utime(self.folder / "output.bin", follow_symlinks=False)
        return output, text

    def output_header(self) -> Output | None:
        """What :meth:`save_output` kept with the last printed report, read without its text (tens of
        megabytes on a large vault) and unchecked: :meth:`load_output` checks what is used."""
        try:
            return output_of(framed_header(self.folder / "output.bin"))
        except Exception:  # missing, damaged or foreign: as good as absent
            return None

    def save_output(self, output: Output, parts: Iterable[str]) -> None:
        """Store a printed report (its ``parts`` in order): under which keys, and where each file's part is.

        The text is written part by part as UTF-8 after the marshalled ``output``; a CRC-32
        of both ends the file.
        """
        with contextlib.suppress(ValueError):  # a value marshal cannot store: not cached
            header = marshal.dumps(tuple(output))
            self._write_parts("output.bin", framed(header, parts))

    def load_notes(
        self, key: str, stamps: Mapping[str, Stamp], wanted: Container[str] | None = None
    ) -> Iterator[tuple[str, NoteRecord, Findings | None]]:
        """The cached record and findings of every note (or every ``wanted`` one) whose file has
        the stamp in ``stamps``, stored under ``key`` (see :meth:`Packs.load`)."""
        return self._packs.load(key, stamps, wanted)

    def pack_writer(self, key: str) -> PackWriter:
        """What a worker process needs to write the notes it parses, under ``key``, for :meth:`add_notes`
        (those of files changed too recently to trust left out)."""
        return PackWriter(os.fspath(self.folder), key, self.started_ns - RACY_NS, os.getpid())

    def add_notes(self, key: str, chunk: Chunk) -> None:
        """Store a chunk just parsed (one item of ``parse_chunks``), but no file changed too recently to
        trust: written by a worker (see :meth:`pack_writer`), or from its pack bytes or its entries."""
        from vaulttool.incremental.pool import pack

        self._note_read(chunk.entries)
        self._note_read(chunk.lean)
        self._note_read(chunk.parsed)
        if chunk.written is not None:
            self._packs.adopt(key, chunk.written, self._stamps or {})
            return
        stored: list[Stored] = marshal.loads(pack(chunk.entries)[0] if chunk.blob is None else chunk.blob)
        self._packs.add(key, [entry for entry in stored if self.settled(entry[1])], self._stamps or {})

    def save_notes(self, key: str) -> None:
        """Finish storing notes (see :meth:`Packs.save`)."""
        self._packs.save(key, self._stamps or {})

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
