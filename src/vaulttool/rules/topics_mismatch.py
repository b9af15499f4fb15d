"""topics-mismatch: the topics table and the frontmatter topic list disagree.

Every topic cell must hold a wiki link (bold allowed, ``[[Topic\\|alias]]`` allowed), and
the table's topics and the frontmatter list must be the same set (compared the way
links resolve: case and Unicode normalisation ignored). Each topic on one side only is
reported where it stands: its table row, or the frontmatter property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "topics-mismatch"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per topic found on one side only, and per topic cell without a link."""
    path, note, schema = nc.path, nc.note, nc.schema
    spec = schema.spec.table if schema is not None else None
    if schema is None or spec is None:
        return
    rows = nc.topic_rows
    for row in rows:
        if row.target is None:
            yield note_diagnostic(
                path,
                row.line,
                ID,
                DEFAULT_SEVERITY,
                f"topic cell {row.cell!r} holds no wiki link; {schema.name} wants [[Topic]]",
            )
    if spec.topics_field is None or note.frontmatter is None or not rows:
        return
    topics = nc.listed(spec.topics_field)
    if topics == [row.target for row in rows if row.target]:  # as most notes have them: nothing on one side only
        return
    key_of = nc.key
    listed = {key_of(t): t for t in topics}
    tabled = {key_of(r.target): r for r in rows if r.target}
    field_line = note.fm_key_lines.get(spec.topics_field, 1)
    for key, row in tabled.items():
        if key not in listed:
            yield note_diagnostic(
                path,
                row.line,
                ID,
                DEFAULT_SEVERITY,
                f"[[{row.target}]] is in the topics table but not in '{spec.topics_field}'; add it there",
                field=spec.topics_field,
                target=row.target,
            )
    for key, topic in listed.items():
        if key not in tabled:
            yield note_diagnostic(
                path,
                field_line,
                ID,
                DEFAULT_SEVERITY,
                f"'{topic}' is in '{spec.topics_field}' but has no row in the topics table; add a row",
                field=spec.topics_field,
                target=topic,
            )
