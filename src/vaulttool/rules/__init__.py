"""The rules: one module per rule, each with ``ID``, ``DEFAULT_SEVERITY`` and ``check(ctx)``.

A rule module's docstring is its documentation (``vaulttool rules`` prints it).
"""

from __future__ import annotations

from vaulttool.rules import (
    broken_anchor,
    broken_link,
    frontmatter_syntax,
    missing_moc,
    orphan_note,
    unreadable_file,
)

ALL_RULES = (
    unreadable_file,
    frontmatter_syntax,
    broken_link,
    broken_anchor,
    missing_moc,
    orphan_note,
)
