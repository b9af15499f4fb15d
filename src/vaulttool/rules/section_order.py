"""section-order: the template's sections appear in another order than the schema lists them.

Only sections that are present are compared; each one found before a section the schema
puts ahead of it is reported on its heading.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "section-order"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per section that comes before one listed ahead of it."""
    path, schema = nc.path, nc.schema
    if schema is None:
        return
    spec = schema.spec
    if not spec.ordered_sections:
        return
    found = [(want.heading, nc.section(want.heading)) for want in spec.sections]
    present = [(name, s.heading.line) for name, s in found if s is not None]
    lines = [line for _, line in present]
    if lines == sorted(lines):  # most notes keep the order: nothing to look for
        return
    for i, (name, line) in enumerate(present):
        earlier = [other for other, other_line in present[:i] if other_line > line]
        if earlier:
            wanted = ", ".join(heading for heading, _ in found)
            yield note_diagnostic(
                path,
                line,
                ID,
                DEFAULT_SEVERITY,
                f"section '{name}' comes before '{earlier[0]}'; {schema.name} wants the order: {wanted}",
            )
