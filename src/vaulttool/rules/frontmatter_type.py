"""frontmatter-type: a property whose value breaks its template schema.

Wrong type, a value outside an enum (``status: publishd``), a pattern or score that does
not match (``importance: 7/5``), too few or too many list items, a comma-separated string
where a list is wanted (``tags: python, concurrency``), an unquoted ``[[link]]`` (a nested
list in YAML), a property the schema does not allow. Reported on the property's line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "frontmatter-type"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per property (or list item) with a wrong value."""
    for path, problems in ctx.field_problems.items():
        key_lines = ctx.notes[path].fm_key_lines
        for problem in problems:
            if not problem.missing:
                line = key_lines.get(problem.field, 1)
                yield note_diagnostic(path, line, ID, DEFAULT_SEVERITY, problem.message, field=problem.field)
