"""broken-link: a body wiki link, embed or markdown link that resolves to nothing.

Links resolve the way Obsidian resolves them: case-insensitively, by exact vault path,
then a file in the linking note's folder, then the shortest path; ``./`` and ``../``
relative to the note; a unique path suffix such as ``[[house/todo]]``. Aliases never
resolve a link: when the target is another note's alias the message names that note.
Links inside code, ``%% comments %%`` and math are not links. Fix by creating the note
(``vaulttool stub --all``) or correcting the link.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Severity, note_name
from vaulttool.rules._util import link_diagnostic, link_text
from vaulttool.vault import link_key

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "broken-link"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def _attachment_stems(ctx: RuleContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ctx.attachments:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        found.setdefault(link_key(stem), path)
    return found


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per unresolved body link."""
    aliases: dict[str, str] | None = None
    stems: dict[str, str] = {}
    for item in ctx.unresolved:
        link = item.link
        if link.kind == "frontmatter":
            continue
        if aliases is None:
            aliases, stems = ctx.alias_owners, _attachment_stems(ctx)
        key = link_key(link.target.rsplit("/", 1)[-1])
        owner = aliases.get(link_key(link.target))
        if owner is not None:
            name = note_name(owner)
            hint = (
                f"'{link.target}' is an alias of '{owner}', and aliases do not resolve links; "
                f"link [[{name}|{link.target}]]"
            )
        elif key in stems:
            hint = f"attachments need their extension: did you mean '{stems[key].rsplit('/', 1)[-1]}'?"
        elif link.kind == "embed" or "." in link.target.rsplit("/", 1)[-1]:
            hint = "no file has that name; add the file or fix the link"
        else:
            hint = "no note has that name; create it or fix the link"
        yield link_diagnostic(item.source, link, ID, DEFAULT_SEVERITY, f"{link_text(link)} resolves to nothing: {hint}")
