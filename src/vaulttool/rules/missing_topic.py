"""missing-topic: a topic in the frontmatter topic list that has no note in the vault.

Topics resolve like links (case-insensitive, any folder). Reported on the topic's line
and column with ``target`` set to the topic; ``vaulttool stub --topics`` creates the
missing notes. One cause gets one report: a topic that a link of the same note names
(the topics table's ``[[Threading]]``) is reported by that link's ``broken-link``, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.template import frontmatter_list, item_lines
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
    found: set[str] = set()  # list items, as written, that name a note from any note (not ./ or ../ paths)
    for path, schema in ctx.schema_of.items():
        field = schema.spec.topics_field
        note = ctx.notes[path]
        if field is None or note.frontmatter is None:
            continue
        listed = note.frontmatter.get(field)
        if _all_found(found, listed):
            continue
        topics = frontmatter_list(note, field)
        unknown = [topic for topic in topics if resolve(topic, path) is None]
        if not unknown:
            if not any(topic.startswith(("./", "../")) for topic in topics):
                _remember(found, listed)
            continue
        if all((path, link_key(topic)) in linked for topic in unknown):
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


def _all_found(found: set[str], listed: object) -> bool:
    """Whether every item of the property value ``listed`` (a list, or one text) is in ``found``.

    Most notes name topics other notes name too: a set lookup of the items as written
    answers for them, without reading or resolving each topic again.
    """
    if isinstance(listed, str):
        return listed in found
    if isinstance(listed, list):
        try:
            return found.issuperset(listed)
        except TypeError:  # an item that is not text, nor hashable: a nested mapping or list
            return False
    return False


def _remember(found: set[str], listed: object) -> None:
    """Add the items of ``listed`` to ``found`` when all of them are text (a list of text, or one text)."""
    if isinstance(listed, str):
        found.add(listed)
    elif isinstance(listed, list) and all(isinstance(item, str) for item in listed):
        found.update(listed)
