"""description-too-short: a topics-table description with fewer words than the template wants.

Words are counted the way the template's notes count them: runs of characters between
spaces, so ``I/O-bound`` is one word. Reported on the table row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "description-too-short"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per row whose description is too short."""
    for path, schema in ctx.schema_of.items():
        spec = schema.spec.table
        if spec is None or not spec.min_words:
            continue
        for row in ctx.topic_rows.get(path, []):
            count = len(row.description.split())
            if count < spec.min_words:
                topic = f"[[{row.target}]]" if row.target else repr(row.cell)
                yield note_diagnostic(
                    path,
                    row.line,
                    ID,
                    DEFAULT_SEVERITY,
                    f"description of {topic} has {count} words; {schema.name} wants more than {spec.min_words - 1}",
                    target=row.target,
                )
