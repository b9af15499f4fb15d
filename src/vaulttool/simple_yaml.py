"""A quick reader for the frontmatter nearly every note has, or None when it is anything else.

Nearly all frontmatter is a flat block of ``key: value`` lines whose values are plain
or simply quoted scalars, ``[a, b]`` lists, or ``- item`` lists below the key. Building
the YAML node tree for that costs most of the time it takes to read a note; this module
reads exactly that subset directly and answers None for anything outside it (comments,
escapes, nested mappings, multi-line scalars, anchors, tags, tabs, unusual characters,
duplicate keys...), so that the full YAML parser decides, and reports, everything else.
Plain scalars are typed by the caller, with the full parser's own rules, so both paths
give equal values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from sys import intern
from typing import Any

_INTERN_MAX = 40  # short values (tags, statuses, names) recur across notes: keep one copy
_KEY_LINE_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?")
_ITEM_RE = re.compile(r"( *)- (.*)")
# Tabs and other control characters, YAML's other line breaks (NEL, U+2028, U+2029) and
# the BOM: text holding any of them goes to the full parser, which knows what they mean.
_UNSAFE_RE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A plain scalar starting with one of these is an indicator (sequence, mapping, flow,
# comment, anchor, alias, tag, block scalar, directive, reserved) or needs more care.
_FIRST_NOT_PLAIN = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_FLOW_FORBIDDEN = frozenset(",[]{}:#")


class _NotSimple(Exception):
    """The text is outside the subset."""


def _scalar(text: str, scalar: Callable[[str], Any], flow: bool) -> Any:
    """A quoted or plain scalar, as the full parser reads it in block (or flow) context."""
    if not text:
        raise _NotSimple
    first = text[0]
    if first == '"' or first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != first or first in inner or (first == '"' and "\\" in inner):
            raise _NotSimple  # a quote inside, or an escape
        return intern(inner) if len(inner) <= _INTERN_MAX else inner
    if first in _FIRST_NOT_PLAIN or text[-1] == ":" or ": " in text or " :" in text or " #" in text:
        raise _NotSimple  # an indicator, a mapping, a comment
    if flow and not _FLOW_FORBIDDEN.isdisjoint(text):
        raise _NotSimple
    value = scalar(text)
    if type(value) is str and len(value) <= _INTERN_MAX:
        return intern(value)
    return value


def _flow_list(text: str, scalar: Callable[[str], Any]) -> list[Any]:
    inner = text[1:-1].strip(" ")  # YAML white space is spaces (tabs never get here)
    if not inner:
        return []
    return [_scalar(item.strip(" "), scalar, True) for item in inner.split(",")]


def _value(text: str, scalar: Callable[[str], Any]) -> Any:
    if text[:1] == "[":
        if text[-1] != "]":
            raise _NotSimple
        return _flow_list(text, scalar)
    return _scalar(text, scalar, False)


def parse_simple(lines: Sequence[str], scalar: Callable[[str], Any]) -> dict[str, Any] | None:
    """The mapping the frontmatter ``lines`` hold, or None when they are not in the simple subset.

    ``scalar`` types a plain scalar the way the full parser would (``"12"`` -> 12) and
    raises ``ValueError`` for one it does not want to type here.
    """
    text = "\n".join(lines)
    if not text.strip(" \n") or _UNSAFE_RE.search(text):
        return None
    out: dict[str, Any] = {}
    key: str | None = None  # the key whose "- item" lines may follow
    items: list[Any] | None = None
    indent = -1
    try:
        for line in lines:
            if not line or (line[0] == " " and not line.strip(" ")):
                continue
            item = _ITEM_RE.fullmatch(line) if key is not None else None
            if key is not None and item is not None:
                if indent < 0:
                    indent = len(item.group(1))
                    items = out[key] = []
                elif len(item.group(1)) != indent or items is None:
                    return None
                body = item.group(2).strip(" ")
                if body[:1] == "[" or body[:1] == "-":
                    return None
                items.append(_scalar(body, scalar, False))
                continue
            match = _KEY_LINE_RE.fullmatch(line)
            if match is None:
                return None
            name, rest = match.groups()
            rest = rest.strip(" ") if rest else rest
            name = intern(name)
            if name in out or type(scalar(name)) is not str:  # a repeated key, or one like "true"
                return None
            if rest:
                out[name] = _value(rest, scalar)
                key = None
            else:
                out[name] = scalar("")
                key, items, indent = name, None, -1
    except (_NotSimple, ValueError):
        return None
    return out
