"""missing-topic: a topic in the frontmatter topic list that has no note in the vault.

Topics resolve like links (case-insensitive, any folder). Reported on the topic's line
and column with ``target`` set to the topic; ``vaulttool stub --topics`` creates the
missing notes. One cause gets one report: a topic that a link of the same note names
(the topics table's ``[[Threading]]``) is reported by that link's ``broken-link``, not here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from vaulttool.model.template import frontmatter_list, item_lines
from vaulttool.model.values import Diagnostic, Note, Severity
from vaulttool.model.vault import link_key
from vaulttool.rules._util import column_in, note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "missing-topic"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per listed topic without a note."""
    resolve = ctx.index.resolver()
    linked = {(item.source, link_key(item.link.target)) for item in ctx.unresolved}
    named = ctx.index.name_keys  # a topic with one of these keys names a file from every note: most topics do
    for path, schema in ctx.schema_of.items():
        field = schema.spec.topics_field
        note = ctx.notes[path]
        if field is None or note.frontmatter is None:
            continue
        keys = _listed_keys(ctx, path, note, field)
        if named.issuperset(keys) or all((path, key) in linked for key in keys if key not in named):
            continue  # each topic has a note, or is a broken link of the note too
        topics = frontmatter_list(note, field)
        unknown = [topic for topic in topics if resolve(topic, path) is None]
        if not unknown or all((path, link_key(topic)) in linked for topic in unknown):
            continue  # the file is not read for its lines
        fm_lines = (note.raw_frontmatter or "").split("\n")
        for topic, line in zip(topics, item_lines(note, field, topics), strict=True):
            if resolve(topic, path) is None and (path, link_key(topic)) not in linked:
                yield note_diagnostic(
                    path,
                    line,
                    ID,
                    DEFAULT_SEVERITY,
                    f"topic '{topic}' has no note; create it with 'vaulttool stub --topics'",
                    field=field,
                    target=topic,
                    column=column_in(fm_lines[line - 2], topic, True) if 2 <= line < len(fm_lines) + 2 else 1,
                )


def _listed_keys(ctx: RuleContext, path: str, note: Note, field: str) -> Collection[str]:
    """The link keys of the topics note ``path`` lists in ``field``, or more of its topics (those it
    names, when they were found as it was parsed)."""
    known = ctx.facts.get(path)
    if known is not None:
        return known[1]
    return [link_key(topic) for topic in frontmatter_list(note, field)]
