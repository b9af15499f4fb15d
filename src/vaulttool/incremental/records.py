"""A parsed :class:`Note` of a vault as plain data, and back.

A record holds only tuples, strings, numbers, dicts, lists and frozensets, so it crosses
process boundaries and is stored by the cache with ``marshal``. It leaves out the body
text, which the note rebuilt from it reads from its file on demand (``BodyLines``):
``from_record(to_record(note), root) == note`` for every note ``read_note(root, ...)`` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from vaulttool.model.edits import Edit
from vaulttool.model.notes import DEFAULT_MAX_BYTES, BodyLines
from vaulttool.model.values import Diagnostic, Fix, Heading, Note, Severity
from vaulttool.model.wikilinks import link_from_fields

if TYPE_CHECKING:
    from vaulttool.engine.notecheck import NoteFindings

NoteRecord = tuple[Any, ...]
# What the per-note rules found in one note (see :data:`~vaulttool.engine.notecheck.NoteFindings`)
# as plain data: its diagnostics as records.
Findings = tuple[tuple[tuple[Any, ...], ...], tuple[str, ...], tuple[tuple[str, int, int], ...], tuple[str, ...]]
_heading_from_fields = cast("Callable[[tuple[Any, ...]], Heading]", partial(tuple.__new__, Heading))
_edit_from_fields = cast("Callable[[tuple[Any, ...]], Edit]", partial(tuple.__new__, Edit))
_new_diagnostic = cast("Callable[[tuple[Any, ...]], Diagnostic]", partial(tuple.__new__, Diagnostic))


def diagnostic_record(d: Diagnostic) -> tuple[Any, ...]:
    """A diagnostic as a plain tuple (severity as its value, a fix as nested tuples)."""
    fix = None if d.fix is None else (tuple(map(tuple, d.fix.edits)), d.fix.safe, d.fix.message)
    return (
        d.path, d.line, d.column, d.rule, d.severity.value, d.message, d.end_line, d.end_column, d.target, d.field, fix
    )  # fmt: skip


_NONE: frozenset[Any] = frozenset()  # one empty set for every note without block ids or code
_SEVERITIES = {severity.value: severity for severity in Severity}  # a dict lookup: Enum calls are slow


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
    return _new_diagnostic((r[0], r[1], r[2], r[3], _SEVERITIES[r[4]], message, r[6], r[7], target, r[9], fix))


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


def from_record(record: NoteRecord, root: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """The :class:`Note` ``record`` describes, for a note of the vault at ``root``."""
    path, frontmatter, key_lines, body_line, headings, block_ids, links, problems, raw, code = record
    return Note(
        path=path,
        frontmatter=frontmatter,
        fm_key_lines=key_lines,
        body_line=body_line,
        lines=BodyLines(root, path, body_line - 1, max_bytes),
        headings=tuple(map(_heading_from_fields, headings)),
        block_ids=block_ids or _NONE,
        links=tuple(map(link_from_fields, links)),
        problems=tuple(map(diagnostic_from_record, problems)),
        raw_frontmatter=raw,
        code_lines=code or _NONE,
    )
