"""Checking a vault again after a few of its notes changed: only what those changes can affect.

Every check with a cache leaves its :class:`~vaulttool.incremental.state.State` behind:
the stamp of each note, the final diagnostics of each file, each note's aliases, which
files the vault held. When a
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
whose headings they link to, and the facts of the whole vault (what every link resolves
to, every note's aliases) from the state; every other file keeps its diagnostics. ``links`` rules also
read the vault's files and aliases, so added or removed files and changed aliases mean a
full check, as do other settings, an incomplete state or more than one changed note in
:data:`MAX_SHARE`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vaulttool.engine.lint import Report, run_rules
from vaulttool.engine.load import Loaded, flatten
from vaulttool.engine.notecheck import NoteChecker, is_note_rule
from vaulttool.engine.options import Options
from vaulttool.incremental.pool import Chunk, pack, parse_entries
from vaulttool.incremental.records import built, diagnostic_record, from_record
from vaulttool.incremental.source import DAMAGED, notes_key
from vaulttool.incremental.state import Records, State, TargetMap, anchored_notes, new_id, settled, walk_problems
from vaulttool.model.graph import LinkResolver, link_parts, resolved_links
from vaulttool.model.values import Diagnostic, Note
from vaulttool.model.vault import VaultIndex, WalkResult, note_aliases
from vaulttool.rules import rule_scope
from vaulttool.rules.context import RuleContext

if TYPE_CHECKING:
    from vaulttool.incremental.cache import VaultCache

MAX_SHARE = 20  # check again only what changed when at most one note in this many did


def recheck(
    root: Path,
    options: Options,
    rules: Sequence[ModuleType],
    cache: VaultCache,
    walked: WalkResult,
    state: State,
    files: str,
) -> tuple[Report, State, frozenset[str]] | None:
    """The report of ``root`` worked out from ``state`` and the notes changed since, the state to
    keep, and the files whose diagnostics were worked out again; None when a full check is needed.

    ``state`` must have been made for the vault's files (``files``), see :meth:`State.fit`.
    """
    scopes = {rule_scope(rule) for rule in rules}
    if "vault" in scopes or state.problems != walk_problems(walked):
        return None
    stamps = cache.stamps(walked.notes)
    changed = [p for p in walked.notes if (s := stamps.get(p)) is None or state.stamps.get(p) != s]
    if len(changed) * MAX_SHARE > len(walked.notes):
        return None
    vault = os.fspath(root)
    if not changed:
        return state.report(vault, len(walked.notes)), state, frozenset()
    base, cap, known = vault, options.max_file_size, state.targets
    checked = tuple(rule.ID for rule in rules if is_note_rule(rule))
    checker = NoteChecker(options.schemas, checked, base)  # the notes' facts, as a full check finds them
    entries = parse_entries(base, changed, cap, checker, cache.content)
    fresh = {path: from_record(record, base, stamp, cap) for path, stamp, record, _ in entries}
    if any(note_aliases(note.frontmatter) != state.aliases.get(path, ()) for path, note in fresh.items()):
        return None
    index = VaultIndex(walked.notes, walked.attachments)
    resolver = LinkResolver(index, options.obsidian.is_template)
    now = {**known, **{path: resolver.targets(path, note) for path, note in fresh.items()}}
    anchored = {path: found for path, found in state.anchored.items() if path not in fresh}
    for path, note in fresh.items():
        anchored.update(anchored_notes(resolved_links(path, note.links, now[path])))
    dirty = _affected(set(changed), known, now, state.anchored, scopes) & set(walked.notes)
    needed = dirty.union(*(anchored.get(path, ()) for path in dirty))
    shared: dict[str, str] = {}
    findings = {path: built(found, shared) for path, _, _, found in entries if found is not None}
    notes: dict[str, Note] = dict(fresh)
    key = notes_key(options, checked)
    for path, record, found in cache.load_notes(key, stamps, wanted=needed.difference(fresh)):
        try:
            notes[path] = from_record(record, base, stamps[path], cap)
            if found is not None:
                findings[path] = built(found, shared)
        except DAMAGED:  # a damaged entry: not among the notes found
            notes.pop(path, None)
    if not needed.issubset(notes) or (checked and not dirty.issubset(findings)):
        return None  # the cache lacks some of them: check everything
    if any(len(now[path]) != len(notes[path].links) for path in dirty):
        return None  # not the notes the state was made from
    ordered = [path for path in walked.notes if path in dirty]  # only their links are checked
    unresolved, anchored_links = flatten(link_parts(path, notes[path].links, now[path]) for path in ordered)
    kept = {path: findings[path] for path in walked.notes if path in findings}
    ctx = RuleContext(
        root,
        {path: notes[path] for path in walked.notes if path in needed},
        walked.attachments,
        index,
        unresolved,
        anchored_links,
        now,
        {path: state.aliases[path] for path in walked.notes if path in state.aliases},
        walked.problems,
        options.schemas,
        options.moc_fields,
        {path: found[3] for path, found in kept.items()},
    )
    loaded = Loaded(ctx, kept, checked, link_count=0)  # the report counts links from the state
    diagnostics = _merge(state.diagnostics, dirty, run_rules(loaded, rules, options))
    cache.add_notes(key, Chunk(entries, pack(entries)[0], []))
    cache.save_notes(key)
    if any(now[path] != known[path] for path in changed):
        cache.save_resolved(files, now)
    trusted = settled(cache, walked)
    new_state = State(new_id(), files, state.problems, trusted, diagnostics, state.aliases, anchored, now)
    return new_state.report(vault, len(walked.notes)), new_state, frozenset(dirty)


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


def _merge(kept: dict[str, Records], dirty: set[str], found: list[Diagnostic]) -> dict[str, Records]:
    """The diagnostics by file: those in ``kept`` except for ``dirty`` files, which get theirs from ``found``."""
    merged = {path: records for path, records in kept.items() if path not in dirty}
    fresh: dict[str, list[tuple[Any, ...]]] = {}
    for diag in found:  # already in report order
        if diag.path in dirty:
            fresh.setdefault(diag.path, []).append(diagnostic_record(diag))
    merged.update((path, tuple(records)) for path, records in fresh.items())
    return merged
