"""Body structure of a parsed note: sections, paragraphs, tables and words, with file lines.

Built on :class:`~vaulttool.model.values.Note` (headings and code lines already found by the
scanner); nothing here re-reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse
from typing import NamedTuple

from vaulttool.model.values import Heading, Note, from_fields
from vaulttool.model.wikilinks import WIKI_RE, split_wiki

_WORD_RE = re.compile(r"[^\W_]+")
# a cp1252/latin-1 lead byte followed by a continuation-looking character: cheap mojibake hint
_MOJIBAKE_HINT_RE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
_DELIMITER_CELL_RE = re.compile(r"\s*:?-+:?\s*")
# a wiki link with a ``|`` inside: a row holding one is split the careful way
_PIPED_WIKI_RE = re.compile(r"\[\[[^\[\]\n]*\|[^\[\]\n]*\]\]")
# what the careful split looks at: an escaped character, a bracket opening or closing ``[[``/``]]``, a bar
_CELL_MARK_RE = re.compile(r"\\.|\[(?=\[)|\](?=\])|\|", re.DOTALL)
# ASCII letters lowercased and digits kept, other ASCII made a space, UTF-8 sequences (bytes >= 128) kept
_WORD_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 or c >= 128 else 32 for c in range(256)
)


class Section(NamedTuple):
    """A heading and the body lines up to the next heading of the same or a higher level."""

    heading: Heading
    start: int  # first file line after the heading
    end: int  # last file line of the section (inclusive)


_section = from_fields(Section)


class TableRow(NamedTuple):
    """One body row of a Markdown table: its file line and cell texts (``\\|`` kept escaped)."""

    line: int
    cells: tuple[str, ...]


_table_row = from_fields(TableRow)


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: header cells and body rows."""

    line: int
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]


def looks_mojibake(text: str) -> bool:
    """Cheap first test for double-encoded UTF-8 (a cp1252 lead character and a continuation)."""
    # the lead characters (U+00C2 to U+00F4) are all written C3 xx in UTF-8: a quick look in C for that byte
    # tells most texts apart before the regex walks them a character at a time
    if text.isascii() or b"\xc3" not in text.encode("utf-8", "surrogatepass"):
        return False
    return _MOJIBAKE_HINT_RE.search(text) is not None


def repair_mojibake(text: str) -> str:
    """Undo double-encoded UTF-8 in ``text`` when it shows the signs of it (ftfy), else return it."""
    if not looks_mojibake(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


def words(text: str) -> list[str]:
    """Casefolded words of ``text``: runs of letters and digits (emoji and punctuation dropped)."""
    return _WORD_RE.findall(text.casefold())


def word_set(lines: Sequence[str]) -> set[bytes]:
    """The distinct :func:`words` of ``lines``, each as its UTF-8 bytes (see :func:`word_bytes`).

    Cut with a byte table and ``split`` (casefolding ASCII is lowercasing, and every other
    ASCII character ends a word), into bytes: a note's few hundred words are made and
    compared faster as bytes than as texts. The ASCII lines, most of a note, are cut on their
    own (held one byte a character, as the others are not when a line holds an emoji), and
    every piece of them is a word; of the other lines' pieces, only the few holding
    characters beyond ASCII meet the regex.
    """
    found = set("\n".join(filter(str.isascii, lines)).encode().translate(_WORD_BYTES).split())
    other = "\n".join(filterfalse(str.isascii, lines))
    if other:
        pieces = other.encode("utf-8", "surrogatepass").translate(_WORD_BYTES).split()
        mixed = set(filterfalse(bytes.isascii, pieces))
        found.update(pieces)
        found -= mixed  # none of them is in the ASCII lines' words
        for piece in mixed:
            found.update(_piece_words(piece))
    return found


def word_bytes(word: str) -> bytes:
    """A word as :func:`word_set` holds it."""
    return word.encode("utf-8", "surrogatepass")


@lru_cache(maxsize=4096)
def _piece_words(piece: bytes) -> tuple[bytes, ...]:
    """The :func:`words` of a piece of text holding characters beyond ASCII (the same few,
    such as a heading's emoji, come back in note after note), as :func:`word_set` holds them."""
    return tuple(map(word_bytes, words(piece.decode("utf-8", "surrogatepass"))))


@lru_cache(maxsize=8192)
def heading_words(text: str) -> tuple[str, ...]:
    """The words a heading is matched by: mojibake repaired, emoji and markup ignored."""
    return tuple(words(repair_mojibake(text)))


def section_ends(headings: Sequence[Heading], last: int) -> list[int]:
    """The last line of each heading's section: the line before the next heading of its
    level or higher, else ``last``."""
    ends = [last] * len(headings)
    open_: list[int] = []  # indexes of headings whose section is still open, levels increasing
    for i, head in enumerate(headings):
        while open_ and headings[open_[-1]].level >= head.level:
            ends[open_.pop()] = head.line - 1
        open_.append(i)
    return ends


def sections(note: Note) -> list[Section]:
    """Every heading with the span of lines it governs."""
    ends = section_ends(note.headings, note.body_line + len(note.lines) - 1)
    return [_section((head, head.line + 1, end)) for head, end in zip(note.headings, ends, strict=True)]


def section_at(note: Note, index: int) -> Section:
    """The section of the note's heading number ``index``, as :func:`sections` has it."""
    head = note.headings[index]
    later = (h.line - 1 for h in note.headings[index + 1 :] if h.level <= head.level)
    return Section(head, head.line + 1, next(later, note.body_line + len(note.lines) - 1))


def first_paragraph(note: Note, start: int, end: int) -> tuple[int, str] | None:
    """(first line, text) of the first paragraph between file lines ``start`` and ``end``, code
    skipped (None for none). A paragraph stops at a blank line or a heading; its lines are
    joined with spaces."""
    lines, base, code = note.lines, note.body_line, note.code_lines
    heads = {h.line for h in note.headings}
    end = min(end, base + len(lines) - 1)
    line = start
    while line <= end and (not lines[line - base].strip() or line in code or line in heads):
        line += 1
    if line > end:
        return None
    first, found = line, []
    while line <= end:
        text = lines[line - base].strip()
        if not text or line in code or line in heads:
            break
        found.append(text)
        line += 1
    return first, " ".join(found)


def split_cells(row: str) -> tuple[str, ...]:
    """Cells of a table row: split on ``|`` that is neither escaped nor inside ``[[...]]``."""
    text = row.strip()
    if "\\" not in text and ("[[" not in text or not _PIPED_WIKI_RE.search(text)):
        return tuple(map(str.strip, text.removeprefix("|").removesuffix("|").split("|")))  # outer bars left out
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    start = depth = 0
    for m in _CELL_MARK_RE.finditer(text):
        mark = m.group()
        if mark == "[":
            depth += 1
        elif mark == "]" and depth:
            depth -= 1
        elif mark == "|" and not depth:
            cells.append(text[start : m.start()].strip())
            start = m.end()
    cells.append(text[start:].strip())
    return tuple(cells)


def tables(note: Note, start: int, end: int) -> Iterator[Table]:
    """Pipe tables (header row, delimiter row, body rows) between file lines ``start`` and ``end``, in order."""
    lines = note.lines[start - note.body_line : end - note.body_line + 1]
    for first, stop in _table_spans(note, start, lines):
        rows = tuple(_table_row((start + i, split_cells(lines[i]))) for i in range(first + 2, stop))
        yield Table(start + first, _header_cells(lines[first]), rows)


def _table_spans(note: Note, start: int, lines: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(header, end) indexes into ``lines`` (file lines from ``start``) of each table, end exclusive."""
    i = 0
    while i < len(lines) - 1:
        if "|" in lines[i] and start + i not in note.code_lines and _is_delimiter(lines[i + 1]):
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                j += 1
            yield i, j
            i = j
        else:
            i += 1


_header_cells = lru_cache(maxsize=256)(split_cells)  # a vault's tables repeat their header rows


@lru_cache(maxsize=256)  # and their delimiter rows
def _is_delimiter(row: str) -> bool:
    cells = split_cells(row)
    return "-" in row and all(_DELIMITER_CELL_RE.fullmatch(c) for c in cells)


@lru_cache(maxsize=1 << 14)  # a vault's tables link the same topics over and over
def cell_link(cell: str) -> str | None:
    """The target of the first wiki link in a table cell (``\\|`` alias form included), or None."""
    if "[[" not in cell:
        return None
    for m in WIKI_RE.finditer(cell):
        if m.group(1):
            continue
        target = split_wiki(m.group(2))[0]
        if target:
            return target
    return None
