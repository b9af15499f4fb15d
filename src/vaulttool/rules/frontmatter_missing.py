"""frontmatter-missing: a property the note's template schema requires is absent.

The note's schema comes from its ``template:`` property or the first schema whose
``match`` holds. Reported on the frontmatter's first line (line 1 when the note has no
frontmatter at all), with ``field`` set to the missing property.

Which notes follow a template: a note follows the schema its ``template:`` property
names. Otherwise a schema of your own ``schemas`` folder applies wherever its ``match``
holds; a template shipped with vaulttool (``topic-overview``, ``stub``, ``moc``) applies
where its ``match`` holds only when the configuration enables it (``templates =
["topic-overview"]``), and else only to notes that carry its whole shape: every property
it requires. So a vault whose notes merely have a ``topics`` property is not held to
``topic-overview``, and no template rule reports on those notes.

Unsafe fix: a missing ``created`` date is added as the frontmatter's last property, taken
from the git commit that added the note, else from the file's modification date.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.fixes import created_date, insert_property_fix
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "frontmatter-missing"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per required property that is absent."""
    for problem in nc.field_problems:
        if problem.missing:
            diagnostic = note_diagnostic(nc.path, 1, ID, DEFAULT_SEVERITY, problem.message, field=problem.field)
            spec = nc.schema.spec.fields.get(problem.field) if nc.schema is not None else None
            if problem.field == "created" and spec is not None and spec.type == "date" and nc.root is not None:
                try:
                    day = created_date(nc.root, nc.path)
                except OSError:
                    day = None
                fix = insert_property_fix(nc.note, "created", day, f"Add created: {day}") if day else None
                diagnostic = diagnostic if fix is None else diagnostic._replace(fix=fix)
            yield diagnostic
