"""missing-moc: a frontmatter link to a note that does not exist.

Frontmatter holds links as quoted strings (``links: ["[[Python MOC]]"]``); these are the
maps of content the vault promises. A link that resolves to nothing is reported on its
line, with the property it sits in. ``vaulttool stub --mocs`` creates the missing MOCs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.models import Diagnostic, Severity
from vaulttool.rules._util import link_diagnostic

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "missing-moc"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per unresolved frontmatter link."""
    for item in ctx.unresolved:
        link = item.link
        if link.kind == "frontmatter":
            yield link_diagnostic(
                item.source,
                link,
                ID,
                DEFAULT_SEVERITY,
                f"[[{link.raw}]] in '{link.field}' points to a note that does not exist; "
                "create it (vaulttool stub --mocs) or fix the link",
            )
