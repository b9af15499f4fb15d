"""broken-anchor: the note resolves, but its ``#heading`` or ``#^block`` does not.

Headings compare the way Obsidian compares them: punctuation and markup dropped,
whitespace collapsed, case ignored, so ``[[Functions#hasTag]]`` finds
``### `hasTag()` ``. A heading path ``[[Note#H1#H2]]`` needs each heading, in order.
Block ids (``^id``) must stand at the end of a block in the target note. Same-note links
(``[[#Heading]]``) are checked too; anchors into non-Markdown files (``#page=3``) are not.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.rules._util import link_diagnostic, link_text
from vaulttool.wikilinks import anchor_form

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "broken-anchor"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def heading_index(note: Note) -> dict[str, list[int]]:
    """The lines of the note's headings by anchor form, each list in file order."""
    index: dict[str, list[int]] = {}
    for heading in note.headings:
        index.setdefault(heading.anchor, []).append(heading.line)
    return index


def missing_part(note: Note, subpath: str, headings: dict[str, list[int]]) -> str | None:
    """What of ``subpath`` the note lacks (a heading or ``^block``), or None when it resolves.

    ``headings`` is the note's :func:`heading_index`; each ``#`` part must come after the previous one.
    """
    if subpath.startswith("^"):
        return None if subpath[1:] in note.block_ids else f"block ^{subpath[1:]}"
    line = 0
    for part in subpath.split("#"):
        wanted = anchor_form(part)
        if not wanted:
            continue
        lines = headings.get(wanted, [])
        i = bisect_right(lines, line)
        if i == len(lines):
            return f"heading '{part.strip()}'"
        line = lines[i]
    return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per link whose subpath is not in the resolved note."""
    indexes: dict[str, dict[str, list[int]]] = {}
    for item in ctx.anchored:
        link, target = item.link, item.resolved
        note = ctx.notes.get(target) if target is not None else None
        if note is None or target is None:
            continue
        if target not in indexes:
            indexes[target] = heading_index(note)
        missing = missing_part(note, link.subpath, indexes[target])
        if missing is not None:
            where = "this note" if item.resolved == item.source else f"'{item.resolved}'"
            yield link_diagnostic(
                item.source,
                link,
                ID,
                DEFAULT_SEVERITY,
                f"{link_text(link)}: {missing} not found in {where}; fix the anchor or add it",
            )
