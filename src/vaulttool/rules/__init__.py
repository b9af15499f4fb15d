"""The rules: one module per rule, each with ``ID``, ``DEFAULT_SEVERITY`` and ``check(ctx)``.

A rule module's docstring is its documentation (``vaulttool rules`` prints it).
"""

from __future__ import annotations

from types import ModuleType

from vaulttool.rules import (
    broken_anchor,
    broken_link,
    description_too_short,
    forbidden_content,
    frontmatter_missing,
    frontmatter_syntax,
    frontmatter_type,
    keyword_not_in_text,
    missing_moc,
    missing_topic,
    mojibake,
    name_conflict,
    orphan_note,
    section_missing,
    section_order,
    topics_mismatch,
    unreadable_file,
)

ALL_RULES = (
    unreadable_file,
    frontmatter_syntax,
    broken_link,
    broken_anchor,
    missing_moc,
    orphan_note,
    frontmatter_missing,
    frontmatter_type,
    section_missing,
    section_order,
    description_too_short,
    topics_mismatch,
    keyword_not_in_text,
    forbidden_content,
    mojibake,
    missing_topic,
    name_conflict,
)


def describe(rule: ModuleType) -> tuple[str, str]:
    """A rule's documentation from its docstring: the one-line summary and the body after it."""
    head, _, body = (rule.__doc__ or "").strip().partition("\n")
    return head.split(":", 1)[-1].strip(), body.strip()
