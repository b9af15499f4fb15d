"""Loading a vault: its files, every note parsed, every link resolved, the per-note rules run.

Where the notes come from is the caller's choice, a :class:`NoteSource`: read from their
files here (:class:`FileSource`), or taken from a cache and parsed by worker processes
(:mod:`vaulttool.incremental`). The rest is the same either way.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from types import ModuleType
from typing import Generic, Protocol, TypeVar, cast

from vaulttool.engine.notecheck import NoteChecker, NoteFindings, is_note_rule
from vaulttool.engine.options import Options
from vaulttool.model.graph import LinkParts, LinkResolver, ResolvedLink, Targets, link_parts
from vaulttool.model.linktable import edge_codes
from vaulttool.model.notes import read_note
from vaulttool.model.values import Note
from vaulttool.model.vault import VaultIndex, WalkResult, note_aliases, walk_vault
from vaulttool.rules.context import RuleContext, VaultContext

_RESOLVED = attrgetter("resolved")

Context = TypeVar("Context", bound=RuleContext)
# a note as a source gives it: its path, the note, what the per-note rules found in it (None:
# not run), what its links resolved to when it was last loaded (None: not known), and for a
# note given without its links, what they resolve to and their link parts (else None)
SourcedNote = tuple[str, Note, "NoteFindings | None", "Targets | None", "tuple[Targets, LinkParts] | None"]


class NoteSource(Protocol):
    """Where a check gets its notes from."""

    def notes(
        self,
        walked: WalkResult,
        paths: Sequence[str],
        checker: NoteChecker | None,
        resolver: LinkResolver | None = None,
    ) -> Iterable[SourcedNote]:
        """Every note of ``paths`` (the notes of ``walked``, or some of them), in any order, with what
        ``checker`` finds in it (when given).

        With ``resolver`` (the caller keeps no more of the links than their link parts), a
        note may come without its links, with what ``resolver`` resolves them to and
        :func:`~vaulttool.model.graph.link_parts` finds in them.
        """

    def resolved(self, targets: Mapping[str, Targets]) -> None:
        """Told, once every note is loaded, what the links of each note resolve to."""


@dataclass(frozen=True)
class FileSource:
    """Notes read from their files, one after another, in this process."""

    root: str
    max_bytes: int

    def notes(
        self,
        walked: WalkResult,
        paths: Sequence[str],
        checker: NoteChecker | None,
        resolver: LinkResolver | None = None,
    ) -> Iterator[SourcedNote]:
        """Read and parse each note of ``paths`` and run ``checker`` on it (every note with its links)."""
        for path in paths:
            note = read_note(self.root, path, self.max_bytes)
            yield path, note, None if checker is None else checker(note), None, None

    def resolved(self, targets: Mapping[str, Targets]) -> None:
        """Nothing is kept."""


@dataclass(frozen=True, eq=False)
class Loaded(Generic[Context]):
    """A loaded vault: the context its rules read, and what its per-note rules found while it was loaded.

    ``findings`` holds, for each note, what the per-note rules named in ``checked`` found in it
    (see :mod:`vaulttool.engine.notecheck`). ``codes``: the line and kind of each link of each
    note (:func:`vaulttool.model.linktable.edge_codes`), when asked for. ``anchored``: the notes
    each note links to with an anchor (a ``#heading`` or ``#^block``), sorted; worked out as the
    notes come in (in no particular order of notes), where the links are at hand.
    """

    context: Context
    findings: Mapping[str, NoteFindings]
    checked: tuple[str, ...]
    link_count: int
    codes: Mapping[str, array[int]] = dataclasses.field(default_factory=dict)
    anchored: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a vault's notes allocates millions of objects and frees almost none, so the
    cyclic collector would only rescan the growing heap again and again: pause it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(
    root: Path,
    options: Options,
    *,
    source: NoteSource | None = None,
    walked: WalkResult | None = None,
    rules: Iterable[ModuleType] = (),
    drafts: Mapping[str, Note] | None = None,
    keep_links: bool = True,
    codes: bool = False,
) -> Loaded[RuleContext]:
    """Walk, read, parse and resolve the whole vault once; run the per-note ones of ``rules`` on each note.

    Notes come from ``source`` (by default read from their files here). ``drafts``: notes of
    ``walked`` taken as given instead of from the source. With ``keep_links`` the context is
    a :class:`VaultContext`, every link of every note kept; without, each note keeps only its
    links that resolve to nothing or carry an anchor, and its headings and block ids only
    when an anchor points at it: most of a large vault's memory, and all that rules of
    narrower scopes read. With ``codes``, the line and kind of every link are kept compact
    (:attr:`Loaded.codes`), enough for a graph export (:class:`vaulttool.model.linktable.LinkTable`).
    """
    drafts = drafts or {}
    walked = walked or walk_vault(root, options.exclude)
    base = os.fspath(root)
    source = source or FileSource(base, options.max_file_size)
    index = VaultIndex(walked.notes, walked.attachments)
    resolver = LinkResolver(index, options.obsidian.is_template)
    rules = tuple(rules)
    checked = tuple(rule.ID for rule in rules if is_note_rule(rule))
    # a check reads each note's facts (its schema, its topics) even when no per-note rule runs: the
    # lean context drops the headings that would find a topics table again
    checker = NoteChecker(options.schemas, checked, base) if rules else None
    with _gc_paused():
        notes: dict[str, Note] = {}
        findings: dict[str, NoteFindings] = {}
        found_targets: dict[str, Targets] = {}
        parts: dict[str, LinkParts] = {}
        link_codes: dict[str, array[int]] = {}
        anchored_to: dict[str, tuple[str, ...]] = {}

        def keep(
            path: str,
            note: Note,
            found: NoteFindings | None,
            known: Targets | None,
            linked: tuple[Targets, LinkParts] | None = None,
        ) -> None:
            if linked is None:
                found_targets[path] = targets = resolver.targets(path, note, known)
                parts[path] = link_parts(path, note.links, targets)
                if codes:
                    link_codes[path] = edge_codes(note.links if targets else ())
                notes[path] = note if keep_links else dataclasses.replace(note, links=())
            else:  # given without its links, resolved where it was parsed
                found_targets[path], parts[path] = linked
                notes[path] = note
            if parts[path][1]:
                anchored_to[path] = tuple(sorted(set(map(_RESOLVED, parts[path][1]))))
            if found is not None:
                findings[path] = found

        for path, note in drafts.items():
            keep(path, note, None if checker is None else checker(note), None)
        lean = None if keep_links or codes else resolver  # the source may give notes without their links
        for sourced in source.notes(walked, [p for p in walked.notes if p not in drafts], checker, lean):
            keep(*sourced)
        notes = {path: notes[path] for path in walked.notes}
        found_targets = {path: found_targets[path] for path in walked.notes}
        source.resolved(found_targets)
        if checker is not None:
            findings = {path: findings[path] for path in walked.notes}
    unresolved, anchored = flatten(parts[path] for path in walked.notes)
    parts.clear()
    if not keep_links:
        pointed = set().union(*anchored_to.values())  # headings and blocks matter only where anchors point
        for path, note in notes.items():
            if (note.headings or note.block_ids) and path not in pointed:
                notes[path] = dataclasses.replace(note, headings=(), block_ids=frozenset())
    kind = VaultContext if keep_links else RuleContext
    aliases = {path: names for path, note in notes.items() if (names := note_aliases(note.frontmatter))}
    context = kind(
        root,
        notes,
        walked.attachments,
        index,
        unresolved,
        anchored,
        found_targets,
        aliases,
        walked.problems,
        options.schemas,
        options.moc_fields,
        {path: found[3] for path, found in findings.items()},
    )
    link_codes = {path: link_codes[path] for path in walked.notes} if codes else {}
    return Loaded(context, findings, checked, sum(map(len, found_targets.values())), link_codes, anchored_to)


def load_vault(
    root: Path,
    options: Options,
    *,
    source: NoteSource | None = None,
    walked: WalkResult | None = None,
    rules: Iterable[ModuleType] = (),
    codes: bool = False,
) -> Loaded[VaultContext]:
    """The whole vault loaded (see :func:`load`), every link of every note kept."""
    return cast("Loaded[VaultContext]", load(root, options, source=source, walked=walked, rules=rules, codes=codes))


def flatten(parts: Iterable[LinkParts]) -> tuple[list[ResolvedLink], list[ResolvedLink]]:
    """The unresolved and the anchored links of the notes whose ``parts`` are given, in that order."""
    unresolved: list[ResolvedLink] = []
    anchored: list[ResolvedLink] = []
    for found, with_anchor in parts:
        unresolved += found
        anchored += with_anchor
    return unresolved, anchored
