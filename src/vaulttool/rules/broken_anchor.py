"""broken-anchor: the note resolves, but its ``#heading`` or ``#^block`` does not.

Headings compare the way Obsidian compares them (its heading sanitiser): each of
``!"#$%&()*+,.:;<=>?@^`{|}~/[]\\`` counts as a space, runs of white space as one, case is
ignored; so ``[[Functions#hasTag]]`` finds ``### `hasTag()` `` and ``[[Note#D D Rules]]``
finds ``# D&D Rules``, but ``#inboxmd`` does not find ``### Inbox.md``. In a heading path
``[[Note#A#B]]`` each heading must come after a heading named by the part before it (a
stricter reading, B inside A's section, would flag working links in real vaults). Block ids (``^id``) must stand at the
end of a block in the target note and match without regard to case, as in Obsidian.
Same-note links (``[[#Heading]]``) are checked too; anchors into non-Markdown files
(``#page=3``) are not.

Unsafe fix: a one-part heading anchor of a wiki link that matches exactly one heading of
the target once case, white space, punctuation and emoji are ignored (and Unicode
compatibility forms folded) is rewritten to that heading's text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from operator import attrgetter
from typing import TYPE_CHECKING

from vaulttool.model.edits import Edit
from vaulttool.model.values import Diagnostic, Fix, Link, Note, Severity
from vaulttool.model.wikilinks import anchor_form
from vaulttool.rules._util import link_diagnostic, link_text, written_link

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "broken-anchor"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"
_ANCHOR = attrgetter("anchor")


class AnchorIndex:
    """What a note offers to anchors: the anchor forms of its headings, and its block ids (each set
    made when an anchor first asks for it: most notes are asked for one kind alone)."""

    __slots__ = ("_anchors", "_blocks", "note")

    def __init__(self, note: Note) -> None:
        self.note = note
        self._anchors: frozenset[str] | None = None
        self._blocks: frozenset[str] | None = None

    def blocks(self) -> frozenset[str]:
        """The note's block ids, lowercased: Obsidian keys a note's blocks so and looks links up the same way."""
        if self._blocks is None:
            self._blocks = frozenset(map(str.lower, self.note.block_ids))
        return self._blocks

    def anchors(self) -> frozenset[str]:
        """The anchor forms of the note's headings."""
        if self._anchors is None:
            self._anchors = frozenset(map(_ANCHOR, self.note.headings))
        return self._anchors

    def missing(self, subpath: str) -> str | None:
        """What of ``subpath`` the note lacks (a heading or ``^block``), or None when it resolves.

        Each ``#`` part of a heading path must be a heading that comes after some heading
        named by the part before it. Obsidian is not documented to ask more, and real vaults
        rely on no more: a table of contents linking ``#A#B`` where B follows A's section
        under another heading works there.
        """
        if subpath.startswith("^"):
            return None if subpath[1:].lower() in self.blocks() else f"block ^{subpath[1:]}"
        if "#" not in subpath:  # one heading, anywhere
            wanted = anchor_form(subpath)
            return None if not wanted or wanted in self.anchors() else f"heading '{subpath.strip()}'"
        after = 0  # the next part must be a heading below this line
        for part in subpath.split("#"):
            wanted = anchor_form(part)
            if not wanted:
                continue
            found = next((h.line for h in self.note.headings if h.anchor == wanted and h.line > after), None)
            if found is None:
                return f"heading '{part.strip()}'"
            after = found
        return None


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per link whose subpath is not in the resolved note."""
    indexes: dict[str, AnchorIndex] = {}
    headings: dict[str, frozenset[str]] = {}  # of each target asked for one heading: the anchors it offers
    notes = ctx.notes
    for source, link, target in ctx.anchored:  # most are answered here, without a call
        if target is None or (note := notes.get(target)) is None:
            continue
        subpath = link.subpath
        if subpath[:1] == "^":
            if subpath[1:] in note.block_ids:  # as written; in another case, below
                continue
        elif "#" not in subpath:
            offered = headings.get(target)
            if offered is None:
                offered = headings[target] = _index(indexes, note, target).anchors()
            wanted = anchor_form(subpath)
            if not wanted or wanted in offered:
                continue
        missing = _index(indexes, note, target).missing(subpath)
        if missing is not None:
            where = "this note" if target == source else f"'{target}'"
            message = f"{link_text(link)}: {missing} not found in {where}; fix the anchor or add it"
            fix = anchor_fix(ctx, source, link, note)
            yield link_diagnostic(source, link, ID, DEFAULT_SEVERITY, message, fix)


def _index(indexes: dict[str, AnchorIndex], note: Note, target: str) -> AnchorIndex:
    """The anchor index of ``note``, the note at ``target``, made on first use."""
    index = indexes.get(target)
    if index is None:
        index = indexes[target] = AnchorIndex(note)
    return index


def loose_form(text: str) -> str:
    """A heading or anchor compared more loosely than Obsidian does: its letters and digits alone, case folded.

    Emoji, punctuation and white space drop out and compatibility forms are folded.
    """
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def anchor_fix(ctx: RuleContext, source: str, link: Link, target: Note) -> Fix | None:
    """Rewrite a broken one-part heading anchor to the one heading of ``target`` it loosely matches."""
    written = written_link(ctx, source, link)
    sub = link.subpath
    if written is None or link.kind not in ("wiki", "embed") or not sub or "#" in sub or sub.startswith("^"):
        return None
    wanted = loose_form(sub)
    matches = {h.text for h in target.headings if loose_form(h.text) == wanted}
    if len(matches) != 1 or not wanted:
        return None
    heading = matches.pop().strip()
    if any(ch in heading for ch in "#|[]^") or heading.startswith("%%"):
        return None
    hash_at = written.find("#")
    rest = written[hash_at + 1 :]
    stop = min((i for i in (rest.find("\\|"), rest.find("|"), rest.find("]]")) if i >= 0), default=-1)
    if hash_at < 0 or stop < 0 or rest[:stop].strip() != sub.strip():
        return None
    new = written[: hash_at + 1] + heading + rest[stop:]
    edit = Edit(link.line, link.column, link.end_line, link.end_column, new)
    return Fix((edit,), False, f"Link the heading as written: {new}")
