"""Where a note's properties stand in its frontmatter: key lines, strings, and the links they hold.

Obsidian reads a ``[[link]]`` in a property only when it is written inside a quoted
string; an unquoted one is a nested list to YAML and no link (see :func:`unquoted_links`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from sys import intern
from typing import Any

from vaulttool.model.values import Link, Note
from vaulttool.model.wikilinks import WIKI_SCAN_RE, link_from_fields, split_wiki

# a plain key runs to the first ':' (trailing blanks are stripped afterwards): no lazy
# quantifier next to a blank run, so a long line of spaces stays linear
_KEY_RE = re.compile(r"""(?:"([^"\n]*)"[ \t]*|'([^'\n]*)'[ \t]*|([^\s#'"\-?:][^:\n]*|-[^\s:][^:\n]*)):(?:[ \t]|$)""")


# the key of each short line at column 0 met so far (None: no key): a vault writes the same
# property lines (status, type, a list's key) in note after note
_KEY_OF_LINE: dict[str, str | None] = {}
_KEY_OF_LINE_MAX = 1 << 14
_SHORT_LINE = 80


def find_key_lines(fm_lines: list[str], first_line: int) -> dict[str, int]:
    """File line of each top-level key (they sit at column 0)."""
    found: dict[str, int] = {}
    known = _KEY_OF_LINE
    for i, line in enumerate(fm_lines):
        if not line or line[0] in " \t#-":
            continue
        if line in known:
            key = known[line]
        else:
            m = _KEY_RE.match(line)  # one of the three forms matched: the last group that did
            key = intern(m.group(m.lastindex or 0).strip()) if m else None
            if len(line) <= _SHORT_LINE and len(known) < _KEY_OF_LINE_MAX:
                known[line] = key
        if key is not None:
            found.setdefault(key, first_line + i)
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


def _insides(value: Any) -> set[str]:
    """What stands inside the ``[[...]]`` of the strings of a property value.

    The strings are searched as one text, a line end between them: no ``[[...]]`` spans a line end.
    A list of texts (the usual value holding links) is joined as it stands, without walking it.
    """
    if type(value) is list:
        try:
            return set(WIKI_SCAN_RE.findall("\n".join(value)))
        except TypeError:  # it holds more than texts
            pass
    return set(WIKI_SCAN_RE.findall("\n".join(iter_strings(value))))


def _owned_links(
    fm_text: str, first_line: int, key_lines: dict[str, int]
) -> Iterator[tuple[re.Match[str], int, int, str]]:
    """Every ``[[...]]`` of the frontmatter text that sits under a property: (match, its file line,
    where that line starts in the text, the property)."""
    if "[[" not in fm_text or not key_lines:
        return
    owners, starts = list(key_lines), list(key_lines.values())
    if starts != sorted(starts):  # not in the order find_key_lines gives
        owners.sort(key=key_lines.__getitem__)
        starts.sort()
    lineno, line_start, pos = first_line, 0, 0
    for m in WIKI_SCAN_RE.finditer(fm_text):  # the pattern never crosses a line end
        start = m.start()
        newlines = fm_text.count("\n", pos, start)
        if newlines:
            lineno += newlines
            line_start = fm_text.rfind("\n", 0, start) + 1
        pos = start
        owner = bisect_right(starts, lineno) - 1
        if owner >= 0:
            yield m, lineno, line_start, owners[owner]


def _property_link(m: re.Match[str], lineno: int, line_start: int, owner: str) -> Link:
    target, subpath, alias, raw = split_wiki(m.group(1))
    start, end = m.start() - line_start + 1, m.end() - line_start + 1
    return link_from_fields(("frontmatter", target, subpath, alias, raw, lineno, start, lineno, end, owner))


def frontmatter_links(
    fm_text: str, first_line: int, data: dict[str, Any] | None, key_lines: dict[str, int]
) -> list[Link]:
    """Wiki links held as quoted strings in property values (Obsidian's frontmatter links).

    A link counts when its text stands inside some string value of the property it sits
    under. An unquoted ``[[X]]`` is a nested list in YAML, which Obsidian does not read as
    a link: it is no link here either (see :func:`unquoted_links`). When the YAML did not
    parse (``data`` is None), links written in quotes on a line still count, so a missing
    MOC is reported in the same run as the syntax error. An embed (``![[X]]``) is no
    property link.
    """
    links: list[Link] = []
    quoted: dict[str, set[str]] = {}  # per property: the insides of the [[...]] in its strings
    for m, lineno, line_start, owner in _owned_links(fm_text, first_line, key_lines):
        before = fm_text[m.start() - 1 : m.start()]
        if before == "!":
            continue
        if data is None:
            if before != "'" and before != '"':
                continue
        else:
            inside = quoted.get(owner)
            if inside is None:
                inside = quoted[owner] = _insides(data.get(owner))
            if m.group(1) not in inside:
                continue
        link = _property_link(m, lineno, line_start, owner)
        if link.target:
            links.append(link)
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
    for m, lineno, line_start, owner in _owned_links(raw, 2, note.fm_key_lines):
        if owner not in bare:
            value = data.get(owner)
            bare[owner] = (set(_unquoted_links(value)), _insides(value))
        unquoted, quoted = bare[owner]
        text, before = m.group(1), raw[m.start() - 1 : m.start()]
        if before == "!" or text not in unquoted or (text in quoted and (before == "'" or before == '"')):
            continue
        found.append(_property_link(m, lineno, line_start, owner))
    return found
