"""frontmatter-syntax: frontmatter that Obsidian cannot read as properties.

YAML that does not parse (with the parser's reason and line), a ``---`` block that is
never closed, frontmatter that is a list or a plain value instead of a mapping,
duplicate property names, YAML tags (``!!python/...``), unquoted template placeholders
(``{{date}}``), a second byte-order mark before ``---``, and documents refused for safety
(alias bombs, more than 100,000 values, recursive aliases, nesting deeper than 64
levels). The note's body is still checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "frontmatter-syntax"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield the frontmatter problems found while parsing the note."""
    yield from (d for d in nc.note.problems if d.rule == ID)
