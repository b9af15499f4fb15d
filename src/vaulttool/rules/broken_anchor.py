"""broken-anchor: the note resolves, but its ``#heading`` or ``#^block`` does not.

Headings compare the way Obsidian compares them: punctuation and markup dropped,
whitespace collapsed, case ignored, so ``[[Functions#hasTag]]`` finds
``### `hasTag()` ``. A heading path ``[[Note#H1#H2]]`` needs each heading, in order.
Block ids (``^id``) must stand at the end of a block in the target note. Same-note links
(``[[#Heading]]``) are checked too; anchors into non-Markdown files (``#page=3``) are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.graph import anchored_links
from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.rules._util import link_diagnostic, link_text
from vaulttool.wikilinks import anchor_form

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "broken-anchor"
DEFAULT_SEVERITY = Severity.ERROR


def missing_part(note: Note, subpath: str) -> str | None:
    """What of ``subpath`` the note lacks (a heading or ``^block``), or None when it resolves."""
    if subpath.startswith("^"):
        return None if subpath[1:] in note.block_ids else f"block ^{subpath[1:]}"
    line = 0
    for part in subpath.split("#"):
        wanted = anchor_form(part)
        if not wanted:
            continue
        hit = next((h.line for h in note.headings if h.line > line and h.anchor == wanted), None)
        if hit is None:
            return f"heading '{part.strip()}'"
        line = hit
    return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per link whose subpath is not in the resolved note."""
    for item in anchored_links(ctx.resolved):
        link = item.link
        note = ctx.notes.get(item.resolved) if item.resolved is not None else None
        if note is None:
            continue
        missing = missing_part(note, link.subpath)
        if missing is not None:
            where = "this note" if item.resolved == item.source else f"'{item.resolved}'"
            yield link_diagnostic(
                item.source,
                link,
                ID,
                DEFAULT_SEVERITY,
                f"{link_text(link)}: {missing} not found in {where}; fix the anchor or add it",
            )
