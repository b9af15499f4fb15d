"""Helpers shared by rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Fix, Link, Note, Severity, diagnostic_from_fields

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext


def link_text(link: Link) -> str:
    """The link as a reader sees it in the note, for messages."""
    if link.kind == "markdown":
        return f"({link.raw})"
    prefix = "!" if link.kind == "embed" else ""
    return f"{prefix}[[{link.raw}]]"


def link_diagnostic(
    path: str, link: Link, rule: str, severity: Severity, message: str, fix: Fix | None = None
) -> Diagnostic:
    """A diagnostic spanning ``link`` in ``path``, carrying the link's target as written (and ``fix``)."""
    return diagnostic_from_fields(
        (
            path,
            link.line,
            link.column,
            rule,
            severity,
            message,
            link.end_line,
            link.end_column,
            link.raw,
            link.field,
            fix,
        )
    )


def note_diagnostic(
    path: str,
    line: int,
    rule: str,
    severity: Severity,
    message: str,
    *,
    field: str | None = None,
    target: str | None = None,
    column: int = 1,
) -> Diagnostic:
    """A diagnostic on one line of a note (at ``column``, 1 when the offending text has no place)."""
    return diagnostic_from_fields((path, line, column, rule, severity, message, None, None, target, field, None))


def file_line(note: Note, line: int) -> str:
    """The text of file line ``line`` of ``note`` (frontmatter or body), or "" when it has none."""
    if line >= note.body_line:
        index = line - note.body_line
        return note.lines[index] if index < len(note.lines) else ""
    fm_lines = (note.raw_frontmatter or "").split("\n")
    return fm_lines[line - 2] if 0 <= line - 2 < len(fm_lines) else ""


def column_in(written: str, text: str, frontmatter: bool = False) -> int:
    """The 1-based column where ``text`` first stands in the line ``written`` (1 when it is not there).

    On a property's own line (``frontmatter``) the search starts after the key, so a value
    is not found in its name."""
    start = 0
    if frontmatter and not written.lstrip().startswith("-"):
        start = written.find(":") + 1
    found = written.find(text, start) if text else -1
    return found + 1 if found >= 0 else 1


def value_column(note: Note, line: int) -> int:
    """The column where the value of the property on file line ``line`` begins (1 when it begins on a later line)."""
    written = file_line(note, line)
    key_end = written.find(":")
    if key_end < 0:
        return 1
    rest = written[key_end + 1 :]
    value = rest.strip()
    return key_end + 2 + (len(rest) - len(rest.lstrip())) if value else 1


def written_link(ctx: RuleContext, source: str, link: Link) -> str | None:
    """The link exactly as written in the body of note ``source`` (None when it spans lines or is not there)."""
    note = ctx.notes.get(source)
    if note is None or link.line != link.end_line or link.line < note.body_line:
        return None
    index = link.line - note.body_line
    if index >= len(note.lines):
        return None
    return note.lines[index][link.column - 1 : link.end_column - 1]
