"""Where a note's properties stand in its frontmatter: key lines, strings, and the links they hold.

Obsidian reads a ``[[link]]`` in a property only when it is written inside a quoted
string; an unquoted one is a nested list to YAML and no link (see :func:`unquoted_links`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from sys import intern
from typing import Any

from vaulttool.model.values import Link, Note
from vaulttool.model.wikilinks import WIKI_RE, split_wiki

# a plain key runs to the first ':' (trailing blanks are stripped afterwards): no lazy
# quantifier next to a blank run, so a long line of spaces stays linear
_KEY_RE = re.compile(r"""(?:"([^"\n]*)"[ \t]*|'([^'\n]*)'[ \t]*|([^\s#'"\-?:][^:\n]*|-[^\s:][^:\n]*)):(?:[ \t]|$)""")


def find_key_lines(fm_lines: list[str], first_line: int) -> dict[str, int]:
    """File line of each top-level key (they sit at column 0)."""
    found: dict[str, int] = {}
    for i, line in enumerate(fm_lines):
        if not line or line[0] in " \t#-":
            continue
        m = _KEY_RE.match(line)
        if m:
            key = next(g for g in m.groups() if g is not None).strip()
            found.setdefault(intern(key), first_line + i)
    return found


def iter_strings(value: Any) -> Iterator[str]:
    """Every string inside a YAML value (nested lists and mappings walked iteratively)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())


def _unquoted_links(value: Any) -> Iterator[str]:
    """Texts written as unquoted ``[[X]]``, which YAML reads as a list holding a list: ``[["X"]]``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(item) == 1 and isinstance(item[0], list) and len(item[0]) == 1 and isinstance(item[0][0], str):
                yield item[0][0]
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def holds_unquoted_link(value: Any) -> bool:
    """Whether a property value, or a list item, holds an ``[[X]]`` written without quotes."""
    return isinstance(value, list) and next(_unquoted_links([value]), None) is not None


def _owned_lines(fm_lines: Sequence[str], first_line: int, key_lines: dict[str, int]) -> Iterator[tuple[int, str, str]]:
    """(file line, property, text) of every frontmatter line that sits under a property and holds ``[[``."""
    by_line = sorted((line, key) for key, line in key_lines.items())
    next_key = 0
    owner: str | None = None
    for i, line in enumerate(fm_lines):
        lineno = first_line + i
        while next_key < len(by_line) and by_line[next_key][0] <= lineno:
            owner = by_line[next_key][1]
            next_key += 1
        if owner is not None and "[[" in line:
            yield lineno, owner, line


def _quote_before(line: str, start: int) -> bool:
    return line[start - 1 : start] in ("'", '"')


def frontmatter_links(
    fm_lines: list[str], first_line: int, data: dict[str, Any] | None, key_lines: dict[str, int]
) -> list[Link]:
    """Wiki links held as quoted strings in property values (Obsidian's frontmatter links).

    A link counts when its text stands inside some string value of the property it sits
    under. An unquoted ``[[X]]`` is a nested list in YAML, which Obsidian does not read as
    a link: it is no link here either (see :func:`unquoted_links`). When the YAML did not
    parse (``data`` is None), links written in quotes on a line still count, so a missing
    MOC is reported in the same run as the syntax error.
    """
    links: list[Link] = []
    quoted: dict[str, set[str]] = {}  # per property: the insides of the [[...]] in its strings
    for lineno, owner, line in _owned_lines(fm_lines, first_line, key_lines):
        inside: set[str] | None = None
        if data is not None:
            if owner not in quoted:
                quoted[owner] = {m.group(2) for s in iter_strings(data.get(owner)) for m in WIKI_RE.finditer(s)}
            inside = quoted[owner]
        for m in WIKI_RE.finditer(line):
            if m.group(1) or (inside is None and not _quote_before(line, m.start())):
                continue
            if inside is not None and m.group(2) not in inside:
                continue
            target, subpath, alias, raw = split_wiki(m.group(2))
            if target:
                links.append(
                    Link("frontmatter", target, subpath, alias, raw, lineno, m.start() + 1, lineno, m.end() + 1, owner)
                )
    return links


def unquoted_links(note: Note) -> list[Link]:
    """The ``[[X]]`` written without quotes in ``note``'s properties: nested lists to YAML, no links to Obsidian.

    Each comes as a frontmatter :class:`Link` with its property and position, so that a
    rule can say where it is and what to write instead. A text that a property holds both
    quoted and unquoted counts where no quote stands right before its ``[[``.
    """
    data, raw = note.frontmatter, note.raw_frontmatter
    if not data or raw is None or "[[" not in raw or next(_unquoted_links(data), None) is None:
        return []
    found: list[Link] = []
    bare: dict[str, tuple[set[str], set[str]]] = {}  # per property: unquoted texts, quoted texts
    for lineno, owner, line in _owned_lines(raw.split("\n"), 2, note.fm_key_lines):
        if owner not in bare:
            value = data.get(owner)
            bare[owner] = (
                set(_unquoted_links(value)),
                {m.group(2) for s in iter_strings(value) for m in WIKI_RE.finditer(s)},
            )
        unquoted, quoted = bare[owner]
        for m in WIKI_RE.finditer(line):
            text = m.group(2)
            if m.group(1) or text not in unquoted or (text in quoted and _quote_before(line, m.start())):
                continue
            target, subpath, alias, raw_text = split_wiki(text)
            found.append(
                Link("frontmatter", target, subpath, alias, raw_text, lineno, m.start() + 1, lineno, m.end() + 1, owner)
            )
    return found
