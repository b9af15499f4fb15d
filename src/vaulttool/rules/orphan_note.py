"""orphan-note: a note that no other note links to.

Body links, embeds and frontmatter links all count; a note linking to itself does not.
Informational: orphans are easy to lose, so link them from a map of content.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.graph import orphan_notes
from vaulttool.model.values import Diagnostic, Severity

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "orphan-note"
DEFAULT_SEVERITY = Severity.INFO
SCOPE = "graph"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per note without backlinks."""
    for path in orphan_notes(ctx.notes, ctx.linked):
        yield Diagnostic(
            path=path,
            line=1,
            column=1,
            rule=ID,
            severity=DEFAULT_SEVERITY,
            message="no other note links here; link it from a map of content",
        )
