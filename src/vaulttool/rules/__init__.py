"""The rules: one module per rule, each with ``ID``, ``DEFAULT_SEVERITY``, ``SCOPE`` and a check.

A rule module's docstring is its documentation (``vaulttool rules`` prints it). ``SCOPE``
says what the rule reads, and so what a re-run after some notes changed must check again
(see :mod:`vaulttool.recheck`); the engine decides everything from it:

- ``"note"``: one note and the template schema it follows, nothing else. The module
  defines ``check_note(nc: NoteContext)``; it runs right after the note is parsed, and
  what it finds is cached with the note.
- ``"links"``: one note read against the vault's files (the name index, aliases, the
  walk's problems) and the headings and blocks of the notes it links to. The module
  defines ``check(ctx: RuleContext)``; a re-run checks the changed notes and the notes
  that link to their headings or blocks.
- ``"graph"``: which notes link to which, across the whole vault. A re-run also checks
  the notes a changed note linked to before or links to now.
- ``"vault"``: anything at all. A re-run checks the whole vault (from cached notes), so
  such a rule is always right, at the cost of speed. A rule that declares no scope is
  treated as one.
"""

from __future__ import annotations

from types import ModuleType

from vaulttool.rules import (
    broken_anchor,
    broken_link,
    description_too_short,
    forbidden_content,
    frontmatter_link_unquoted,
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
    frontmatter_link_unquoted,
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


SCOPES = ("note", "links", "graph", "vault")


def rule_scope(rule: ModuleType) -> str:
    """What ``rule`` reads (one of :data:`SCOPES`; ``"vault"`` when it does not say)."""
    found: str = getattr(rule, "SCOPE", "vault")
    if found not in SCOPES:
        raise ValueError(f"rule '{rule.ID}' declares an unknown SCOPE {found!r} (known: {', '.join(SCOPES)})")
    return found


def describe(rule: ModuleType) -> tuple[str, str]:
    """A rule's documentation from its docstring: the one-line summary and the body after it."""
    head, _, body = (rule.__doc__ or "").strip().partition("\n")
    return head.split(":", 1)[-1].strip(), body.strip()
