"""section-missing: a section the template requires is absent, at the wrong level, or empty.

Headings are matched by their words: emoji, punctuation and case are ignored, and
double-encoded headings are repaired before comparing, so ``## 🧠 Overview (Mentor
Advice)`` and ``## Overview (Mentor Advice)`` are the same section. Also reported: a
required table missing from its section, and a map of content without any wiki link.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "section-missing"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"
_KIND = attrgetter("kind")


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per missing, misplaced or empty required section."""
    path, note, schema = nc.path, nc.note, nc.schema
    if schema is None:
        return
    spec = schema.spec
    for want in spec.sections:
        section = nc.section(want.heading)
        marks = "#" * (want.level or 2)
        if section is None:
            if want.required:
                yield note_diagnostic(
                    path,
                    note.body_line,
                    ID,
                    DEFAULT_SEVERITY,
                    f"section '{marks} {want.heading}' is missing; {schema.name} requires it",
                )
            continue
        heading = section.heading
        if want.level is not None and heading.level != want.level:
            yield note_diagnostic(
                path,
                heading.line,
                ID,
                DEFAULT_SEVERITY,
                f"'{heading.text}' is a level-{heading.level} heading; {schema.name} wants '{marks} {want.heading}'",
            )
        if want.non_empty and nc.first_paragraph(section) is None:
            yield note_diagnostic(
                path,
                heading.line,
                ID,
                DEFAULT_SEVERITY,
                f"section '{want.heading}' is empty; {schema.name} wants text in it",
            )
    table_section = nc.section(spec.table.section) if spec.table is not None else None
    if spec.table is not None and table_section is not None and nc.topics_table is None:
        yield note_diagnostic(
            path,
            table_section.heading.line,
            ID,
            DEFAULT_SEVERITY,
            f"section '{spec.table.section}' has no table; {schema.name} wants a "
            + "|".join(["", *spec.table.columns, ""])
            + " table",
        )
    if spec.min_body_links:
        count = sum(map("frontmatter".__ne__, map(_KIND, note.links)))
        if count < spec.min_body_links:
            yield note_diagnostic(
                path,
                note.body_line,
                ID,
                DEFAULT_SEVERITY,
                f"the note links to {count} notes; {schema.name} lists at least {spec.min_body_links} as wiki links",
            )
