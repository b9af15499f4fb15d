"""A parsed :class:`Note` of a vault as plain data, and back.

A record holds only tuples, strings, numbers, dicts, lists and frozensets (and, as the
cache stores it, its links as bytes: see :func:`stored`), so it crosses process boundaries
and is stored by the cache with ``marshal``. It leaves out the body
text: the note rebuilt from it, given the stamp its file had when it was parsed, holds
:class:`StoredLines`, which read the body from the file when asked for, and only while
the file still has that stamp; its frontmatter text is read the same way.
``to_record(from_record(to_record(note), root, stamp)) == to_record(note)`` for every
note ``read_note(root, ...)`` makes, and its lines are the note's while the file is unchanged.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from vaulttool.files.stamps import Stamp
from vaulttool.incremental.storedlines import StoredLines
from vaulttool.model.edits import Edit
from vaulttool.model.graph import LinkParts, LinkResolver, ResolvedLink, Targets, link_parts
from vaulttool.model.notes import DEFAULT_MAX_BYTES
from vaulttool.model.values import Diagnostic, Fix, Heading, Note, Severity, diagnostic_from_fields, from_fields
from vaulttool.model.wikilinks import link_from_fields

if TYPE_CHECKING:
    from vaulttool.engine.notecheck import NoteFindings

NoteRecord = tuple[Any, ...]
# What the per-note rules found in one note (see :data:`~vaulttool.engine.notecheck.NoteFindings`)
# as plain data: its diagnostics as records.
Findings = tuple[
    tuple[tuple[Any, ...], ...], tuple[str, ...], tuple[tuple[str, int, int], ...], tuple[int, tuple[str, ...]]
]
Layouts = dict[tuple[tuple[str, int], ...], dict[str, int]]  # the line of each property, by the lines of all
# What the links of a note resolve to, as plain data (see :class:`Linker`): the number of each
# link's target (-1: nothing), the fields of each link that resolves to nothing, and those of
# each link that resolves and carries an anchor, each with its target's number
LinksRecord = tuple[tuple[int, ...], tuple[tuple[Any, ...], ...], tuple[tuple[tuple[Any, ...], int], ...]]
_heading_from_fields = from_fields(Heading)
_edit_from_fields = from_fields(Edit)
_new_resolved = from_fields(ResolvedLink)
_SUBPATH = attrgetter("subpath")


def diagnostic_record(d: Diagnostic) -> tuple[Any, ...]:
    """A diagnostic as a plain tuple (severity as its value, a fix as nested tuples)."""
    path, line, column, rule, severity, message, end_line, end_column, target, field, fix = d
    plain = None if fix is None else (tuple(map(tuple, fix.edits)), fix.safe, fix.message)
    return (path, line, column, rule, _SEVERITY_VALUES[severity], message, end_line, end_column, target, field, plain)


_NONE: frozenset[Any] = frozenset()  # one empty set for every note without block ids or code
_SEVERITIES = {severity.value: severity for severity in Severity}  # a dict lookup: Enum calls are slow
_SEVERITY_VALUES = {severity: severity.value for severity in Severity}  # and Enum properties too


def diagnostic_from_record(r: tuple[Any, ...], shared: dict[str, str] | None = None) -> Diagnostic:
    """The :class:`Diagnostic` a ``diagnostic_record`` tuple describes.

    With ``shared``, equal messages and targets become one string object (a large vault
    repeats a few thousand messages tens of thousands of times).
    """
    message, target = r[5], r[8]
    if shared is not None:
        message = shared.setdefault(message, message)
        target = target if target is None else shared.setdefault(target, target)
    fix = None if r[10] is None else Fix(tuple(map(_edit_from_fields, r[10][0])), r[10][1], r[10][2])
    return diagnostic_from_fields((r[0], r[1], r[2], r[3], _SEVERITIES[r[4]], message, r[6], r[7], target, r[9], fix))


def findings_record(found: NoteFindings) -> Findings:
    """``found`` as plain data."""
    return tuple(map(diagnostic_record, found[0])), found[1], found[2], found[3]


def built(found: Findings, shared: dict[str, str]) -> NoteFindings:
    """``found`` with its diagnostics built from their records (texts shared through ``shared``)."""
    return tuple([diagnostic_from_record(record, shared) for record in found[0]]), found[1], found[2], found[3]


def to_record(note: Note) -> NoteRecord:
    """``note`` as plain data."""
    return (
        note.path,
        note.frontmatter,
        note.fm_key_lines,
        note.body_line,
        tuple(map(tuple, note.headings)),
        note.block_ids,
        tuple(map(tuple, note.links)),
        tuple(map(diagnostic_record, note.problems)),
        note.raw_frontmatter,
        note.code_lines,
    )


def stored(record: NoteRecord, stamp: Stamp | None) -> NoteRecord:
    """``record`` as the cache stores it for a note read from a file with ``stamp``: its links marshalled
    apart, as bytes, so that loading it costs little more than copying them when the note is built
    without them (see :func:`from_record`), and like :func:`handed` without its frontmatter text."""
    return (*record[:6], marshal.dumps(record[6]), record[7], _source(record, stamp), record[9])


def handed(record: NoteRecord, stamp: Stamp | None, links: bool = True) -> NoteRecord:
    """``record`` as a note read from a file with ``stamp`` is built from it (:func:`from_record`), and no
    more: without its frontmatter text when it has a stamp (the note reads it from its file), and
    without its links unless ``links``."""
    return (*record[:6], record[6] if links else (), record[7], _source(record, stamp), record[9])


def _source(record: NoteRecord, stamp: Stamp | None) -> str | None:
    """The frontmatter text of ``record`` as a note read from a file with ``stamp`` needs it: "" when
    it has a stamp and a frontmatter block (it reads the text from its file)."""
    return record[8] if record[8] is None or stamp is None else ""


def from_record(
    record: NoteRecord,
    root: str,
    stamp: Stamp | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    layouts: Layouts | None = None,
    links: bool = True,
) -> Note:
    """The :class:`Note` ``record`` (as made or as :func:`stored`) describes, for a note of the vault
    at ``root`` whose file had ``stamp`` when it was parsed (None: it could not be read; the body
    is then empty); without ``links``, the note without its links, as if it had none.

    With ``layouts``, notes whose properties stand on the same lines share one (never changed)
    dict of them: a vault made from templates has a few hundred layouts for thousands of notes.
    """
    path, frontmatter, key_lines, body_line, headings, block_ids, fields, problems, raw, code = record
    if not links:
        fields = ()
    elif type(fields) is bytes:
        fields = marshal.loads(fields)
    key_lines, lines, source = _kept_out((path, body_line, key_lines, raw), root, stamp, max_bytes, layouts)
    return Note(
        path=path,
        frontmatter=frontmatter,
        fm_key_lines=key_lines,
        body_line=body_line,
        lines=lines,
        headings=tuple(map(_heading_from_fields, headings)),
        block_ids=block_ids or _NONE,
        links=tuple(map(link_from_fields, fields)),
        problems=tuple(map(diagnostic_from_record, problems)),
        frontmatter_source=source,
        code_lines=code or _NONE,
    )


def lean(
    note: Note, root: str, stamp: Stamp | None, max_bytes: int = DEFAULT_MAX_BYTES, layouts: Layouts | None = None
) -> Note:
    """``note``, parsed from the file of the vault at ``root`` that had ``stamp``, as :func:`from_record`
    builds it from its :func:`handed` record without its links: its body and frontmatter text left
    in its file (``layouts`` as there)."""
    path, body_line = note.path, note.body_line
    kept = (path, body_line, note.fm_key_lines, note.frontmatter_source)
    key_lines, lines, source = _kept_out(kept, root, stamp, max_bytes, layouts)
    return Note(
        path=path,
        frontmatter=note.frontmatter,
        fm_key_lines=key_lines,
        body_line=body_line,
        lines=lines,
        headings=note.headings,
        block_ids=note.block_ids or _NONE,
        links=(),
        problems=note.problems,
        frontmatter_source=source,
        code_lines=note.code_lines or _NONE,
    )


def _kept_out(
    kept: tuple[str, int, dict[str, int], Any], root: str, stamp: Stamp | None, max_bytes: int, layouts: Layouts | None
) -> tuple[dict[str, int], StoredLines, Any]:
    """Of a note rebuilt (see :func:`from_record`) from its path, body line, property lines and frontmatter
    text (``kept``; the text as parsed, or None without a frontmatter block): its property lines (one dict
    for each layout in ``layouts``), its body lines read from its file, and its frontmatter text, read from
    its file when it has a stamp."""
    path, body_line, key_lines, raw = kept
    if layouts is not None and key_lines:
        key_lines = layouts.setdefault(tuple(key_lines.items()), key_lines)
    lines = StoredLines(root, path, body_line - 1, max_bytes, stamp)
    return key_lines, lines, raw if raw is None or stamp is None else lines


class Linker:
    """The links of notes resolved where the notes are parsed, and handed on as no more than checks read.

    Made before worker processes are forked, it resolves in each of them with the resolver
    of the whole vault, so that every answer is the one the parent would give, and numbers
    each target by its place among the vault's ``files``; the parent turns the numbers back
    into paths. Of the links themselves only those that resolve to nothing or carry an
    anchor travel (see :func:`~vaulttool.model.graph.link_parts`): all that a check that
    does not keep every link reads of them.

    A linker does not travel: pickled, for a worker process that is not forked, it arrives
    as None, and that worker hands back whole records.
    """

    def __init__(self, resolver: LinkResolver, files: Sequence[str]) -> None:
        """Resolve with ``resolver``; ``files``: every note and attachment of the vault, in a fixed order."""
        self._resolver = resolver
        self._files: tuple[str | None, ...] = (*files, None)  # number -1: nothing

    def __reduce__(self) -> tuple[type[None], tuple[()]]:
        """Pickled, None (see the class documentation)."""
        return type(None), ()

    @cached_property
    def _numbers(self) -> dict[str | None, int]:
        """The number of each file, and -1 for nothing (worked out where notes are parsed, not by the parent)."""
        return {path: number for number, path in enumerate(self._files[:-1])} | {None: -1}

    def record(self, path: str, note: Note) -> LinksRecord:
        """What the links of ``note`` (at ``path``) resolve to, and the links checks read, as plain data."""
        targets = self._resolver.targets(path, note)
        numbers = tuple(map(self._numbers.__getitem__, targets))
        links = note.links
        if None not in targets and (not targets or not any(map(_SUBPATH, links))):  # (): a template's
            return numbers, (), ()
        unresolved: list[tuple[Any, ...]] = []
        anchored: list[tuple[tuple[Any, ...], int]] = []
        for link, number in zip(links, numbers, strict=True):  # number -1: the link resolves to nothing
            if number < 0:
                unresolved.append(tuple(link))
            elif link.subpath:
                anchored.append((tuple(link), number))
        return numbers, tuple(unresolved), tuple(anchored)

    def linked(self, path: str, note: Note) -> tuple[Targets, LinkParts]:
        """:meth:`parts` of :meth:`record` of ``note``, worked out with no record between (for a note
        parsed in the process that reads its links)."""
        targets = self._resolver.targets(path, note)
        return targets, link_parts(path, note.links, targets)

    def parts(self, path: str, found: LinksRecord) -> tuple[Targets, LinkParts]:
        """What the links of the note at ``path`` resolve to, and its links that resolve to nothing
        and that resolve and carry an anchor (its :func:`~vaulttool.model.graph.link_parts`), from
        what :meth:`record` made of them (``found``)."""
        numbers, unresolved, anchored = found
        files = self._files
        targets = tuple(map(files.__getitem__, numbers))
        if not unresolved and not anchored:
            return targets, ((), ())
        return targets, (
            [_new_resolved((path, link_from_fields(fields), None)) for fields in unresolved],
            [_new_resolved((path, link_from_fields(fields), files[number])) for fields, number in anchored],
        )
