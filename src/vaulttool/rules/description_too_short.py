"""description-too-short: a topics-table description with fewer words than the template wants.

Words are counted the way the template's notes count them: runs of characters between
spaces, so ``I/O-bound`` is one word. Reported on the table row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "description-too-short"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per row whose description is too short."""
    path, schema = nc.path, nc.schema
    if schema is None:
        return
    spec = schema.spec.table
    if spec is None or not spec.min_words:
        return
    enough = spec.min_words - 1  # splits enough to tell: a description of more words ends in one piece
    for row in nc.topic_rows:
        count = len(row.description.split(None, enough))
        if count < spec.min_words:
            topic = f"[[{row.target}]]" if row.target else repr(row.cell)
            yield note_diagnostic(
                path,
                row.line,
                ID,
                DEFAULT_SEVERITY,
                f"description of {topic} has {count} words; {schema.name} wants more than {spec.min_words - 1}",
                target=row.target,
            )
