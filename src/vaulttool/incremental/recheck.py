"""Checking a vault again after a few of its notes changed: only what those changes can affect.

Every check with a cache leaves its :class:`State` behind: the stamp of each note, the
final diagnostics of each file, each note's aliases, which files the vault held. When a
later check, with the same settings, finds the same files and only a few notes changed,
what must be checked again follows from what the enabled rules read (their ``SCOPE``, see
:mod:`vaulttool.rules`):

- ``note`` rules: the changed notes;
- ``links`` rules: also the notes that link to a heading or block of a changed note (the
  anchor may have broken or been fixed);
- ``graph`` rules: also the notes a changed note linked to before or links to now (one
  may have become an orphan, or stopped being one);
- a ``vault`` rule: everything, so the re-run is a full check (from the cached notes).

Those notes are checked again, with every rule, on a context holding them and the notes
whose headings they link to; every other file keeps its diagnostics. ``links`` rules also
read the vault's files and aliases, so added or removed files and changed aliases mean a
full check, as do other settings, an incomplete state or more than one changed note in
:data:`MAX_SHARE`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vaulttool.engine.lint import Options, Report, RuleContext, notes_key, run_rules
from vaulttool.engine.notecheck import NoteChecker, built, is_note_rule
from vaulttool.incremental.pool import pack, parse_entries
from vaulttool.incremental.records import diagnostic_from_record, diagnostic_record, from_record
from vaulttool.model.graph import LinkResolver, ResolvedLink, anchored_links, targets
from vaulttool.model.values import Diagnostic, Note
from vaulttool.model.vault import VaultIndex, WalkResult, alias_owners, note_aliases
from vaulttool.rules import rule_scope

if TYPE_CHECKING:
    from vaulttool.files.stamps import Stamp
    from vaulttool.incremental.cache import VaultCache

MAX_SHARE = 20  # check again only what changed when at most one note in this many did
Records = tuple[tuple[Any, ...], ...]
TargetMap = dict[str, tuple[str | None, ...]]  # what each note's links resolve to, in order


@dataclass(frozen=True)
class State:
    """What a check leaves for the next one (see the module documentation)."""

    id: str  # new for every state: what a printed report says it was printed from
    files: str  # VaultCache.files_key of the vault's files
    problems: tuple[tuple[str, str], ...]  # the walk's problems: (path, message)
    stamps: dict[str, Stamp]  # notes whose diagnostics can be trusted while their file keeps this stamp
    diagnostics: dict[str, Records]  # the final diagnostic records of each file, in report order
    aliases: dict[str, tuple[str, ...]]  # the aliases of each note that has some
    anchored: dict[str, tuple[str, ...]]  # the notes each note links to with a #heading or #^block
    targets: TargetMap  # what each note's links resolved to

    def value(self) -> tuple[Any, ...]:
        """The state as plain data for the cache."""
        return (
            self.id,
            self.files,
            self.problems,
            self.stamps,
            self.diagnostics,
            self.aliases,
            self.anchored,
            self.targets,
        )

    @classmethod
    def from_value(cls, value: Any) -> State | None:
        """The state ``value`` (made by :meth:`value`) describes, or None when it is not one."""
        if type(value) is not tuple or len(value) != 8:
            return None
        kinds = (str, str, tuple, dict, dict, dict, dict, dict)
        if any(type(item) is not kind for item, kind in zip(value, kinds, strict=True)):
            return None
        return cls(*value)

    def report(self, vault: str, notes: int, since: State, changed: frozenset[str] = frozenset()) -> Report:
        """The report this state holds, for a vault of ``notes`` notes, worked out from state ``since``
        by checking the ``changed`` files again."""
        records = self.diagnostics
        found = tuple(diagnostic_from_record(r) for path in sorted(records) for r in records[path])
        links = sum(map(len, self.targets.values()))
        return Report(vault, notes, links, found, state=self.id, since=since.id, changed=changed)


def new_id() -> str:
    """A fresh state id."""
    return os.urandom(8).hex()


def walk_problems(walked: WalkResult) -> tuple[tuple[str, str], ...]:
    """The walk's problems as they are compared between runs."""
    return tuple((d.path, d.message) for d in walked.problems)


Facts = tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], TargetMap]


def vault_facts(ctx: RuleContext) -> Facts:
    """What a state keeps of a checked vault besides its diagnostics: aliases, anchored links, link targets."""
    aliases = {path: found for path, note in ctx.notes.items() if (found := note_aliases(note.frontmatter))}
    return aliases, _anchored(ctx.anchored), ctx.targets


def state_of(report: Report, facts: Facts, walked: WalkResult, cache: VaultCache, files: str) -> State:
    """The state a full check with ``report`` of a vault with ``facts`` (see :func:`vault_facts`) leaves behind."""
    aliases, anchored, targets = facts
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for diag in report.diagnostics:
        grouped.setdefault(diag.path, []).append(diagnostic_record(diag))
    records = {path: tuple(found) for path, found in grouped.items()}
    return State(new_id(), files, walk_problems(walked), _settled(cache, walked), records, aliases, anchored, targets)


def _anchored(links: Sequence[ResolvedLink]) -> dict[str, tuple[str, ...]]:
    """The notes each source of ``links`` links to with a subpath."""
    found: dict[str, set[str]] = {}
    for item in anchored_links(links):
        if item.resolved is not None:
            found.setdefault(item.source, set()).add(item.resolved)
    return {source: tuple(sorted(paths)) for source, paths in found.items()}


def _settled(cache: VaultCache, walked: WalkResult) -> dict[str, Stamp]:
    return {path: stamp for path, stamp in cache.stamps(walked.notes).items() if cache.settled(stamp)}


def recheck(
    root: Path,
    options: Options,
    rules: Sequence[ModuleType],
    cache: VaultCache,
    walked: WalkResult,
    state: State,
    files: str,
) -> tuple[Report, State] | None:
    """The report of ``root`` worked out from ``state`` and the notes changed since, and the
    state to keep; None when a full check is needed instead."""
    scopes = {rule_scope(rule) for rule in rules}
    if "vault" in scopes or state.files != files or state.problems != walk_problems(walked):
        return None
    stamps = cache.stamps(walked.notes)
    changed = [p for p in walked.notes if (s := stamps.get(p)) is None or state.stamps.get(p) != s]
    if len(changed) * MAX_SHARE > len(walked.notes):
        return None
    vault = os.fspath(root)
    if not changed:
        return state.report(vault, len(walked.notes), state), state
    known = state.targets
    if len(known) != len(walked.notes):
        return None
    base, cap = vault, options.max_file_size
    checked = tuple(rule.ID for rule in rules if is_note_rule(rule))
    checker = NoteChecker(options.schemas, checked, base) if checked else None
    entries = parse_entries(base, changed, cap, checker, cache.content)
    fresh = {path: from_record(record, base, cap) for path, _, record, _ in entries}
    if any(note_aliases(note.frontmatter) != state.aliases.get(path, ()) for path, note in fresh.items()):
        return None
    index = VaultIndex(walked.notes, walked.attachments)
    resolver = LinkResolver(index, options.obsidian.is_template)
    new_links = {path: resolver.links(path, note) for path, note in fresh.items()}
    now = {**known, **{path: targets(links) for path, links in new_links.items()}}
    anchored = {path: found for path, found in state.anchored.items() if path not in new_links}
    for found_links in new_links.values():
        anchored.update(_anchored(found_links))
    dirty = _affected(set(changed), known, now, state.anchored, scopes) & set(walked.notes)
    needed = dirty.union(*(anchored.get(path, ()) for path in dirty))
    shared: dict[str, str] = {}
    findings = {path: built(found, shared) for path, _, _, found in entries if found is not None}
    notes: dict[str, Note] = dict(fresh)
    key = notes_key(options, checked)
    for path, record, found in cache.load_notes(key, stamps, wanted=needed.difference(fresh)):
        notes[path] = from_record(record, base, cap)
        if found is not None:
            findings[path] = built(found, shared)
    if not needed.issubset(notes) or (checked and not dirty.issubset(findings)):
        return None  # the cache lacks some of them: check everything
    if any(len(now[path]) != len(notes[path].links) for path in dirty):
        return None  # not the notes the state was made from
    ctx = RuleContext(
        root,
        {path: notes[path] for path in walked.notes if path in needed},
        walked.attachments,
        index,
        {path: now[path] for path in walked.notes if path in dirty},  # only their links are checked
        walked.problems,
        options.schemas,
        {path: findings[path] for path in walked.notes if path in findings},
        checked,
        # what the rules would work out from the whole vault, given from the whole vault
        known_linked=_linked(dirty, now),
        known_aliases=alias_owners((p, state.aliases[p]) for p in walked.notes if p in state.aliases),
        moc_fields=options.moc_fields,
    )
    diagnostics = _merge(state.diagnostics, dirty, run_rules(ctx, rules, options))
    cache.add_notes(key, entries, pack(entries)[0])
    cache.save_notes(key)
    if any(now[path] != known[path] for path in changed):
        cache.save_resolved(files, now)
    settled = _settled(cache, walked)
    new_state = State(new_id(), files, state.problems, settled, diagnostics, state.aliases, anchored, now)
    return new_state.report(vault, len(walked.notes), state, frozenset(dirty)), new_state


def _affected(
    changed: set[str], before: TargetMap, now: TargetMap, anchored: dict[str, tuple[str, ...]], scopes: set[str]
) -> set[str]:
    """The files whose diagnostics the changed notes can affect under rules of ``scopes``: themselves,
    the notes that link to their headings or blocks, the files they linked to before or link to now."""
    dirty = set(changed)
    if "links" in scopes:
        for path, found in anchored.items():
            if not changed.isdisjoint(found):
                dirty.add(path)
    if "graph" in scopes:
        for path in changed:
            dirty.update(t for t in (*before[path], *now[path]) if t is not None)
    return dirty


def _linked(dirty: set[str], now: TargetMap) -> set[str]:
    """Which of ``dirty`` some other file links to (all that orphan-note asks of them)."""
    linked: set[str] = set()
    for path, found in now.items():
        hits = dirty.intersection(found)
        hits.discard(path)
        linked |= hits
    return linked


def _merge(kept: dict[str, Records], dirty: set[str], found: list[Diagnostic]) -> dict[str, Records]:
    """The diagnostics by file: those in ``kept`` except for ``dirty`` files, which get theirs from ``found``."""
    merged = {path: records for path, records in kept.items() if path not in dirty}
    fresh: dict[str, list[tuple[Any, ...]]] = {}
    for diag in found:  # already in report order
        if diag.path in dirty:
            fresh.setdefault(diag.path, []).append(diagnostic_record(diag))
    merged.update((path, tuple(records)) for path, records in fresh.items())
    return merged
