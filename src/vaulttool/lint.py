"""The engine: read the vault once, run the enabled rules, stamp severities, sort.

Rules report facts (a :class:`Diagnostic` at their default severity); the engine decides
which rules run and what severity each finding gets, from the command line and the
configuration.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from vaulttool.graph import LinkGraph, ResolvedLink
from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.notes import DEFAULT_MAX_BYTES, read_note
from vaulttool.rules import ALL_RULES
from vaulttool.vault import VaultIndex, walk_vault


@dataclass(frozen=True)
class Options:
    """What to check and how: rule selection, severities, ignored paths, size cap."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES


@dataclass
class RuleContext:
    """Everything a rule may read: parsed notes, the index, resolved links, the graph."""

    root: Path
    notes: dict[str, Note]
    attachments: tuple[str, ...]
    index: VaultIndex
    resolved: list[ResolvedLink]
    walk_problems: tuple[Diagnostic, ...] = ()

    @cached_property
    def graph(self) -> LinkGraph:
        """The link graph, built on first use."""
        return LinkGraph(self.notes, self.attachments, self.resolved)


@dataclass(frozen=True)
class Report:
    """The result of a check: counts and sorted diagnostics."""

    vault: str
    notes: int
    links: int
    diagnostics: tuple[Diagnostic, ...]

    def count(self, severity: Severity) -> int:
        """How many diagnostics have ``severity``."""
        return sum(1 for d in self.diagnostics if d.severity is severity)


def load_vault(root: Path, options: Options) -> RuleContext:
    """Walk, read, parse and resolve the whole vault once."""
    walked = walk_vault(root, options.exclude)
    base = os.fspath(root)
    notes = {path: read_note(base, path, options.max_file_size) for path in walked.notes}
    index = VaultIndex(walked.notes, walked.attachments)
    resolved = [
        ResolvedLink(path, link, index.resolve(link.target, path))
        for path, note in notes.items()
        for link in note.links
    ]
    return RuleContext(root, notes, walked.attachments, index, resolved, walked.problems)


def enabled_rules(options: Options) -> list[ModuleType]:
    """The rule modules selected by ``options`` (all by default, minus ignored ones)."""
    known = {rule.ID for rule in ALL_RULES}
    for rule_id in (*options.select, *options.ignore, *options.severity):
        if rule_id not in known and rule_id != "ALL":
            raise ValueError(f"unknown rule '{rule_id}' (see 'vaulttool rules')")
    chosen = [r for r in ALL_RULES if not options.select or "ALL" in options.select or r.ID in options.select]
    return [r for r in chosen if r.ID not in options.ignore]


def run_rules(ctx: RuleContext, rules: Iterable[ModuleType], options: Options) -> list[Diagnostic]:
    """Run ``rules`` over ``ctx``; return diagnostics with configured severities, sorted."""
    found: list[Diagnostic] = []
    for rule in rules:
        severity = options.severity.get(rule.ID)
        for diag in rule.check(ctx):
            if severity is not None and diag.severity is not severity:
                diag = dataclasses.replace(diag, severity=severity)
            found.append(diag)
    found.sort(key=Diagnostic.sort_key)
    return found


def check(root: Path, options: Options | None = None) -> Report:
    """Check the vault at ``root`` and return its report (the public entry point)."""
    options = options or Options()
    rules = enabled_rules(options)
    ctx = load_vault(root, options)
    diagnostics = run_rules(ctx, rules, options)
    return Report(vault=os.fspath(root), notes=len(ctx.notes), links=len(ctx.resolved), diagnostics=tuple(diagnostics))
