"""The engine: read the vault once, run the enabled rules, stamp severities, sort.

Rules report facts (a :class:`Diagnostic` at their default severity); the engine decides
which rules run and what severity each finding gets, from the command line and the
configuration.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from vaulttool.graph import LinkResolver, ResolvedLink, targets
from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.notes import DEFAULT_MAX_BYTES
from vaulttool.pool import Progress, parse_chunks
from vaulttool.records import diagnostic_from_record, diagnostic_record, from_record
from vaulttool.rules import ALL_RULES
from vaulttool.vault import VaultIndex, WalkResult, walk_vault

if TYPE_CHECKING:
    from vaulttool.cache import VaultCache
    from vaulttool.graph import LinkGraph


@dataclass(frozen=True)
class Options:
    """What to check and how: rule selection, severities, ignored paths, size cap."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES

    def fingerprint(self, *extra: bytes) -> str:
        """A digest of the tool version and code, these options and ``extra``: the key of a cached result.

        Whatever else a result depends on (schema or configuration file contents) goes in ``extra``.
        """
        from vaulttool.cache import fingerprint

        options = json.dumps(dataclasses.asdict(self), sort_keys=True, default=repr).encode()
        return fingerprint(options, *extra)


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
        from vaulttool.graph import LinkGraph

        return LinkGraph(self.notes, self.attachments, self.resolved)


@dataclass(frozen=True)
class Report:
    """The result of a check: counts and sorted diagnostics.

    ``context`` is the vault as checked (None when the report came from the cache); it is
    kept with the report for callers that look further, and so that a command line run
    that exits right after printing never spends time taking it apart.
    """

    vault: str
    notes: int
    links: int
    diagnostics: tuple[Diagnostic, ...]
    context: RuleContext | None = field(default=None, compare=False, repr=False)

    def count(self, severity: Severity) -> int:
        """How many diagnostics have ``severity``."""
        return sum(1 for d in self.diagnostics if d.severity is severity)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a vault's notes allocates millions of objects and frees almost none, so the
    cyclic collector would only rescan the growing heap again and again: pause it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_vault(
    root: Path,
    options: Options,
    *,
    jobs: int = 0,
    cache: VaultCache | None = None,
    walked: WalkResult | None = None,
    progress: Progress | None = None,
) -> RuleContext:
    """Walk, read, parse and resolve the whole vault once.

    Large vaults are parsed by ``jobs`` processes (0: one per CPU, see :mod:`vaulttool.pool`);
    with a ``cache``, notes unchanged since it was written are not read again.
    """
    walked = walked or walk_vault(root, options.exclude)
    base, cap = os.fspath(root), options.max_file_size
    index = VaultIndex(walked.notes, walked.attachments)
    resolver = LinkResolver(index)
    with _gc_paused():
        notes: dict[str, Note] = {}
        links: dict[str, list[ResolvedLink]] = {}
        known: dict[str, tuple[str | None, ...]] = {}
        if cache is not None:
            key, files = _parse_key(options), cache.files_key(walked)
            known = cache.load_resolved(files)
            for path, record in cache.load_notes(key, cache.stamps(walked.notes)):
                with contextlib.suppress(Exception):  # a damaged entry: parse the note again
                    notes[path] = from_record(record, base, cap)
        missing = [path for path in walked.notes if path not in notes]
        for entries, blob in parse_chunks(base, missing, cap, jobs, progress, packed=cache is not None):
            for path, _, record in entries:  # built, resolved and stored here while workers parse on
                note = notes[path] = from_record(record, base, cap)
                links[path] = resolver.links(path, note)
            if cache is not None:
                cache.add_notes(key, entries, blob)
        for path, note in notes.items():
            if path not in links:
                links[path] = resolver.links(path, note, known.get(path))
        notes = {path: notes[path] for path in walked.notes}
        if cache is not None:
            cache.save_notes(key)
            stamps = cache.stamps(walked.notes)
            # notes changed too recently to be cached are read again next time anyway
            if len(known) != len(notes) or any(cache.settled(stamps.get(path)) for path in missing):
                cache.save_resolved(files, {path: targets(links[path]) for path in walked.notes})
        resolved: list[ResolvedLink] = []
        for path in walked.notes:
            resolved += links.pop(path)
    return RuleContext(root, notes, walked.attachments, index, resolved, walked.problems)


def _parse_key(options: Options) -> str:
    """What parsed notes depend on: the tool and the size cap."""
    from vaulttool.cache import fingerprint

    return fingerprint(b"notes", str(options.max_file_size).encode())


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


def check(
    root: Path,
    options: Options | None = None,
    *,
    jobs: int = 0,
    cache: VaultCache | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check the vault at ``root`` and return its report (the public entry point).

    With a ``cache``, a vault whose files are all unchanged since the cached run gets that
    run's report without a note being read.
    """
    options = options or Options()
    rules = enabled_rules(options)
    if cache is None:
        ctx = load_vault(root, options, jobs=jobs, progress=progress)
        return _report(root, ctx, run_rules(ctx, rules, options))
    walked = walk_vault(root, options.exclude)
    key = cache.result_key(options.fingerprint(), walked)
    stored = cache.load_result(key)
    if stored is not None:
        try:
            diagnostics = tuple(map(diagnostic_from_record, stored[2]))
            return Report(vault=os.fspath(root), notes=stored[0], links=stored[1], diagnostics=diagnostics)
        except Exception:  # a damaged entry: check again
            pass
    ctx = load_vault(root, options, jobs=jobs, cache=cache, walked=walked, progress=progress)
    report = _report(root, ctx, run_rules(ctx, rules, options))
    if cache.all_settled():
        cache.save_result(key, report.notes, report.links, tuple(map(diagnostic_record, report.diagnostics)))
    return report


def _report(root: Path, ctx: RuleContext, diagnostics: list[Diagnostic]) -> Report:
    return Report(os.fspath(root), len(ctx.notes), len(ctx.resolved), tuple(diagnostics), context=ctx)
