"""The rules: one module per rule, each with ``ID``, ``DEFAULT_SEVERITY``, ``SCOPE`` and a check.

A rule module's docstring is its documentation (``vaulttool rules`` prints it as plain
text). ``SCOPE`` says what the rule reads, and so what a re-run after some notes changed
must check again (see :mod:`vaulttool.incremental.recheck`); the engine decides everything from it:

- ``"note"``: one note and the template schema it follows, nothing else. The module
  defines ``check_note(nc: NoteContext)``; it runs right after the note is parsed, and
  what it finds is cached with the note.
- ``"links"``: one note read against the vault's files (the name index, aliases, the
  walk's problems) and the headings and blocks of the notes it links to. The module
  defines ``check(ctx: RuleContext)``; a re-run checks the changed notes and the notes
  that link to their headings or blocks.
- ``"graph"``: which notes link to which, across the whole vault. A re-run also checks
  the notes a changed note linked to before or links to now.
- ``"vault"``: anything at all. The module defines ``check(ctx: VaultContext)``. A re-run
  checks the whole vault (from cached notes), so such a rule is always right, at the cost
  of speed. A rule that declares no scope is treated as one.

The contexts are frozen, built by the engine (see :mod:`vaulttool.rules.context`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import ModuleType

from vaulttool.model.suggest import did_you_mean
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


# What each scope means, in the words ``vaulttool rules`` uses.
SCOPE_WORDS = {
    "note": "the note alone, and the template schema it follows",
    "links": "the note, the names of the vault's files, and the notes it links to",
    "graph": "which notes link to which, across the vault",
    "vault": "the whole vault",
}
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)


class UnknownRule(ValueError):
    """A rule id that none of ``rules`` has; the message (after ``where``) suggests near ones."""

    def __init__(self, rule_id: str, rules: Iterable[ModuleType], where: str = "") -> None:
        hint = did_you_mean(rule_id, (rule.ID for rule in rules))
        super().__init__(f"{where}unknown rule '{rule_id}'{hint}; 'vaulttool rules' lists them")


def rule_named(rule_id: str) -> ModuleType:
    """The rule module with id ``rule_id``; raises :class:`UnknownRule`."""
    found = next((rule for rule in ALL_RULES if rule_id == rule.ID), None)
    if found is None:
        raise UnknownRule(rule_id, ALL_RULES)
    return found


def describe(rule: ModuleType) -> tuple[str, str]:
    """A rule's documentation as plain text: its one-line summary, and the paragraphs after it.

    Literals (double backquotes in the docstring) become their text; each paragraph is one
    line, paragraphs are separated by a blank line.
    """
    text = _LITERAL.sub(lambda m: m.group(1).strip(), (rule.__doc__ or "").strip())
    head, _, body = text.partition("\n")
    paragraphs = (" ".join(paragraph.split()) for paragraph in body.split("\n\n"))
    return head.split(":", 1)[-1].strip(), "\n\n".join(p for p in paragraphs if p)
