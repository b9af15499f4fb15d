"""Body structure of a parsed note: sections, paragraphs, tables and words, with file lines.

Built on :class:`~vaulttool.models.Note` (headings and code lines already found by the
scanner); nothing here re-reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from vaulttool.models import Heading, Note
from vaulttool.wikilinks import WIKI_RE, split_wiki

_WORD_RE = re.compile(r"[^\W_]+")
# a cp1252/latin-1 lead byte followed by a continuation-looking character: cheap mojibake hint
_MOJIBAKE_HINT_RE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
_DELIMITER_CELL_RE = re.compile(r"\s*:?-+:?\s*")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the body lines up to the next heading of the same or a higher level."""

    heading: Heading
    start: int  # first file line after the heading
    end: int  # last file line of the section (inclusive)


@dataclass(frozen=True, slots=True)
class TableRow:
    """One body row of a Markdown table: its file line and cell texts (``\\|`` kept escaped)."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: header cells and body rows."""

    line: int
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]


def looks_mojibake(text: str) -> bool:
    """Cheap first test for double-encoded UTF-8 (a cp1252 lead character and a continuation)."""
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


@lru_cache(maxsize=8192)
def heading_words(text: str) -> tuple[str, ...]:
    """The words a heading is matched by: mojibake repaired, emoji and markup ignored."""
    return tuple(words(repair_mojibake(text)))


def body_line(note: Note, line: int) -> str:
    """The text of file line ``line`` in the note's body."""
    return note.lines[line - note.body_line]


def sections(note: Note) -> list[Section]:
    """Every heading with the span of lines it governs."""
    ends = [note.body_line + len(note.lines) - 1] * len(note.headings)
    open_: list[int] = []  # indexes of headings whose section is still open, levels increasing
    for i, head in enumerate(note.headings):
        while open_ and note.headings[open_[-1]].level >= head.level:
            ends[open_.pop()] = head.line - 1
        open_.append(i)
    return [Section(head, head.line + 1, end) for head, end in zip(note.headings, ends, strict=True)]


def paragraphs(note: Note, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(first line, text) of each paragraph between file lines ``start`` and ``end``, code skipped.

    Paragraphs stop at blank lines and headings; their lines are joined with spaces.
    """
    current: list[str] = []
    first = 0
    heading_lines = {h.line for h in note.headings}
    for line in range(start, end + 1):
        text = body_line(note, line)
        if not text.strip() or line in note.code_lines or line in heading_lines:
            if current:
                yield first, " ".join(current)
                current = []
            continue
        if not current:
            first = line
        current.append(text.strip())
    if current:
        yield first, " ".join(current)


def split_cells(row: str) -> tuple[str, ...]:
    """Cells of a table row: split on ``|`` that is neither escaped nor inside ``[[...]]``."""
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "\\" not in text and not any("|" in m.group() for m in WIKI_RE.finditer(text)):
        return tuple(cell.strip() for cell in text.split("|"))
    cells: list[str] = []
    current: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if text.startswith("[[", i):
            depth += 1
        elif text.startswith("]]", i) and depth:
            depth -= 1
        if ch == "|" and not depth:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    cells.append("".join(current).strip())
    return tuple(cells)


def tables(note: Note, start: int, end: int) -> list[Table]:
    """Pipe tables (header row, delimiter row, body rows) between file lines ``start`` and ``end``."""
    found: list[Table] = []
    line = start
    while line < end:
        head, delim = body_line(note, line), body_line(note, line + 1)
        if line not in note.code_lines and "|" in head and _is_delimiter(delim):
            rows: list[TableRow] = []
            row_line = line + 2
            while row_line <= end and "|" in body_line(note, row_line) and body_line(note, row_line).strip():
                rows.append(TableRow(row_line, split_cells(body_line(note, row_line))))
                row_line += 1
            found.append(Table(line, split_cells(head), tuple(rows)))
            line = row_line
        else:
            line += 1
    return found


def _is_delimiter(row: str) -> bool:
    cells = split_cells(row)
    return "-" in row and all(_DELIMITER_CELL_RE.fullmatch(c) for c in cells)


def cell_links(cell: str) -> list[tuple[str, str | None]]:
    """(target, alias) of each wiki link in a table cell (``\\|`` alias form included)."""
    out = []
    for m in WIKI_RE.finditer(cell):
        if m.group(1):
            continue
        target, _subpath, alias, _raw = split_wiki(m.group(2))
        if target:
            out.append((target, alias))
    return out
