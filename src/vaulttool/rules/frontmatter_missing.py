"""frontmatter-missing: a property the note's template schema requires is absent.

The note's schema comes from its ``template:`` property or the first schema whose
``match`` holds. Reported on the frontmatter's first line (line 1 when the note has no
frontmatter at all), with ``field`` set to the missing property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.notecheck import NoteContext

ID = "frontmatter-missing"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per required property that is absent."""
    for problem in nc.field_problems:
        if problem.missing:
            yield note_diagnostic(nc.path, 1, ID, DEFAULT_SEVERITY, problem.message, field=problem.field)
