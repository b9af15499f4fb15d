"""The per-note half of a check: rules that need one note and its template schema, nothing else.

Most template rules look at one note at a time (its frontmatter, sections, topics table
and keywords), so they run right after the note is parsed, in the worker process that
parsed it, while its text is still in memory. What they find travels back with the
note's record as plain data (:data:`Findings`), is cached with it, and is reused for
every run in which the note, the schemas and the selected rules are unchanged. Rules
that look across notes (links, orphans, missing topics) run later, over the whole vault.

A per-note rule module declares ``SCOPE = "note"`` and defines ``check_note(nc: NoteContext)``
instead of ``check(ctx)`` (see :mod:`vaulttool.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

from vaulttool.incremental.records import diagnostic_from_record, diagnostic_record
from vaulttool.model.markdown import Section, heading_words, sections
from vaulttool.model.schema import FieldProblem, Schema, schema_for
from vaulttool.model.suppress import Suppressions
from vaulttool.model.template import TopicRow, topic_rows
from vaulttool.model.values import Diagnostic, Note
from vaulttool.rules import rule_scope

# What the per-note rules found in one note (diagnostic records, default severities,
# suppressed ones left out), the note's suppressions for the rules that run later, and
# the topics its topics table links to (read where the note's text is in memory, for the
# vault-wide rules): (diagnostics, rules silenced for the whole note, (rule, first line,
# last line) spans, topic targets).
Findings = tuple[tuple[tuple[Any, ...], ...], tuple[str, ...], tuple[tuple[str, int, int], ...], tuple[str, ...]]


# Findings with their diagnostics built: what a checked vault keeps of each note.
NoteFindings = tuple[tuple[Diagnostic, ...], tuple[str, ...], tuple[tuple[str, int, int], ...], tuple[str, ...]]


def built(found: Findings, shared: dict[str, str]) -> NoteFindings:
    """``found`` with its diagnostics built from their records (texts shared through ``shared``)."""
    return tuple([diagnostic_from_record(record, shared) for record in found[0]]), found[1], found[2], found[3]


def is_note_rule(rule: ModuleType) -> bool:
    """Whether ``rule`` checks one note at a time (``check_note``) rather than the vault (``check``)."""
    return rule_scope(rule) == "note"


@dataclass
class NoteContext:
    """One note, the schema it follows (None for none) and what the template rules derive from both.

    ``root`` is the vault's folder when the note is in one (fixes that need the file look there).
    """

    path: str
    note: Note
    schema: Schema | None
    root: str | None = None

    @cached_property
    def _sections(self) -> dict[tuple[str, ...], Section]:
        found: dict[tuple[str, ...], Section] = {}
        for section in sections(self.note):
            found.setdefault(heading_words(section.heading.text), section)
        return found

    def section(self, heading: str) -> Section | None:
        """The note's first section whose heading has the words of ``heading``."""
        return self._sections.get(heading_words(heading))

    @cached_property
    def topic_rows(self) -> list[TopicRow]:
        """The rows of the note's topics table (empty without a schema table or a table)."""
        if self.schema is None or self.schema.spec.table is None:
            return []
        return topic_rows(self.note, self.schema.spec.table)

    @cached_property
    def field_problems(self) -> list[FieldProblem]:
        """Frontmatter that breaks the schema (none when the YAML did not parse: that is reported already)."""
        if self.schema is None or any(p.rule == "frontmatter-syntax" for p in self.note.problems):
            return []
        return self.schema.validate(self.note.frontmatter or {})


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

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the rule modules (found again by id)."""
        return {"schemas": self.schemas, "rule_ids": self.rule_ids, "root": self.root}

    def schema_of(self, note: Note) -> Schema | None:
        """The schema ``note`` follows, if any."""
        keys = note.fm_key_lines if note.frontmatter is None else ()
        return schema_for(self.schemas, note.path, note.frontmatter, keys)

    def diagnostics(self, note: Note, suppressions: Suppressions) -> list[Diagnostic]:
        """What the rules find in ``note``, at default severities, without the suppressed ones."""
        return self._found(NoteContext(note.path, note, self.schema_of(note), self.root), suppressions)

    def _found(self, nc: NoteContext, suppressions: Suppressions) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        for rule in self.rules:
            found.extend(d for d in rule.check_note(nc) if not suppressions.hides(d.rule, d.line))
        return found

    def __call__(self, note: Note) -> Findings:
        """The findings of ``note`` as plain data."""
        nc = NoteContext(note.path, note, self.schema_of(note), self.root)
        suppressions = Suppressions.of(note)
        found = tuple(map(diagnostic_record, self._found(nc, suppressions)))
        topics = tuple(row.target for row in nc.topic_rows if row.target is not None)
        return found, tuple(sorted(suppressions.whole_note)), suppressions.spans, topics
