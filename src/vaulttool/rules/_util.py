"""Helpers shared by rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Link, Severity

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext


def link_text(link: Link) -> str:
    """The link as a reader sees it in the note, for messages."""
    if link.kind == "markdown":
        return f"({link.raw})"
    prefix = "!" if link.kind == "embed" else ""
    return f"{prefix}[[{link.raw}]]"


def link_diagnostic(path: str, link: Link, rule: str, severity: Severity, message: str) -> Diagnostic:
    """A diagnostic spanning ``link`` in ``path``, carrying the link's target as written."""
    return Diagnostic(
        path=path,
        line=link.line,
        column=link.column,
        end_line=link.end_line,
        end_column=link.end_column,
        rule=rule,
        severity=severity,
        message=message,
        target=link.raw,
        field=link.field,
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
) -> Diagnostic:
    """A diagnostic on one line of a note (column 1)."""
    return Diagnostic(
        path=path, line=line, column=1, rule=rule, severity=severity, message=message, field=field, target=target
    )


def written_link(ctx: RuleContext, source: str, link: Link) -> str | None:
    """The link exactly as written in the body of note ``source`` (None when it spans lines or is not there)."""
    note = ctx.notes.get(source)
    if note is None or link.line != link.end_line or link.line < note.body_line:
        return None
    index = link.line - note.body_line
    if index >= len(note.lines):
        return None
    return note.lines[index][link.column - 1 : link.end_column - 1]
