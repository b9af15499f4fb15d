"""Where a check with a cache gets its notes: the cache, then worker processes for the rest."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vaulttool.engine.load import SourcedNote
from vaulttool.engine.options import Options
from vaulttool.incremental.keys import fingerprint
from vaulttool.incremental.pool import Progress, parse_chunks
from vaulttool.incremental.records import Layouts, Linker, built, from_record, lean
from vaulttool.model.graph import LinkResolver, Targets
from vaulttool.model.vault import WalkResult

if TYPE_CHECKING:
    from vaulttool.engine.notecheck import NoteChecker
    from vaulttool.incremental.cache import VaultCache

# what a damaged cache entry raises when its note is built (the note is then parsed again)
DAMAGED = (TypeError, ValueError, LookupError, AttributeError)


def notes_key(options: Options, checked: tuple[str, ...] | None) -> str:
    """What cached notes depend on: the tool, the size cap, and for their findings the schemas and the
    per-note rules ``checked`` (None: the notes are stored without findings)."""
    size = str(options.max_file_size).encode()
    rules = b"\1" if checked is None else "\0".join(checked).encode()
    return fingerprint(b"notes", size, rules, *options.schema_parts())


class PoolSource:
    """Notes from the cache while their files keep their stamps; the others parsed, by worker
    processes when there are many (see :mod:`vaulttool.incremental.pool`), and cached.

    A :class:`~vaulttool.engine.load.NoteSource`. Without ``writes`` the cache is only read
    (a draft must never be cached as its file's content).
    """

    def __init__(
        self,
        root: Path,
        options: Options,
        cache: VaultCache | None = None,
        *,
        jobs: int = 0,
        progress: Progress | None = None,
        writes: bool = True,
        later: bool = False,
    ) -> None:
        """Notes of the vault at ``root`` read under ``options``, ``jobs`` processes (0: one per CPU);
        ``later``: what the links resolve to is cached by :meth:`store`, not as soon as it is known."""
        self.base = os.fspath(root)
        self.options = options
        self.cache = cache
        self.jobs = jobs
        self.progress = progress
        self.writes = cache if writes else None
        self._known: dict[str, Targets] = {}
        self._parsed: list[str] = []
        self._walked: WalkResult | None = None
        self.later = later
        self._targets: tuple[str, Mapping[str, Targets]] | None = None  # to cache (see store)

    def notes(
        self,
        walked: WalkResult,
        paths: Sequence[str],
        checker: NoteChecker | None,
        resolver: LinkResolver | None = None,
    ) -> Iterator[SourcedNote]:
        """Every note of ``paths``: cached ones first, then the others as they are parsed.

        With ``resolver``, notes parsed by forked workers come without their links, resolved
        there (see :class:`~vaulttool.incremental.records.Linker`).
        """
        base, cap, cache, writes = self.base, self.options.max_file_size, self.cache, self.writes
        self._walked = walked
        key = notes_key(self.options, checker.rule_ids if checker is not None else None)
        shared: dict[str, str] = {}  # one object for each text the diagnostics repeat
        layouts: Layouts = {}  # and for each layout of properties
        cached: set[str] = set()
        stamps = None
        if cache is not None:
            self._known = known = cache.load_resolved(cache.files_key(walked))
            stamps = cache.stamps(walked.notes)
            if len(paths) != len(walked.notes):  # the files of the other notes are not what is checked
                wanted = set(paths)
                stamps = {path: stamp for path, stamp in stamps.items() if path in wanted}
            for path, record, found in cache.load_notes(key, stamps):
                try:
                    note = from_record(record, base, stamps[path], cap, layouts)
                    findings = None if found is None else built(found, shared)
                except DAMAGED:  # a damaged entry: the note is parsed again
                    continue
                cached.add(path)
                yield path, note, findings, known.get(path), None
        self._parsed = missing = [path for path in paths if path not in cached]
        content = cache is not None and cache.content
        linker = None if resolver is None else Linker(resolver, (*walked.notes, *walked.attachments))
        writer = None if writes is None else writes.pack_writer(key)
        chunks = parse_chunks(
            base, missing, cap, self.jobs, self.progress, writer, checker, content, linker, stamps, len(cached)
        )
        for chunk in chunks:  # each note built and handed on while workers parse on
            for path, stamp, record, found in chunk.entries:
                note = from_record(record, base, stamp, cap, layouts)
                yield path, note, None if found is None else built(found, shared), None, None
            if linker is not None:
                for path, stamp, parsed, found, linked in chunk.parsed:
                    yield path, lean(parsed, base, stamp, cap, layouts), found, None, linked
                for path, stamp, record, found, links in chunk.lean:
                    note = from_record(record, base, stamp, cap, layouts, links=False)
                    yield path, note, None if found is None else built(found, shared), None, linker.parts(path, links)
            if writes is not None:
                writes.add_notes(key, chunk)
        if writes is not None:
            writes.save_notes(key)

    def resolved(self, targets: Mapping[str, Targets]) -> None:
        """Cache what the links resolve to (with ``later``, when :meth:`store` is called), unless the
        cache knew it all already."""
        writes, walked = self.writes, self._walked
        if writes is None or walked is None:
            return
        stamps = writes.stamps(walked.notes)
        # notes changed too recently to be cached are read again next time anyway
        if len(self._known) != len(targets) or any(writes.settled(stamps.get(path)) for path in self._parsed):
            self._targets = (writes.files_key(walked), targets)
            if not self.later:
                self.store()

    def store(self) -> None:
        """Cache what :meth:`resolved` kept back (see ``later``): nothing of the check reads it, so a
        check whose state a child process writes caches it once that child is started."""
        if self.writes is not None and self._targets is not None:
            self.writes.save_resolved(self._targets[0], dict(self._targets[1]))
        self._targets = None
