"""unreadable-file: a note that cannot be read or decoded.

Reported for files that are not valid UTF-8, hold binary content (NUL bytes), are larger
than the configured size cap, cannot be opened (permissions), vanished during the run,
are special files (FIFO, socket, device) named ``.md``, or are symlinks that leave the
vault or dangle; also names that are not valid UTF-8 (Obsidian cannot open them; the note
is still checked). The run goes on with every other note.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "unreadable-file"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield read and walk failures."""
    yield from (d for d in ctx.walk_problems if d.rule == ID)
    for note in ctx.notes.values():
        yield from (d for d in note.problems if d.rule == ID)
