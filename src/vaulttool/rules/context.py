"""What rules read: one note with its schema, or the vault's notes, files and links.

The engine builds these, frozen, and hands each rule the one its ``SCOPE`` asks for
(see :mod:`vaulttool.rules`): a ``note`` rule gets a :class:`NoteContext`, a ``links`` or
``graph`` rule a :class:`RuleContext`, a ``vault`` rule a :class:`VaultContext`. What
a context works out from its values (a note's sections, the notes linked to) it works
out on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from vaulttool.model.config import DEFAULT_MOC_FIELDS
from vaulttool.model.graph import ResolvedLink, Targets, resolved_links
from vaulttool.model.markdown import Section, Table, first_paragraph, heading_words, sections, word_set
from vaulttool.model.properties import iter_strings
from vaulttool.model.schema import FieldProblem, Schema, schema_for
from vaulttool.model.template import TopicRow, first_table, frontmatter_list, table_topic_rows, topic_rows
from vaulttool.model.values import Diagnostic, Link, Note
from vaulttool.model.vault import VaultIndex, link_key

if TYPE_CHECKING:
    from vaulttool.model.graph import LinkGraph


_T = TypeVar("_T")


class LinkKeys(dict[str, str]):
    """The :func:`link_key` of each text looked up, worked out once: a vault's notes name the same
    topics again and again, and each key then is one string object, interned, so that it stays one
    in the process that unmarshals the notes' findings (marshal keeps a string interned)."""

    def __missing__(self, text: str) -> str:
        """Work out the key of a text not looked up before."""
        key = self[text] = intern(link_key(text))
        return key


class AliasOwners(dict[str, str]):
    """Which note each alias (by ``link_key``) belongs to; ``shared``: the aliases more than one note gives."""

    shared: set[str]


def alias_owners(aliases: Iterable[tuple[str, tuple[str, ...]]]) -> AliasOwners:
    """Which note each alias (by ``link_key``) belongs to, from (path, aliases) in vault order: the first wins."""
    found = AliasOwners()
    found.shared = set()
    for path, names in aliases:
        for alias in names:
            key = link_key(alias.strip())
            if found.setdefault(key, path) != path:
                found.shared.add(key)
    return found


# What the per-note check works out of one note for the vault-wide rules (see
# :class:`~vaulttool.engine.notecheck.NoteChecker`), from the note and the schemas alone: the
# place of the note's schema among the schemas (-1: none), and the link keys of the topics it
# names (its frontmatter topic list and the links of its topics table), each once.
NoteFacts = tuple[int, tuple[str, ...]]
NO_FACTS: NoteFacts = (-1, ())


def topic_keys_of(
    topics: Iterable[str], targets: Iterable[str], key: Callable[[str], str] = link_key
) -> tuple[str, ...]:
    """The link keys (by ``key``) of the topics a note names: ``topics``, the items of its frontmatter
    topic list, and ``targets``, what its topics table links to; each once."""
    return tuple(dict.fromkeys(map(key, dict.fromkeys((*topics, *targets)))))


class _once(Generic[_T]):
    """``cached_property`` without its lock (Python 3.11 takes one on every first use): a
    note's context is worked on by one thread, and a check builds one for every note."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _once[_T] | _T:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)  # later reads find it there
        return value


@dataclass(frozen=True, eq=False)
class NoteContext:
    """One note, the schema it follows (None for none) and what the template rules derive from both.

    ``root`` is the vault's folder when the note is in one (fixes that need the file look there);
    ``key`` is :func:`~vaulttool.model.vault.link_key`, or a memo of it.
    """

    path: str
    note: Note
    schema: Schema | None
    root: str | None = None
    key: Callable[[str], str] = link_key

    def facts(self, schemas: Sequence[Schema]) -> NoteFacts:
        """The :data:`NoteFacts` of the note, whose schema is one of ``schemas`` (or None)."""
        schema = self.schema
        if schema is None:
            return NO_FACTS
        place = schemas.index(schema)  # a schema equals itself alone
        listed = schema.spec.topics_field
        targets = [row.target for row in self.topic_rows if row.target is not None]
        return place, topic_keys_of(self.listed(listed) if listed is not None else (), targets, self.key)

    def listed(self, field: str) -> list[str]:
        """The text items of the note's frontmatter list property ``field`` (see
        :func:`~vaulttool.model.template.frontmatter_list`), found once."""
        found = self._listed
        if field not in found:
            found[field] = frontmatter_list(self.note, field)
        return found[field]

    @_once
    def _listed(self) -> dict[str, list[str]]:
        return {}

    @_once
    def _sections(self) -> dict[tuple[str, ...], Section]:
        found: dict[tuple[str, ...], Section] = {}
        for section in sections(self.note):
            found.setdefault(heading_words(section.heading.text), section)
        return found

    def section(self, heading: str) -> Section | None:
        """The note's first section whose heading has the words of ``heading``."""
        return self._sections.get(heading_words(heading))

    @_once
    def _first_paragraphs(self) -> dict[int, tuple[int, str] | None]:
        return {}

    def first_paragraph(self, section: Section) -> tuple[int, str] | None:
        """(first line, text) of the first paragraph of ``section`` (None for none), found once."""
        found = self._first_paragraphs
        if section.start not in found:
            found[section.start] = first_paragraph(self.note, section.start, section.end)
        return found[section.start]

    @_once
    def topics_table(self) -> Table | None:
        """The note's topics table (None without a schema table, its section, or a table in it)."""
        if self.schema is None or self.schema.spec.table is None:
            return None
        return first_table(self.note, self.section(self.schema.spec.table.section))

    @_once
    def topic_rows(self) -> list[TopicRow]:
        """The rows of the note's topics table (empty without a schema table or a table)."""
        if self.schema is None or self.schema.spec.table is None:
            return []
        return table_topic_rows(self.topics_table, self.schema.spec.table)

    def words_besides(self, line: int) -> set[bytes]:
        """The distinct words (see :func:`~vaulttool.model.markdown.word_set`) of the note's body and of the
        strings of its frontmatter, but for the paragraph at file line ``line`` of the body (kept, for
        :meth:`lacks_word`)."""
        lines = self.note.lines
        first = line - self.note.body_line
        end = first + 1
        while end < len(lines) and lines[end].strip():
            end += 1
        found = word_set([*lines[:first], *lines[end:], *iter_strings(self.note.frontmatter or {})])
        self.__dict__["_besides"] = found, first, end
        return found

    def lacks_word(self, wanted: Sequence[bytes]) -> bool:
        """Whether one of ``wanted`` (words as :func:`~vaulttool.model.markdown.word_set` holds them) is
        surely not a word of the note's body: known only once a rule has worked out :meth:`words_besides`
        (False before, for a caller to look the slow way)."""
        known: tuple[set[bytes], int, int] | None = self.__dict__.get("_besides")
        if known is None:
            return False
        found, first, end = known
        if found.issuperset(wanted):
            return False
        paragraph: set[bytes] | None = self.__dict__.get("_paragraph_words")
        if paragraph is None:
            paragraph = self.__dict__["_paragraph_words"] = word_set(self.note.lines[first:end])
        return not paragraph.issuperset(set(wanted).difference(found))

    @_once
    def field_problems(self) -> list[FieldProblem]:
        """Frontmatter that breaks the schema (none when the YAML did not parse: that is reported already)."""
        if self.schema is None or any(p.rule == "frontmatter-syntax" for p in self.note.problems):
            return []
        return self.schema.validate(self.note.frontmatter or {})


@dataclass(frozen=True, eq=False)
class RuleContext:
    """What a ``links`` or ``graph`` rule reads: notes, the vault's files, links checked one by one.

    ``notes`` are the notes to report on and the notes they link to with an anchor (after
    a few notes changed, only those); ``unresolved`` and ``anchored`` are the links of the
    notes to report on that resolve to nothing, and that resolve and carry a ``#subpath``.
    ``targets`` (what the links of each note resolve to) and ``aliases`` (each note's
    aliases, in vault order) are those of the whole vault, always. ``facts``: the
    :data:`NoteFacts` of notes, where they were worked out as the notes were parsed (a note
    without them has them worked out here when asked for).
    """

    root: Path
    notes: Mapping[str, Note]
    attachments: tuple[str, ...]
    index: VaultIndex
    unresolved: Sequence[ResolvedLink]
    anchored: Sequence[ResolvedLink]
    targets: Mapping[str, Targets]
    aliases: Mapping[str, tuple[str, ...]]
    walk_problems: tuple[Diagnostic, ...] = ()
    schemas: tuple[Schema, ...] = ()
    moc_fields: tuple[str, ...] = DEFAULT_MOC_FIELDS
    facts: Mapping[str, NoteFacts] = field(default_factory=dict)

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
    def linked(self) -> frozenset[str]:
        """The files some other file of the vault links to."""
        linked: set[str | None] = set()
        for path, found in self.targets.items():
            if path in found:  # rare: a note linking to itself is not linked by it
                linked.update(target for target in found if target != path)
            else:
                linked.update(found)
        linked.discard(None)
        return frozenset(path for path in linked if path is not None)

    @cached_property
    def alias_owners(self) -> AliasOwners:
        """Which note each alias (by ``link_key``) belongs to (and which aliases several notes give)."""
        return alias_owners(self.aliases.items())

    @cached_property
    def schema_of(self) -> dict[str, Schema]:
        """The template schema of every note that follows one (notes without one are absent)."""
        found = {}
        schemas, facts = self.schemas, self.facts
        for path, note in self.notes.items():
            known = facts.get(path)
            if known is not None:  # the schema's place, found where the note was parsed
                if known[0] >= 0:
                    found[path] = schemas[known[0]]
                continue
            keys = note.fm_key_lines if note.frontmatter is None else ()
            schema = schema_for(schemas, path, note.frontmatter, keys)
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

    def topic_keys(self, path: str) -> Collection[str]:
        """The topics note ``path`` names when it follows a template (frontmatter topic list and
        topics table), by ``link_key``: found where the note was parsed, or worked out when asked,
        not kept for every note (a large vault's would take tens of megabytes)."""
        known = self.facts.get(path)
        if known is not None:
            return known[1]
        schema = self.schema_of.get(path)
        if schema is None:
            return ()
        note, table, listed = self.notes[path], schema.spec.table, schema.spec.topics_field
        targets = [] if table is None else [row.target for row in topic_rows(note, table) if row.target is not None]
        return topic_keys_of(frontmatter_list(note, listed) if listed is not None else (), targets)


@dataclass(frozen=True, eq=False)
class VaultContext(RuleContext):
    """What a ``vault`` rule reads: every note of the vault with all its links, the link graph."""

    @cached_property
    def resolved(self) -> list[ResolvedLink]:
        """Every link of every note with what it resolves to, note by note."""
        found: list[ResolvedLink] = []
        for path, targets in self.targets.items():
            found += resolved_links(path, self.notes[path].links, targets)
        return found

    @cached_property
    def graph(self) -> LinkGraph:
        """The link graph."""
        from vaulttool.model.graph import LinkGraph

        return LinkGraph(self.notes, self.attachments, self.resolved)
