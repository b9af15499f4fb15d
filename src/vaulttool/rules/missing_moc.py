"""missing-moc: a map of content that a note's properties name but the vault lacks.

Frontmatter holds links as quoted strings (``links: ["[[Python MOC]]"]``). A link names
a map of content (MOC) when it sits in one of the properties that hold a note's MOCs
(the ``moc-fields`` setting, by default ``links``, ``up``, ``moc`` and ``mocs``, compared
without regard to case) or when its target's name ends in ``MOC``. Such a link that
resolves to nothing is reported on its line, with the property it sits in;
``vaulttool stub --mocs`` creates the missing MOCs. Any other broken link in a property
(``director: "[[Ridley Scott]]"``) is a ``broken-link``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import link_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "missing-moc"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "links"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per unresolved frontmatter link."""
    for item in ctx.unresolved:
        link = item.link
        if ctx.is_moc_link(link):
            yield link_diagnostic(
                item.source,
                link,
                ID,
                DEFAULT_SEVERITY,
                f"[[{link.raw}]] in '{link.field}' points to a note that does not exist; "
                "create it (vaulttool stub --mocs) or fix the link",
            )
