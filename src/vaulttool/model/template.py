"""What a note holds in the terms of its template schema: sections, topic rows, keywords.

The template rules and the stub writer read notes through these functions, so a
section, a topics table or a keyword list is found one way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from vaulttool.model.markdown import (
    Section,
    Table,
    cell_link,
    heading_words,
    section_at,
    tables,
)
from vaulttool.model.schema_format import KeywordsSpec, SchemaFile, TableSpec
from vaulttool.model.values import Note, from_fields


class TopicRow(NamedTuple):
    """One row of a topics table: the topic's wiki link target (None when the cell has none)."""

    line: int
    target: str | None
    cell: str
    description: str


_topic_row = from_fields(TopicRow)


def find_section(note: Note, heading: str) -> Section | None:
    """The first section whose heading has the same words as ``heading`` (emoji, case ignored)."""
    wanted = heading_words(heading)
    found = (i for i, head in enumerate(note.headings) if heading_words(head.text) == wanted)
    index = next(found, None)
    return None if index is None else section_at(note, index)


def topics_table(note: Note, spec: TableSpec) -> Table | None:
    """The first table in the spec's section, or None when the section or the table is missing."""
    return first_table(note, find_section(note, spec.section))


def first_table(note: Note, section: Section | None) -> Table | None:
    """The first table in ``section`` of ``note`` (None without a section or a table in it)."""
    if section is None:
        return None
    return next(tables(note, section.start, section.end), None)


def topic_rows(note: Note, spec: TableSpec) -> list[TopicRow]:
    """The rows of the topics table with the linked topic and its description."""
    return table_topic_rows(topics_table(note, spec), spec)


def table_topic_rows(table: Table | None, spec: TableSpec) -> list[TopicRow]:
    """The rows of ``table``, the topics table of ``spec`` (none without a table), as :func:`topic_rows` has them."""
    if table is None:
        return []
    topic, description = spec.topic_column, spec.description_column
    rows = []
    for line, cells in table.rows:
        cell = cells[topic] if topic < len(cells) else ""
        rows.append(_topic_row((line, cell_link(cell), cell, cells[description] if description < len(cells) else "")))
    return rows


def keyword_list(paragraph: tuple[int, str] | None, spec: KeywordsSpec) -> tuple[int, list[str]] | None:
    """(line, keywords) of ``paragraph``, the first paragraph under the keywords heading as
    (line, text), or None without one."""
    if paragraph is None:
        return None
    line, text = paragraph
    return line, [k.strip() for k in text.split(spec.separator) if k.strip()]


def frontmatter_list(note: Note, field: str) -> list[str]:
    """The text items of a frontmatter list property (a lone string counts as one item)."""
    value = (note.frontmatter or {}).get(field)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [unbracket(v) for v in value if isinstance(v, str) and v.strip()]


def unbracket(text: str) -> str:
    """A list item's topic: ``[[Topic|shown]]`` is ``Topic``, any other text is itself (stripped)."""
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]"):
        text = text[2:-2].split("|", 1)[0]
    return text.strip()


_ITEM_WINDOW = 64  # lines searched after the previous match for an item not written plainly


def _item_text(raw: str) -> str:
    """The text of a block list item as written (``- Topic``, ``- "Topic"``, ``- "[[Topic]]"``)."""
    text = raw.strip()
    if text[:2] != "- ":
        return ""
    text = text[2:].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return unbracket(text)


def item_lines(note: Note, field: str, texts: Sequence[str]) -> list[int]:
    """The file line of the list item holding each of ``texts`` (in list order), else the property's line.

    Linear in the size of the property: an item written plainly is looked up by its text;
    any other (escaped, folded, in a flow list) is searched for in the lines just after the
    previous match, since items keep their list order in the file.
    """
    start = note.fm_key_lines.get(field, 1)
    fm_lines = (note.raw_frontmatter or "").split("\n")
    block: list[str] = []  # the property's lines, from its key line on
    for line in range(start, note.body_line - 1):
        raw = fm_lines[line - 2] if 0 <= line - 2 < len(fm_lines) else ""
        if line > start and raw[:1] not in (" ", "\t", "-"):
            break
        block.append(raw)
    plain: dict[str, int] = {}
    for offset, raw in enumerate(block):
        plain.setdefault(_item_text(raw), start + offset)
    found: list[int] = []
    cursor = 0
    for text in texts:
        if text in plain:
            line = plain[text]
        else:
            window = block[cursor : cursor + _ITEM_WINDOW]
            line = next((start + cursor + i for i, raw in enumerate(window) if text in raw), start)
        cursor = max(cursor, line - start)
        found.append(line)
    return found


def item_line(note: Note, field: str, text: str) -> int:
    """The file line of a frontmatter list item holding ``text`` (the property's line if not found)."""
    return item_lines(note, field, [text])[0]


def skeleton(spec: SchemaFile) -> str:
    """An empty note to fill in for template ``spec``: its properties, its sections and table header.

    Properties the template is recognised by (``match``) hold the values it looks for;
    list properties are empty lists, the others empty.
    """
    import json

    lines = ["---"]
    keys = [*spec.fields, *(k for k in (*spec.match.has_keys, *spec.match.frontmatter) if k not in spec.fields)]
    for key in dict.fromkeys(keys):
        field = spec.fields.get(key)
        wanted = spec.match.frontmatter.get(key)
        listed = field is not None and field.type == "list"
        if wanted is not None:
            value = [wanted] if listed and not isinstance(wanted, list) else wanted
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        else:
            lines.append(f"{key}: []" if listed else f"{key}:")
    lines.append("---")
    for section in spec.sections:
        lines += ["", f"{'#' * (section.level or 2)} {section.heading}"]
        if spec.table is not None and heading_words(spec.table.section) == section.words:
            lines += ["", "|" + "|".join(spec.table.columns) + "|", "|" + "---|" * len(spec.table.columns)]
    return "\n".join(lines) + "\n"
