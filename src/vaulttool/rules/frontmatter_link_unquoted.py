"""frontmatter-link-unquoted: a wiki link written in a property without quotes.

To YAML, ``links: [[Python MOC]]`` or ``- [[Go MOC]]`` is a list inside a list, not
text, so Obsidian sees no link there: no edge in the graph, no backlink, and nothing
vaulttool can check (no ``missing-moc`` or ``broken-link``). Obsidian's help says links
in text and list properties must be surrounded with quotes. Reported on every note,
whatever its template, at the link, with the property it sits in; the fix is to quote
it: ``links: "[[Python MOC]]"`` or ``- "[[Go MOC]]"``.

Safe fix: the link is quoted in place (``- [[Go MOC]]`` becomes ``- "[[Go MOC]]"``);
comments, spacing and every other property stay as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.fixes import quote_link_fix
from vaulttool.model.properties import unquoted_links
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import link_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "frontmatter-link-unquoted"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per unquoted ``[[link]]`` in the note's properties."""
    for link in unquoted_links(nc.note):
        written = f"[[{link.raw if link.alias is None else link.raw + '|' + link.alias}]]"
        yield link_diagnostic(
            nc.path,
            link,
            ID,
            DEFAULT_SEVERITY,
            f"{written} in '{link.field}' is not quoted, so YAML reads a nested list and Obsidian no link; "
            f'write "{written}"',
            quote_link_fix(nc.note, link),
        )
