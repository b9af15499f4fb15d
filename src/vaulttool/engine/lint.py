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
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

from vaulttool.engine.notecheck import NoteChecker, NoteFindings, built, is_note_rule
from vaulttool.incremental.pool import Progress, parse_chunks
from vaulttool.incremental.records import from_record
from vaulttool.model.config import DEFAULT_MOC_FIELDS
from vaulttool.model.graph import LinkParts, LinkResolver, ResolvedLink, Targets, link_parts, resolved_links
from vaulttool.model.notes import DEFAULT_MAX_BYTES, note_from_bytes
from vaulttool.model.obsidian import ObsidianSettings
from vaulttool.model.schema import Schema, schema_for
from vaulttool.model.suppress import Suppressions
from vaulttool.model.template import TopicRow, topic_rows
from vaulttool.model.values import Diagnostic, Link, Note, Severity
from vaulttool.model.vault import AliasOwners, VaultIndex, WalkResult, alias_owners, note_aliases, note_path, walk_vault
from vaulttool.rules import ALL_RULES, UnknownRule, rule_scope

if TYPE_CHECKING:
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.model.config import Settings
    from vaulttool.model.graph import LinkGraph


_SEVERITY = attrgetter("severity")
_UNSUPPRESSED = Suppressions()


@dataclass(frozen=True)
class Options:
    """What to check and how: rule selection, severities, ignored paths, size cap."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    schemas: tuple[Schema, ...] = ()
    schema_dir: Path | None = None
    stub_dir: str | None = None
    moc_fields: tuple[str, ...] = DEFAULT_MOC_FIELDS
    fixable: tuple[str, ...] = ()  # the rules whose fixes apply (none named: all) ...
    unfixable: tuple[str, ...] = ()  # ... but these
    unsafe_fixes: bool = False
    obsidian: ObsidianSettings = field(default_factory=ObsidianSettings)  # template folders, excluded files

    def fingerprint(self, *extra: bytes) -> str:
        """A digest of the tool code, these options, the schemas and ``extra``: the key of a cached result."""
        from vaulttool.incremental.cache import fingerprint

        plain = {
            "select": self.select,
            "ignore": self.ignore,
            "exclude": self.exclude,
            "severity": {rule: level.value for rule, level in self.severity.items()},
            "max_file_size": self.max_file_size,
            "moc_fields": self.moc_fields,
            "obsidian": self.obsidian.key(),
        }
        options = json.dumps(plain, sort_keys=True).encode()
        return fingerprint(options, *self.schema_parts(), *extra)

    def schema_parts(self) -> list[bytes]:
        """Each schema as bytes (its file name, not where the file is, and its settings), for cache keys."""
        return [
            f"{os.path.basename(s.source)}\0{s.by_shape}\0".encode() + s.spec.model_dump_json().encode()
            for s in self.schemas
        ]


@dataclass
class RuleContext:
    """Everything a rule may read: parsed notes, the index, resolved links, the graph.

    ``findings`` holds what the per-note rules named in ``checked`` found in each note
    while the vault was loaded (see :mod:`vaulttool.engine.notecheck`).
    """

    root: Path
    notes: dict[str, Note]
    attachments: tuple[str, ...]
    index: VaultIndex
    targets: dict[str, Targets]  # what each note's links resolve to (the notes whose links count)
    walk_problems: tuple[Diagnostic, ...] = ()
    schemas: tuple[Schema, ...] = ()
    findings: dict[str, NoteFindings] = field(default_factory=dict)
    checked: tuple[str, ...] = ()
    lean: bool = False  # the notes' links were let go once resolved (see load_vault)
    # what was worked out already: the unresolved and the anchored links (while loading), and
    # for a context that holds part of a vault, what the whole vault says of linked files and aliases
    known_links: tuple[list[ResolvedLink], list[ResolvedLink]] | None = None
    known_linked: set[str] | None = None
    known_aliases: AliasOwners | None = None
    moc_fields: tuple[str, ...] = DEFAULT_MOC_FIELDS

    @cached_property
    def _moc_fields(self) -> frozenset[str]:
        return frozenset(name.casefold() for name in self.moc_fields)

    def is_moc_link(self, link: Link) -> bool:
        """Whether ``link`` names a map of content: a frontmatter link in one of the ``moc_fields``
        (compared without regard to case), or one to a target whose name ends in ``MOC``."""
        if link.kind != "frontmatter":
            return False
        if (link.field or "").casefold() in self._moc_fields:
            return True
        name = link.target.rsplit("/", 1)[-1].strip()
        return (name[:-3] if name.lower().endswith(".md") else name).endswith("MOC")

    @cached_property
    def resolved(self) -> list[ResolvedLink]:
        """Every link with what it resolves to, note by note (built on first use: checks need only parts)."""
        if self.lean:
            raise ValueError("a lean context keeps only unresolved and anchored links")
        found: list[ResolvedLink] = []
        for path, targets in self.targets.items():
            found += resolved_links(path, self.notes[path].links, targets)
        return found

    @cached_property
    def _links(self) -> tuple[list[ResolvedLink], list[ResolvedLink]]:
        if self.known_links is not None:
            return self.known_links
        return _flatten({path: link_parts(path, self.notes[path].links, found) for path, found in self.targets.items()})

    @property
    def unresolved(self) -> list[ResolvedLink]:
        """The links that resolve to nothing, in order."""
        return self._links[0]

    @property
    def anchored(self) -> list[ResolvedLink]:
        """The links that resolve and carry a ``#subpath``, in order."""
        return self._links[1]

    @property
    def link_count(self) -> int:
        """How many links the notes hold."""
        return sum(map(len, self.targets.values()))

    @cached_property
    def linked(self) -> set[str]:
        """The files some other file links to."""
        if self.known_linked is not None:
            return self.known_linked
        linked: set[str | None] = set()
        for path, targets in self.targets.items():
            others = set(targets)
            others.discard(path)
            linked |= others
        linked.discard(None)
        return cast("set[str]", linked)

    @cached_property
    def alias_owners(self) -> AliasOwners:
        """Which note each alias (by ``link_key``) belongs to (and which aliases several notes give)."""
        if self.known_aliases is not None:
            return self.known_aliases
        return alias_owners((path, note_aliases(note.frontmatter)) for path, note in self.notes.items())

    @cached_property
    def graph(self) -> LinkGraph:
        """The link graph, built on first use."""
        from vaulttool.model.graph import LinkGraph

        return LinkGraph(self.notes, self.attachments, self.resolved)

    @cached_property
    def schema_of(self) -> dict[str, Schema]:
        """The template schema of every note that follows one (notes without one are absent)."""
        found = {}
        for path, note in self.notes.items():
            keys = note.fm_key_lines if note.frontmatter is None else ()
            schema = schema_for(self.schemas, path, note.frontmatter, keys)
            if schema is not None:
                found[path] = schema
        return found

    @cached_property
    def topic_rows(self) -> dict[str, list[TopicRow]]:
        """The topics-table rows of every note whose schema has a topics table."""
        return {
            path: topic_rows(self.notes[path], schema.spec.table)
            for path, schema in self.schema_of.items()
            if schema.spec.table is not None
        }

    @cached_property
    def topic_keys(self) -> dict[str, frozenset[str]]:
        """The topics each template note names (frontmatter topic list and topics table), by ``link_key``."""
        from vaulttool.model.template import frontmatter_list
        from vaulttool.model.vault import link_key

        found: dict[str, frozenset[str]] = {}
        for path, schema in self.schema_of.items():
            field = schema.spec.topics_field
            topics = frontmatter_list(self.notes[path], field) if field is not None else []
            rows = self._topic_targets(path, schema)
            if topics or rows:
                found[path] = frozenset(link_key(topic) for topic in (*topics, *rows))
        return found

    def _topic_targets(self, path: str, schema: Schema) -> Sequence[str]:
        """The topics the topics table of note ``path`` links to: found while it was parsed, or read now."""
        found = self.findings.get(path)
        if found is not None:
            return found[3]
        if schema.spec.table is None:
            return ()
        return [row.target for row in topic_rows(self.notes[path], schema.spec.table) if row.target is not None]

    def suppressions(self, path: str) -> Suppressions:
        """The suppression settings and comments of note ``path``."""
        found = self.findings.get(path)
        if found is None:
            return Suppressions.of(self.notes[path])
        return Suppressions(frozenset(found[1]), found[2]) if found[1] or found[2] else _UNSUPPRESSED

    def note_diagnostics(self, rule_ids: Iterable[str]) -> dict[str, list[Diagnostic]]:
        """What the per-note rules ``rule_ids`` find, by rule, at default severities, suppressed ones left out.

        Taken from ``findings`` for the rules run while loading; the others run now.
        """
        wanted = set(rule_ids)
        found: dict[str, list[Diagnostic]] = {rule_id: [] for rule_id in wanted}
        for diagnostics, *_ in self.findings.values():
            for diag in diagnostics:
                if diag.rule in wanted:
                    found[diag.rule].append(diag)
        late = [rule_id for rule_id in wanted if rule_id not in self.checked]
        if late:
            checker = NoteChecker(self.schemas, late, os.fspath(self.root))
            for path, note in self.notes.items():
                for diag in checker.diagnostics(note, self.suppressions(path)):
                    found[diag.rule].append(diag)
        return found


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
    # with a cache: the id of the state kept for the next check, the id of the state this
    # report was worked out from (a re-run) and the files whose diagnostics were worked out again
    state: str | None = field(default=None, compare=False, repr=False)
    since: str | None = field(default=None, compare=False, repr=False)
    changed: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # how fixes are shown: unsafe ones applicable too (``--unsafe-fixes``), and how many stay hidden
    unsafe_fixes: bool = field(default=False, compare=False, repr=False)
    hidden_fixes: int = field(default=0, compare=False, repr=False)

    def count(self, severity: Severity) -> int:
        """How many diagnostics have ``severity``."""
        return self._counts[severity]

    @cached_property
    def _counts(self) -> Counter[Severity]:
        return Counter(map(_SEVERITY, self.diagnostics))


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
    rules: Iterable[ModuleType] = (),
    lean: bool = False,
    drafts: Mapping[str, Note] | None = None,
    cache_writes: bool = True,
) -> RuleContext:
    """Walk, read, parse and resolve the whole vault once; run the per-note ones of ``rules`` on each note.

    Large vaults are parsed by ``jobs`` processes (0: one per CPU, see :mod:`vaulttool.incremental.pool`);
    with a ``cache``, notes unchanged since it was written are not read again, and what
    the per-note rules found in them is reused. ``lean``: keep of each note's links only the
    unresolved and anchored ones (all the vault-wide rules read), not its ``links``: most
    of a large vault's memory. ``drafts``: notes of ``walked`` taken as given instead of read
    from their files; a draft must never be cached as its file's content, so with drafts the
    ``cache`` is only read (for the other notes), as it is without ``cache_writes``.
    """
    cache_writes = cache_writes and not drafts
    drafts = drafts or {}
    walked = walked or walk_vault(root, options.exclude)
    base, cap = os.fspath(root), options.max_file_size
    index = VaultIndex(walked.notes, walked.attachments)
    resolver = LinkResolver(index, options.obsidian.is_template)
    checked = tuple(rule.ID for rule in rules if is_note_rule(rule))
    checker = NoteChecker(options.schemas, checked, base) if checked else None
    with _gc_paused():
        notes: dict[str, Note] = {}
        findings: dict[str, NoteFindings] = {}
        found_targets: dict[str, Targets] = {}
        known: dict[str, Targets] = {}
        kept: dict[str, LinkParts] = {}  # lean: each note's unresolved and anchored links
        shared: dict[str, str] = {}  # one object for each text the diagnostics repeat

        def keep(path: str, note: Note, targets: Targets) -> None:
            found_targets[path] = targets
            if lean:
                kept[path] = link_parts(path, note.links, targets)
                note = dataclasses.replace(note, links=())
            notes[path] = note

        for path, note in drafts.items():
            keep(path, note, resolver.targets(path, note))
            if checker is not None:
                findings[path] = built(checker(note), shared)
        if cache is not None:
            key, files = notes_key(options, checked), cache.files_key(walked)
            known = cache.load_resolved(files)
            stamps = cache.stamps(walked.notes)
            if drafts:  # the files at the drafts' paths are not what is checked
                stamps = {path: stamp for path, stamp in stamps.items() if path not in drafts}
            for path, record, found in cache.load_notes(key, stamps):
                with contextlib.suppress(Exception):  # a damaged entry: parse the note again
                    note = from_record(record, base, cap)
                    keep(path, note, resolver.targets(path, note, known.get(path)))
                    if found is not None:
                        findings[path] = built(found, shared)
        missing = [path for path in walked.notes if path not in notes]
        writes = cache if cache is not None and cache_writes else None
        content = cache is not None and cache.content
        chunks = parse_chunks(base, missing, cap, jobs, progress, writes is not None, checker, content)
        for entries, blob in chunks:
            for path, _, record, found in entries:  # built, resolved and stored here while workers parse on
                note = from_record(record, base, cap)
                keep(path, note, resolver.targets(path, note))
                if found is not None:
                    findings[path] = built(found, shared)
            if writes is not None:
                writes.add_notes(key, entries, blob)
        notes = {path: notes[path] for path in walked.notes}
        found_targets = {path: found_targets[path] for path in walked.notes}
        if writes is not None:
            writes.save_notes(key)
            stamps = writes.stamps(walked.notes)
            # notes changed too recently to be cached are read again next time anyway
            if len(known) != len(notes) or any(writes.settled(stamps.get(path)) for path in missing):
                writes.save_resolved(files, found_targets)
        if checker is not None:
            findings = {path: findings[path] for path in walked.notes}
    ctx = RuleContext(
        root,
        notes,
        walked.attachments,
        index,
        found_targets,
        walked.problems,
        options.schemas,
        findings,
        checked,
        lean,
        _flatten({path: kept[path] for path in walked.notes}) if lean else None,
        moc_fields=options.moc_fields,
    )
    kept.clear()
    if lean:
        targets = {item.resolved for item in ctx.anchored}  # headings matter only where anchors point
        for path, note in notes.items():
            if note.headings and path not in targets:
                notes[path] = dataclasses.replace(note, headings=())
    return ctx


def _flatten(parts: dict[str, LinkParts]) -> tuple[list[ResolvedLink], list[ResolvedLink]]:
    """The unresolved and the anchored links of every note, note by note in the order of ``parts``."""
    unresolved: list[ResolvedLink] = []
    anchored: list[ResolvedLink] = []
    for found, with_anchor in parts.values():
        unresolved += found
        anchored += with_anchor
    return unresolved, anchored


def notes_key(options: Options, checked: tuple[str, ...]) -> str:
    """What cached notes depend on: the tool, the size cap, and for their findings the schemas and rules."""
    from vaulttool.incremental.cache import fingerprint

    size, rules = str(options.max_file_size).encode(), "\0".join(checked).encode()
    return fingerprint(b"notes", size, rules, *options.schema_parts())


def enabled_rules(options: Options) -> list[ModuleType]:
    """The rule modules selected by ``options`` (all by default, minus ignored ones)."""
    _known_rules((*options.select, *options.ignore, *options.severity, *options.fixable, *options.unfixable), "")
    chosen = [r for r in ALL_RULES if not options.select or "ALL" in options.select or r.ID in options.select]
    return [r for r in chosen if r.ID not in options.ignore]


def run_rules(ctx: RuleContext, rules: Iterable[ModuleType], options: Options) -> list[Diagnostic]:
    """Run ``rules`` over ``ctx``; return diagnostics with configured severities, sorted."""
    rules = list(rules)
    found: list[Diagnostic] = []
    suppressions: dict[str, Suppressions] = {}
    per_note = ctx.note_diagnostics(rule.ID for rule in rules if is_note_rule(rule))
    for rule in rules:
        severity = options.severity.get(rule.ID)
        if is_note_rule(rule):
            diagnostics: Iterable[Diagnostic] = per_note[rule.ID]  # suppressions applied already
        else:
            diagnostics = _unsuppressed(ctx, rule.check(ctx), suppressions)
        for diag in diagnostics:
            if severity is not None and diag.severity is not severity:
                diag = diag._replace(severity=severity)
            found.append(diag)
    if options.obsidian.active:  # nothing on excluded files, little on templates
        found = [diag for diag in found if options.obsidian.reports_on(diag.path, diag.rule)]
    found.sort(key=Diagnostic.sort_key)
    return found


def _unsuppressed(
    ctx: RuleContext, diagnostics: Iterable[Diagnostic], seen: dict[str, Suppressions]
) -> Iterator[Diagnostic]:
    """``diagnostics`` without those a note's suppressions hide (``seen``: suppressions read so far)."""
    for diag in diagnostics:
        if diag.path in ctx.notes:
            if diag.path not in seen:
                seen[diag.path] = ctx.suppressions(diag.path)
            if seen[diag.path].hides(diag.rule, diag.line):
                continue
        yield diag


def _known_rules(rule_ids: Iterable[str], where: str) -> None:
    """Raise :class:`UnknownRule` (its message starting with ``where``) for the first id no rule has."""
    known = {rule.ID for rule in ALL_RULES}
    for rule_id in rule_ids:
        if rule_id not in known and rule_id != "ALL":
            raise UnknownRule(rule_id, ALL_RULES, where)


def options_for(
    root: Path,
    config_file: Path | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    *,
    settings: Settings | None = None,
) -> Options:
    """Options for checking ``root``: its settings (read now unless given), then command-line overrides.

    Raises :class:`~vaulttool.model.config.ConfigError`, :class:`~vaulttool.model.schema_files.SchemaError` or
    :class:`~vaulttool.rules.UnknownRule` (for a rule id in the configuration or in ``select``/``ignore``).
    """
    from vaulttool.model.config import ConfigError, load_settings
    from vaulttool.model.schema_files import load_schemas

    settings = settings or load_settings(root, config_file)
    config, source = settings.config, settings.source
    for where, rule_ids in (("--select", select), ("--ignore", ignore)):
        _known_rules(rule_ids, f"{where}: ")
    for key in ("select", "ignore", "severity"):
        _known_rules(getattr(config, key), f"{source}: {key}: ")
    folder = settings.schema_folder
    if config.schemas is not None and not folder.is_dir():
        raise ConfigError(f"{source}: schemas folder '{config.schemas}' does not exist")
    builtin = config.schemas is None  # the templates shipped with vaulttool match only where they are meant to
    enabled = config.templates if builtin else None
    schemas = load_schemas(folder, config.schema_order, enabled) if folder.is_dir() else []
    severity = {rule: Severity(level) for rule, level in config.severity.items() if level != "off"}
    off = tuple(rule for rule, level in config.severity.items() if level == "off")
    return Options(
        select=tuple(select) or tuple(config.select),
        ignore=(*ignore, *config.ignore, *off),
        severity=severity,
        exclude=tuple(config.exclude),
        max_file_size=config.max_file_size,
        schemas=tuple(schemas),
        schema_dir=folder,
        stub_dir=config.stub_dir,
        moc_fields=tuple(config.moc_fields),
        fixable=tuple(config.fixable),
        unfixable=tuple(config.unfixable),
        unsafe_fixes=config.unsafe_fixes,
        obsidian=settings.obsidian,
    )


def check(
    root: Path,
    options: Options | None = None,
    *,
    jobs: int = 0,
    cache: VaultCache | None = None,
    progress: Progress | None = None,
    walked: WalkResult | None = None,
    keep_context: bool = True,
) -> Report:
    """Check the vault at ``root`` and return its report (the public entry point).

    With a ``cache``, a vault whose files are all unchanged since the cached run gets that
    run's report without a note being read, and one where a few notes changed has only
    what they can affect checked again (:mod:`vaulttool.incremental.recheck`). Without
    ``options``, the vault's configuration file and schemas decide. ``walked``: the
    vault's files, when the caller has listed them already with ``options.exclude``.
    Without ``keep_context`` the report holds no context, and the vault is held in
    memory more leanly and let go before the state is saved.
    """
    options = options or options_for(root)
    rules = enabled_rules(options)
    # a rule that may read anything (SCOPE "vault": the graph, every link) gets the whole context
    lean = not keep_context and all(rule_scope(rule) != "vault" for rule in rules)
    if cache is None:
        ctx = load_vault(root, options, jobs=jobs, progress=progress, rules=rules, walked=walked, lean=lean)
        report = _report(root, ctx, run_rules(ctx, rules, options))
        return report if keep_context else dataclasses.replace(report, context=None)
    from vaulttool.incremental.recheck import State, recheck, state_of, vault_facts

    walked = walked or walk_vault(root, options.exclude)
    key, files = options.fingerprint(), cache.files_key(walked)
    state = State.from_value(cache.load_state(key))
    if state is not None:
        try:
            done = recheck(root, options, rules, cache, walked, state, files)
        except (LookupError, TypeError, ValueError) as exc:  # a state that does not fit the vault
            warning = f"vaulttool: the cached state of the last check cannot be used ({exc!r}); checking every note"
            print(warning, file=sys.stderr)
            done = None
        if done is not None:
            if done[1] is not state:
                cache.save_state(key, done[1].value())
            return done[0]
    ctx = load_vault(root, options, jobs=jobs, cache=cache, walked=walked, progress=progress, rules=rules, lean=lean)
    report = _report(root, ctx, run_rules(ctx, rules, options))
    facts = vault_facts(ctx)
    if not keep_context:  # the notes can go before the state is made and written
        report = dataclasses.replace(report, context=None)
        del ctx
    kept = state_of(report, facts, walked, cache, files)
    cache.save_state(key, kept.value())
    return dataclasses.replace(report, state=kept.id)


def check_draft(
    root: Path,
    path: str,
    data: bytes,
    options: Options | None = None,
    *,
    jobs: int = 0,
    cache: VaultCache | None = None,
) -> Report:
    """Check ``data`` as if it were the note at vault path ``path`` (the rest of the vault as it is).

    The draft replaces the file at ``path`` (or joins the vault as a new note): it follows
    its template, its links resolve against the vault, and the vault-wide rules see it in
    the file's place. Nothing is written: a ``cache`` only saves reading the other notes
    again. The report holds the diagnostics of ``path`` alone and counts that one note and
    its links. ``path`` must be a note path inside the vault (see
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
    ctx = load_vault(root, options, jobs=jobs, cache=cache, walked=walked, rules=rules, drafts={path: draft})
    found = [diag for diag in run_rules(ctx, rules, options) if diag.path == path]
    return Report(os.fspath(root), 1, len(ctx.targets[path]), tuple(found), context=ctx)


def _report(root: Path, ctx: RuleContext, diagnostics: list[Diagnostic]) -> Report:
    return Report(os.fspath(root), len(ctx.notes), ctx.link_count, tuple(diagnostics), context=ctx)
