"""missing-topic: a topic in the frontmatter topic list that has no note in the vault.

Topics resolve like links (case-insensitive, any folder). Reported on the topic's line
and column with ``target`` set to the topic; ``vaulttool stub --topics`` creates the
missing notes. One cause gets one report: a topic that a link of the same note names
(the topics table's ``[[Threading]]``) is reported by that link's ``broken-link``, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from typing import TYPE_CHECKING

from vaulttool.model.template import frontmatter_list, item_lines, unbracket
from vaulttool.model.values import Diagnostic, Severity
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
    seen: dict[str, str | None] = {}  # see _reported
    for path, schema in ctx.schema_of.items():
        field = schema.spec.topics_field
        note = ctx.notes[path]
        if field is None or note.frontmatter is None:
            continue
        if not _reported(note.frontmatter.get(field), path, seen, linked, resolve):
            continue
        topics = frontmatter_list(note, field)
        unknown = [topic for topic in topics if resolve(topic, path) is None]
        if not unknown or all((path, link_key(topic)) in linked for topic in unknown):
            continue  # each is a broken link of the note too: the file is not read for its lines
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


def _reported(
    listed: object,
    path: str,
    seen: dict[str, str | None],
    linked: Container[tuple[str, str]],
    resolve: Callable[[str, str], str | None],
) -> bool:
    """Whether a topic of note ``path`` among the items of its property value ``listed`` (a list, or one
    text) may have to be reported: it has no note and no link of the note names it (``linked``), or it is
    a ``./`` or ``../`` path.

    ``seen`` holds, for each item as written seen before, the link key of its topic when that
    names no file, else None: a topic that is not a ``./`` or ``../`` path names the same file
    from any note, or none, and most notes name topics that other notes name too.
    """
    for item in [listed] if isinstance(listed, str) else listed if isinstance(listed, list) else ():
        if not isinstance(item, str):
            continue  # not a topic
        if item in seen:
            key = seen[item]
        else:
            topic = unbracket(item) if item.strip() else ""
            if topic.startswith(("./", "../")):
                return True
            key = seen[item] = link_key(topic) if topic and resolve(topic, path) is None else None
        if key is not None and (path, key) not in linked:
            return True
    return False
