"""The engine: load the vault once, run the enabled rules, stamp severities, sort.

Rules report facts (a :class:`Diagnostic` at their default severity); the engine decides
which rules run, on which context (from each rule's ``SCOPE``, see :mod:`vaulttool.rules`),
and what severity each finding gets, from the command line and the configuration.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from types import ModuleType

from vaulttool.engine.load import Context, Loaded, NoteSource, load
from vaulttool.engine.notecheck import NoteChecker, is_note_rule
from vaulttool.engine.options import Options, enabled_rules, options_for
from vaulttool.model.notes import note_from_bytes
from vaulttool.model.suppress import NOTHING, Suppressions
from vaulttool.model.values import Diagnostic, Severity, diagnostic_order
from vaulttool.model.vault import WalkResult, note_path, walk_vault
from vaulttool.rules import rule_scope
from vaulttool.rules.context import RuleContext, VaultContext

_SEVERITY = attrgetter("severity")
_FOUND, _SILENCED, _SPANS = itemgetter(0), itemgetter(1), itemgetter(2)  # the parts of a note's findings


@dataclass(frozen=True)
class Report:
    """The result of a check: counts and sorted diagnostics.

    ``context`` is the vault as checked, for callers that look further (None when the
    caller did not ask to keep it, or the report came from a cache).
    """

    vault: str
    notes: int
    links: int
    diagnostics: tuple[Diagnostic, ...]
    context: VaultContext | None = field(default=None, compare=False, repr=False)
    # how fixes are shown: unsafe ones applicable too (``--unsafe-fixes``), and how many stay hidden
    unsafe_fixes: bool = field(default=False, compare=False, repr=False)
    hidden_fixes: int = field(default=0, compare=False, repr=False)

    def count(self, severity: Severity) -> int:
        """How many diagnostics have ``severity``."""
        return self._counts[severity]

    @cached_property
    def _counts(self) -> Counter[Severity]:
        return Counter(map(_SEVERITY, self.diagnostics))


def run_rules(loaded: Loaded[Context], rules: Iterable[ModuleType], options: Options) -> list[Diagnostic]:
    """Run ``rules`` over the ``loaded`` vault; return diagnostics with configured severities, sorted.

    Each rule reads what its scope names: a ``note`` rule's findings were made while the
    vault was loaded (or are made now), a ``vault`` rule reads the whole context (a
    :class:`VaultContext`: the vault must be loaded with its links), any other rule the
    :class:`RuleContext` part of it.
    """
    rules = list(rules)
    note_rules = [rule.ID for rule in rules if is_note_rule(rule)]
    found = note_diagnostics(loaded, note_rules)  # suppressions applied already
    stamps = {rule_id: severity for rule_id in note_rules if (severity := options.severity.get(rule_id)) is not None}
    if stamps:
        found = [_stamped(diag, stamps.get(diag.rule)) for diag in found]
    suppressions: dict[str, Suppressions] | None = None if _silences_nothing(loaded) else {}
    narrow: RuleContext | None = None
    for rule in rules:
        scope = rule_scope(rule)
        if scope == "note":
            continue
        if scope == "vault" and not isinstance(loaded.context, VaultContext):
            raise ValueError(f"rule '{rule.ID}' reads the whole vault: load it with its links")
        if scope != "vault" and narrow is None:
            narrow = _narrowed(loaded.context)
        diagnostics = rule.check(loaded.context if scope == "vault" else narrow)
        if suppressions is not None:
            diagnostics = _unsuppressed(loaded, diagnostics, suppressions)
        severity = options.severity.get(rule.ID)
        found += diagnostics if severity is None else (_stamped(diag, severity) for diag in diagnostics)
    if options.obsidian.active:  # nothing on excluded files, little on templates
        found = [diag for diag in found if options.obsidian.reports_on(diag.path, diag.rule)]
    found.sort(key=diagnostic_order)
    return found


def _stamped(diag: Diagnostic, severity: Severity | None) -> Diagnostic:
    """``diag`` at ``severity`` (None: as it is)."""
    return diag if severity is None or diag.severity is severity else diag._replace(severity=severity)


def _silences_nothing(loaded: Loaded[Context]) -> bool:
    """Whether no note of the ``loaded`` vault can hide a finding: each has findings, none with a suppression."""
    findings = loaded.findings
    if not findings.keys() >= loaded.context.notes.keys():
        return False
    return not any(map(_SILENCED, findings.values())) and not any(map(_SPANS, findings.values()))


def _narrowed(ctx: RuleContext) -> RuleContext:
    """``ctx`` as a plain :class:`RuleContext`: a rule reads no more than its scope names, from a library
    call (that keeps the whole vault) as from the command line (that does not)."""
    if type(ctx) is RuleContext:
        return ctx
    return RuleContext(**{f.name: getattr(ctx, f.name) for f in dataclasses.fields(RuleContext)})


def suppressions(loaded: Loaded[Context], path: str) -> Suppressions:
    """The suppression settings and comments of note ``path``."""
    found = loaded.findings.get(path)
    if found is None:
        return Suppressions.of(loaded.context.notes[path])
    return Suppressions(frozenset(found[1]), found[2]) if found[1] or found[2] else NOTHING


def note_diagnostics(loaded: Loaded[Context], rule_ids: Iterable[str]) -> list[Diagnostic]:
    """What the per-note rules ``rule_ids`` find, note by note, at default severities, suppressed ones left out.

    Taken from the findings of the rules run while loading; the others run now.
    """
    wanted = set(rule_ids)
    found = list(chain.from_iterable(map(_FOUND, loaded.findings.values())))
    if not wanted.issuperset(loaded.checked):
        found = [diag for diag in found if diag.rule in wanted]
    late = [rule_id for rule_id in wanted if rule_id not in loaded.checked]
    if late:
        ctx = loaded.context
        checker = NoteChecker(ctx.schemas, late, os.fspath(ctx.root))
        for path, note in ctx.notes.items():
            found += checker.diagnostics(note, suppressions(loaded, path))
    return found


def _unsuppressed(
    loaded: Loaded[Context], diagnostics: Iterable[Diagnostic], seen: dict[str, Suppressions]
) -> Iterator[Diagnostic]:
    """``diagnostics`` without those a note's suppressions hide (``seen``: suppressions read so far)."""
    notes = loaded.context.notes
    for diag in diagnostics:
        if diag.path in notes:
            found = seen.get(diag.path)
            if found is None:
                found = seen[diag.path] = suppressions(loaded, diag.path)
            if found is not NOTHING and found.hides(diag.rule, diag.line):
                continue
        yield diag


def keeps_links(rules: Iterable[ModuleType]) -> bool:
    """Whether ``rules`` need every link of every note kept (a rule of scope ``vault`` may read them)."""
    return any(rule_scope(rule) == "vault" for rule in rules)


def check(
    root: Path,
    options: Options | None = None,
    *,
    source: NoteSource | None = None,
    walked: WalkResult | None = None,
    keep_context: bool = True,
) -> Report:
    """Check the vault at ``root`` and return its report.

    Without ``options``, the vault's configuration file and schemas decide. ``source``:
    where the notes come from (by default read from their files here). ``walked``: the
    vault's files, when the caller has listed them already with ``options.exclude``.
    Without ``keep_context`` the report holds no context, and the vault is held in memory
    more leanly (unless a rule of scope ``vault`` needs it whole).
    """
    options = options or options_for(root)
    rules = enabled_rules(options)
    keep = keep_context or keeps_links(rules)
    loaded = load(root, options, source=source, walked=walked, rules=rules, keep_links=keep)
    return report_of(root, loaded, run_rules(loaded, rules, options), keep_context)


def report_of(root: Path, loaded: Loaded[Context], found: list[Diagnostic], keep_context: bool) -> Report:
    """The report of the ``loaded`` vault at ``root`` whose rules ``found`` these diagnostics (sorted)."""
    context = loaded.context if keep_context and isinstance(loaded.context, VaultContext) else None
    return Report(os.fspath(root), len(loaded.context.notes), loaded.link_count, tuple(found), context=context)


def check_draft(
    root: Path,
    path: str,
    data: bytes,
    options: Options | None = None,
    *,
    source: NoteSource | None = None,
) -> Report:
    """Check ``data`` as if it were the note at vault path ``path`` (the rest of the vault as it is).

    The draft replaces the file at ``path`` (or joins the vault as a new note): it follows
    its template, its links resolve against the vault, and the vault-wide rules see it in
    the file's place. ``source`` gives the other notes, and must not keep the draft as its
    file's content. The report holds the diagnostics of ``path`` alone and counts that one
    note and its links. ``path`` must be a note path inside the vault (see
    :func:`~vaulttool.model.vault.note_path`), else ValueError.
    """
    path = note_path(path)
    options = options or options_for(root)
    rules = enabled_rules(options)
    walked = walk_vault(root, options.exclude)
    notes = walked.notes if path in walked.notes else tuple(sorted((*walked.notes, path)))
    problems = tuple(d for d in walked.problems if d.path != path)  # the file at path is not read
    walked = WalkResult(notes, walked.attachments, problems)
    draft = note_from_bytes(path, data, options.max_file_size)
    loaded = load(root, options, source=source, walked=walked, rules=rules, drafts={path: draft})
    found = [diag for diag in run_rules(loaded, rules, options) if diag.path == path]
    context = loaded.context if isinstance(loaded.context, VaultContext) else None
    return Report(os.fspath(root), 1, len(loaded.context.targets[path]), tuple(found), context=context)
