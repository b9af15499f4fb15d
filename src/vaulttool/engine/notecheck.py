"""The per-note half of a check: rules that need one note and its template schema, nothing else.

Most template rules look at one note at a time (its frontmatter, sections, topics table
and keywords), so they run right after the note is parsed, in the worker process that
parsed it, while its text is still in memory. What they find travels back with the
note (:data:`NoteFindings`), is cached with it, and is reused for
every run in which the note, the schemas and the selected rules are unchanged. Rules
that look across notes (links, orphans, missing topics) run later, over the whole vault.

A per-note rule module declares ``SCOPE = "note"`` and defines ``check_note(nc: NoteContext)``
instead of ``check(ctx)`` (see :mod:`vaulttool.rules` and :mod:`vaulttool.rules.context`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from types import ModuleType
from typing import Any

from vaulttool.model.schema import Schema, schema_for
from vaulttool.model.suppress import Suppressions
from vaulttool.model.values import Diagnostic, Note
from vaulttool.rules import rule_scope
from vaulttool.rules.context import LinkKeys, NoteContext, NoteFacts

# What the per-note rules found in one note (default severities, suppressed ones left out),
# the note's suppressions for the rules that run later, and its schema and the topics it names
# (worked out where the note's text is in memory, for the vault-wide rules):
# (diagnostics, rules silenced for the whole note, (rule, first line, last line) spans, facts).
NoteFindings = tuple[tuple[Diagnostic, ...], tuple[str, ...], tuple[tuple[str, int, int], ...], NoteFacts]


def is_note_rule(rule: ModuleType) -> bool:
    """Whether ``rule`` checks one note at a time (``check_note``) rather than the vault (``check``)."""
    return rule_scope(rule) == "note"


class NoteChecker:
    """Runs the selected per-note rules on notes as they are parsed.

    Holds rule ids rather than modules so that it can be sent to a worker process that
    was not forked (the schemas rebuild their models there).
    """

    def __init__(self, schemas: Sequence[Schema], rule_ids: Iterable[str], root: str | None = None) -> None:
        """Check against ``schemas`` with the per-note rules named in ``rule_ids``, notes in vault ``root``."""
        self.schemas = tuple(schemas)
        self.rule_ids = tuple(rule_ids)
        self.root = root

    @cached_property
    def rules(self) -> tuple[ModuleType, ...]:
        """The rule modules, in the order rules always run."""
        from vaulttool.rules import ALL_RULES

        return tuple(rule for rule in ALL_RULES if rule.ID in self.rule_ids)

    @cached_property
    def _keys(self) -> LinkKeys:
        """The link keys of the topics of the notes checked so far."""
        return LinkKeys()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the rule modules (found again by id)."""
        return {"schemas": self.schemas, "rule_ids": self.rule_ids, "root": self.root}

    def schema_of(self, note: Note) -> Schema | None:
        """The schema ``note`` follows, if any."""
        keys = note.fm_key_lines if note.frontmatter is None else ()
        return schema_for(self.schemas, note.path, note.frontmatter, keys)

    def diagnostics(self, note: Note, suppressions: Suppressions) -> list[Diagnostic]:
        """What the rules find in ``note``, at default severities, without the suppressed ones."""
        return _unsilenced(self._found(NoteContext(note.path, note, self.schema_of(note), self.root)), suppressions)

    def _found(self, nc: NoteContext) -> list[Diagnostic]:
        return [diagnostic for rule in self.rules for diagnostic in rule.check_note(nc)]

    def __call__(self, note: Note) -> NoteFindings:
        """The findings of ``note``."""
        nc = NoteContext(note.path, note, self.schema_of(note), self.root, self._keys.__getitem__)
        found = self._found(nc)
        # read after the rules: the words they worked out tell most notes without a suppression comment apart
        suppressions = Suppressions.of(note, nc.lacks_word)
        kept = tuple(_unsilenced(found, suppressions))
        return kept, tuple(sorted(suppressions.whole_note)), suppressions.spans, nc.facts(self.schemas)


def _unsilenced(found: list[Diagnostic], suppressions: Suppressions) -> list[Diagnostic]:
    """``found`` without what ``suppressions`` silence (most notes silence nothing: kept unlooked-at)."""
    if not suppressions.silences_any:
        return found
    return [d for d in found if not suppressions.hides(d.rule, d.line)]
