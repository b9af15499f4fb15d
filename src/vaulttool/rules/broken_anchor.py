"""broken-anchor: the note resolves, but its ``#heading`` or ``#^block`` does not.

Headings compare the way Obsidian compares them (its heading sanitiser): each of
``!"#$%&()*+,.:;<=>?@^`{|}~/[]\\`` counts as a space, runs of white space as one, case is
ignored; so ``[[Functions#hasTag]]`` finds ``### `hasTag()` `` and ``[[Note#D D Rules]]``
finds ``# D&D Rules``, but ``#inboxmd`` does not find ``### Inbox.md``. In a heading path
``[[Note#A#B]]`` each heading must lie inside the section of the one before it (after it,
and before the next heading of its level or higher). Block ids (``^id``) must stand at the
end of a block in the target note and match without regard to case, as in Obsidian.
Same-note links (``[[#Heading]]``) are checked too; anchors into non-Markdown files
(``#page=3``) are not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.markdown import section_ends
from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.rules._util import link_diagnostic, link_text
from vaulttool.wikilinks import anchor_form

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "broken-anchor"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


class AnchorIndex:
    """What a note offers to anchors: its headings by anchor form, with their sections, and its block ids."""

    __slots__ = ("blocks", "headings")

    def __init__(self, note: Note) -> None:
        self.headings: dict[str, list[tuple[int, int]]] = {}
        # the last section runs to the end of the note; its length is not needed (nor read)
        for heading, end in zip(note.headings, section_ends(note.headings, sys.maxsize), strict=True):
            self.headings.setdefault(heading.anchor, []).append((heading.line, end))
        # Obsidian keys a note's blocks by their lowercased id and looks links up the same way
        self.blocks = frozenset(block.lower() for block in note.block_ids)

    def missing(self, subpath: str) -> str | None:
        """What of ``subpath`` the note lacks (a heading or ``^block``), or None when it resolves.

        Each ``#`` part of a heading path must be a heading inside the section of the
        part before it; any chain of such headings will do.
        """
        if subpath.startswith("^"):
            return None if subpath[1:].lower() in self.blocks else f"block ^{subpath[1:]}"
        scopes: list[tuple[int, int]] | None = None  # sections the next part must lie in (None: anywhere)
        for part in subpath.split("#"):
            wanted = anchor_form(part)
            if not wanted:
                continue
            found = self.headings.get(wanted, [])
            if scopes is not None:
                found = [h for h in found if any(start < h[0] <= end for start, end in scopes)]
            if not found:
                return f"heading '{part.strip()}'"
            scopes = found
        return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per link whose subpath is not in the resolved note."""
    indexes: dict[str, AnchorIndex] = {}
    for item in ctx.anchored:
        link, target = item.link, item.resolved
        note = ctx.notes.get(target) if target is not None else None
        if note is None or target is None:
            continue
        if target not in indexes:
            indexes[target] = AnchorIndex(note)
        missing = indexes[target].missing(link.subpath)
        if missing is not None:
            where = "this note" if item.resolved == item.source else f"'{item.resolved}'"
            yield link_diagnostic(
                item.source,
                link,
                ID,
                DEFAULT_SEVERITY,
                f"{link_text(link)}: {missing} not found in {where}; fix the anchor or add it",
            )
