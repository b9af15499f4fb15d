"""Frozen value types shared by every stage of the pipeline.

Positions are 1-based; columns count characters (not bytes) from the start of the
line in the file as written, frontmatter lines included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from operator import itemgetter
from typing import Any, Literal, NamedTuple, Protocol, TypeVar, cast

from vaulttool.model.edits import Edit

LinkKind = Literal["wiki", "embed", "markdown", "frontmatter"]
_Tuple = TypeVar("_Tuple", bound=tuple[Any, ...])


def from_fields(cls: type[_Tuple]) -> Callable[[tuple[Any, ...]], _Tuple]:
    """``cls(*fields)`` for the named tuple class ``cls``, given its fields as one tuple: a C call, without
    the Python-level ``__new__`` of a named tuple (for values made by the thousand, such as links)."""
    return cast("Callable[[tuple[Any, ...]], _Tuple]", partial(tuple.__new__, cls))


class Severity(str, Enum):
    """How much a diagnostic matters; the engine stamps it from the configuration."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Link(NamedTuple):
    """One link occurrence in a note.

    ``target`` is the path part (alias, subpath and markdown percent-encoding removed,
    ``\\|`` unescaped, whitespace trimmed); ``subpath`` is what followed the first ``#``
    (``"Heading"``, ``"H1#H2"``, ``"^block-id"``, ``"page=3"``), or ``""``;
    ``raw`` is the link as written before any ``|``, subpath included.

    A named tuple rather than a dataclass: a large vault holds a million links, and a
    tuple is built several times faster, and caches and crosses processes as plain data.
    """

    kind: LinkKind
    target: str
    subpath: str
    alias: str | None
    raw: str
    line: int
    column: int
    end_line: int
    end_column: int
    field: str | None = None

    @property
    def is_embed(self) -> bool:
        """True for ``![[...]]`` embeds."""
        return self.kind == "embed"


class Heading(NamedTuple):
    """A Markdown ATX heading: level 1-6, text as written, anchor in normalised form.

    A named tuple, like :class:`Link`: every note has several.
    """

    level: int
    text: str
    anchor: str
    line: int


class Fix(NamedTuple):
    """How to repair a diagnostic: edits to its note, whether they are safe, and what they do.

    A safe fix keeps the note's meaning (``--fix`` applies it); an unsafe one may change it
    or remove text (applied only with ``--unsafe-fixes``). ``message`` says what it does,
    in the imperative ("Make 'tags' a YAML list").
    """

    edits: tuple[Edit, ...]
    safe: bool
    message: str


class Diagnostic(NamedTuple):
    """One problem found in one file (the unit every formatter prints).

    A named tuple, like :class:`Link`: a large vault can have tens of thousands, and a
    re-run rebuilds them from the cache.
    """

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    end_line: int | None = None
    end_column: int | None = None
    target: str | None = None
    field: str | None = None
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Deterministic order: path, line, column, rule, message (:data:`diagnostic_order`)."""
        return diagnostic_order(self)


diagnostic_from_fields = from_fields(Diagnostic)
# The order of diagnostics, :meth:`Diagnostic.sort_key`, as one C call: a large vault's report sorts tens of thousands
diagnostic_order = cast("Callable[[Diagnostic], tuple[str, int, int, str, str]]", itemgetter(0, 1, 2, 3, 5))


class StoredFrontmatter(Protocol):
    """The frontmatter text of a note kept out of memory (see :class:`Note`)."""

    def frontmatter_text(self) -> str:
        """The lines between the note's ``---`` lines, read again from its file."""


@dataclass(frozen=True, slots=True)
class Note:
    """One Markdown file parsed once, with every position kept.

    ``frontmatter`` is ``None`` when the note has no frontmatter block or it could not
    be parsed (see ``problems``). ``body_line`` is the 1-based file line where the body
    starts. ``lines`` holds the body's lines (newlines normalised to ``\\n``); a note rebuilt
    from its record holds them out of memory: the cache layer reads them from the file when
    they are asked for, only while the file is unchanged, and never to compare notes
    (:class:`vaulttool.incremental.storedlines.StoredLines`). Such a note holds its frontmatter
    text the same way (``frontmatter_source``, read through :attr:`raw_frontmatter`): a
    large vault's would take tens of megabytes, and few notes are read for it once parsed.
    """

    path: str
    frontmatter: dict[str, Any] | None
    fm_key_lines: dict[str, int]
    body_line: int
    lines: Sequence[str]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    links: tuple[Link, ...]
    problems: tuple[Diagnostic, ...] = ()
    frontmatter_source: str | StoredFrontmatter | None = None
    code_lines: frozenset[int] = field(default_factory=frozenset)

    @property
    def raw_frontmatter(self) -> str | None:
        """The text between the ``---`` lines (None without a closed frontmatter block)."""
        text = self.frontmatter_source
        return text if text is None or isinstance(text, str) else text.frontmatter_text()

    @property
    def name(self) -> str:
        """The note's name as Obsidian shows it: file name without ``.md``."""
        return note_name(self.path)


def note_name(path: str) -> str:
    """The name Obsidian shows for the note at ``path``: its file name without ``.md``."""
    base = path.rsplit("/", 1)[-1]
    return base[:-3] if base.lower().endswith(".md") else base
