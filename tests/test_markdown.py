"""Body structure helpers: their quick paths agree with the plain definitions."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.model.markdown import (
    _MOJIBAKE_HINT_RE,
    Section,
    first_paragraph,
    looks_mojibake,
    section_at,
    sections,
    split_cells,
    tables,
    word_set,
    words,
)
from vaulttool.model.values import Heading, Note
from vaulttool.model.wikilinks import WIKI_RE

# characters that cut words, case and escapes apart: ASCII and not, letters that casefold to two or to ASCII,
# an emoji, a dash, double-encoded text and a lone surrogate
_CHARS = "aZ9_ -|\\[]!\n\t\u00a0\u00e9\u00c9\u00df\u017f\ufb01\u0130\u212a\U0001f9e0\u2013\u00c3\u00a9\ud800"
_TEXT = st.text(alphabet=st.sampled_from(_CHARS), max_size=40)


def _reference_cells(row: str) -> tuple[str, ...]:
    """Cells split on every ``|`` unless the row has an escape or a link with a ``|``; then one
    character at a time: ``\\x`` is kept whole, ``|`` inside ``[[...]]`` is text."""
    text = row.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    if "\\" not in text and not any("|" in m.group() for m in WIKI_RE.finditer(text)):
        return tuple(cell.strip() for cell in text.split("|"))
    cells, current, depth, i = [], "", 0, 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text.startswith("[[", i):
            depth += 1
        elif text.startswith("]]", i) and depth:
            depth -= 1
        if text[i] == "|" and not depth:
            cells.append(current.strip())
            current = ""
        else:
            current += text[i]
        i += 1
    return (*cells, current.strip())


@settings(max_examples=500)
@given(st.lists(_TEXT, max_size=5))
def test_word_set_is_the_set_of_words(lines: list[str]) -> None:
    assert word_set(lines) == {word.encode("utf-8", "surrogatepass") for word in words("\n".join(lines))}


@settings(max_examples=500)
@given(_TEXT)
def test_looks_mojibake_is_its_pattern_found(text: str) -> None:
    assert looks_mojibake(text) == (_MOJIBAKE_HINT_RE.search(text) is not None)


@settings(max_examples=500)
@given(_TEXT)
def test_split_cells_agrees_with_the_character_walk(row: str) -> None:
    assert split_cells(row) == _reference_cells(row)


def test_split_cells_keeps_aliased_links_and_escapes_whole() -> None:
    assert split_cells("| [[A\\|a]] | x \\| y | [[B|b]] |") == ("[[A\\|a]]", "x \\| y", "[[B|b]]")


def _note(lines: list[str], headings: list[tuple[int, int]]) -> Note:
    return Note(
        path="n.md",
        frontmatter=None,
        fm_key_lines={},
        body_line=1,
        lines=lines,
        headings=tuple(Heading(level, lines[line - 1], "", line) for line, level in headings),
        block_ids=frozenset(),
        links=(),
    )


def _reference_first_paragraph(note: Note, start: int, end: int) -> tuple[int, str] | None:
    """The first run of body lines from ``start`` to ``end`` that are neither blank, code nor a
    heading: its first line and its lines stripped and joined with spaces."""
    heads = {h.line for h in note.headings}
    run: list[tuple[int, str]] = []
    for line in range(start, end + 1):
        index = line - note.body_line
        text = note.lines[index].strip() if 0 <= index < len(note.lines) else ""
        if text and line not in note.code_lines and line not in heads:
            run.append((line, text))
        elif run:
            break
    return (run[0][0], " ".join(text for _, text in run)) if run else None


@settings(max_examples=500)
@given(
    st.lists(st.sampled_from(["", " ", "text", " more\t", "# head"]), max_size=8),
    st.sets(st.integers(1, 8)),
    st.integers(1, 9),
    st.integers(0, 9),
)
def test_first_paragraph_is_the_first_run_of_text(lines: list[str], code: set[int], start: int, end: int) -> None:
    heads = [(i, 1) for i, text in enumerate(lines, 1) if text.startswith("#")]
    note = dataclasses.replace(_note(lines, heads), code_lines=frozenset(code))
    assert first_paragraph(note, start, end) == _reference_first_paragraph(note, start, end)


def test_section_at_matches_sections() -> None:
    note = _note(["# A", "x", "## B", "y", "### C", "## D", "# E", "z"], [(1, 1), (3, 2), (5, 3), (6, 2), (7, 1)])
    assert [section_at(note, i) for i in range(5)] == sections(note)
    assert sections(note)[1] == Section(note.headings[1], 4, 5)


def test_tables() -> None:
    lines = ["intro | not a table", "", "|A|B|", "|---|:-:|", "|[[x]]|y|", "| z |", "", "|C|", "|-|", "text"]
    note = _note(lines, [])
    found = list(tables(note, 1, len(lines)))
    assert [(t.line, t.header, [(r.line, r.cells) for r in t.rows]) for t in found] == [
        (3, ("A", "B"), [(5, ("[[x]]", "y")), (6, ("z",))]),
        (8, ("C",), []),
    ]
    assert list(tables(note, 1, 2)) == []
