"""broken-link: a wiki link, embed or markdown link that resolves to nothing.

Body links, and links in properties that do not name a map of content (those are
``missing-moc``): ``director: "[[Ridley Scott]]"`` is reported with its ``field``.

Links resolve the way Obsidian resolves them: case-insensitively, by exact vault path,
then a file in the linking note's folder, then the shortest path; ``./`` and ``../``
relative to the note; a unique path suffix such as ``[[house/todo]]``. Aliases never
resolve a link: when the target is another note's alias the message names that note.
Links inside code, ``%% comments %%`` and math are not links. Fix by creating the note
(``vaulttool stub --all``) or correcting the link.

Unsafe fix: a wiki link to an alias that exactly one note gives becomes a link to that
note showing the alias (``[[Alias]]`` becomes ``[[Real Note|Alias]]``; ``\\|`` in a table).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from vaulttool.model.edits import Edit
from vaulttool.model.values import Diagnostic, Fix, Link, Severity, note_name
from vaulttool.model.vault import link_key
from vaulttool.rules._util import link_diagnostic, link_text, written_link

if TYPE_CHECKING:
    from vaulttool.rules.context import AliasOwners, RuleContext

ID = "broken-link"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"
NO_NOTE = "no note has that name; create it or fix the link"


def attachment_stems(ctx: RuleContext) -> dict[str, str]:
    """The vault's attachments by the link key of their name without extension."""
    found: dict[str, str] = {}
    for path in ctx.attachments:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        found.setdefault(link_key(stem), path)
    return found


def why_unresolved(link: Link, aliases: dict[str, str], stems: dict[str, str]) -> str:
    """Why ``link`` resolves to nothing, and what to do (``aliases``: alias owners; ``stems``: attachment stems)."""
    key = link_key(link.target.rsplit("/", 1)[-1])
    owner = aliases.get(link_key(link.target))
    if owner is not None:
        name = note_name(owner)
        return (
            f"'{link.target}' is an alias of '{owner}', and aliases do not resolve links; link [[{name}|{link.target}]]"
        )
    if key in stems:
        return f"attachments need their extension: did you mean '{stems[key].rsplit('/', 1)[-1]}'?"
    if link.kind == "embed" or "." in link.target.rsplit("/", 1)[-1]:
        return "no file has that name; add the file or fix the link"
    return NO_NOTE


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per unresolved link that does not name a map of content."""
    aliases: AliasOwners | None = None
    stems: dict[str, str] = {}
    topics: tuple[str, Collection[str]] = ("", ())  # a note and the topics it names
    for item in ctx.unresolved:
        link = item.link
        if ctx.is_moc_link(link):
            continue
        if aliases is None:
            aliases, stems = ctx.alias_owners, attachment_stems(ctx)
        hint = why_unresolved(link, aliases, stems)
        key = link_key(link.target)
        if hint == NO_NOTE and topics[0] != item.source:  # the links come note by note
            topics = (item.source, ctx.topic_keys(item.source))
        if hint == NO_NOTE and key in topics[1]:
            hint = (
                "it is a topic of this note with no note yet: create it with 'vaulttool stub --topics' or fix the link"
            )
        where = f" in '{link.field}'" if link.field else ""
        message = f"{link_text(link)}{where} resolves to nothing: {hint}"
        owner = aliases.get(key)
        fix = None
        if owner is not None and key not in aliases.shared:
            fix = alias_fix(ctx, item.source, link, owner)
        yield link_diagnostic(item.source, link, ID, DEFAULT_SEVERITY, message, fix)


def alias_fix(ctx: RuleContext, source: str, link: Link, owner: str) -> Fix | None:
    """Point a wiki link at the note owning its alias, showing the alias as the link's text."""
    written = written_link(ctx, source, link)
    if written is None or link.kind != "wiki" or link.subpath or not written.startswith("[["):
        return None
    name = note_name(owner)
    if ctx.index.resolve(name, source) != owner:
        name = owner[:-3] if owner.lower().endswith(".md") else owner
    note = ctx.notes[source]
    line = note.lines[link.line - note.body_line]
    in_table = "|" in line[: link.column - 1] + line[link.end_column - 1 :]  # a row's outer pipes are optional
    pipe = "\\|" if in_table else "|"  # in a table row the alias pipe is escaped, or it would split the cell
    shown = link.alias if link.alias is not None else link.raw
    new = f"[[{name}{pipe}{shown}]]"
    edit = Edit(link.line, link.column, link.end_line, link.end_column, new)
    return Fix((edit,), False, f"Link the note that owns the alias: {new}")
