"""The fixes rules offer: edits worked out from a parsed note, each proven before it is offered.

Frontmatter is never written back whole. A fix replaces the one value it repairs, in
place, with text made for it, so every comment, key order, quoting and flow or block
style, blank line and spacing elsewhere stays exactly as written (a round-trip YAML
writer would re-indent other lists, re-space comments and fold long lines). The new
frontmatter is then read again as the check reads it, and a fix is only offered when
that property, and nothing else, has the value the fix promises.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from vaulttool.model.edits import Edit, apply_edits
from vaulttool.model.frontmatter_yaml import FrontmatterError, load_yaml
from vaulttool.model.properties import iter_strings
from vaulttool.model.values import Fix, Link, Note

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SEQUENCE_ITEM_RE = re.compile(r"^( *)- ", re.MULTILINE)


@lru_cache(maxsize=8)
def _composed(raw: str) -> yaml.MappingNode | None:
    """The YAML node tree of a frontmatter text (positions of every value), or None."""
    try:
        node = yaml.compose(raw, Loader=_BASE_LOADER)
    except yaml.YAMLError:
        return None
    return node if isinstance(node, yaml.MappingNode) else None


def value_node(note: Note, key: str, item: int | None = None) -> tuple[yaml.Node, yaml.Node] | None:
    """The key node of top-level property ``key`` and its value node (or the value's ``item``-th entry)."""
    if note.raw_frontmatter is None:
        return None
    root = _composed(note.raw_frontmatter)
    if root is None:
        return None
    for key_node, value in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            if item is None:
                return key_node, value
            if isinstance(value, yaml.SequenceNode) and 0 <= item < len(value.value):
                return key_node, value.value[item]
            return None
    return None


def _start(mark: Any) -> tuple[int, int]:
    """A YAML mark of the frontmatter as a file position (the frontmatter starts on line 2)."""
    return mark.line + 2, mark.column + 1


def node_edit(node: yaml.Node, text: str) -> Edit:
    """An edit replacing the whole of ``node`` as written with ``text``."""
    (line, column), (end_line, end_column) = _start(node.start_mark), _start(node.end_mark)
    return Edit(line, column, end_line, end_column, text)


def yaml_text(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back as the same text, else double-quoted."""
    try:
        plain = value == value.strip() and "\n" not in value and load_yaml(f"k: {value}") == {"k": value}
    except FrontmatterError:
        plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def scalar_text(node: yaml.ScalarNode, value: str) -> str:
    """``value`` written in the quoting style of ``node`` (kept when it can hold it)."""
    if node.style == '"':
        return json.dumps(value, ensure_ascii=False)
    if node.style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    return yaml_text(value)


def frontmatter_after(note: Note, edits: Sequence[Edit]) -> dict[str, Any] | None:
    """The note's properties as the check would read them once ``edits`` are made (None: unreadable)."""
    if note.raw_frontmatter is None:
        return None
    try:
        after = load_yaml(apply_edits(f"---\n{note.raw_frontmatter}\n---\n", edits).text.split("\n", 1)[1][:-5])
    except (FrontmatterError, ValueError):
        return None
    return after if isinstance(after, dict) else None


def _others_kept(before: dict[str, Any], after: dict[str, Any], key: str) -> bool:
    """Whether every property but ``key`` is as it was, in the same order."""
    return list(after) == list(before) and all(after[k] == v for k, v in before.items() if k != key)


def proven(note: Note, edits: Sequence[Edit], key: str, expected: Any) -> bool:
    """Whether ``edits`` leave the note's frontmatter equal but for ``key``, which then holds ``expected``."""
    after = frontmatter_after(note, edits)
    if after is None or note.frontmatter is None:
        return False
    wanted = {**note.frontmatter, key: expected}  # a new key comes last
    return after == wanted and list(after) == list(wanted)


def sequence_indent(note: Note) -> str:
    """How the note's frontmatter indents block list items under a key (Obsidian writes two spaces)."""
    found = _SEQUENCE_ITEM_RE.search(note.raw_frontmatter or "")
    return found.group(1) if found else "  "


def comma_list_fix(note: Note, key: str) -> Fix | None:
    """Turn ``key: a, b`` into a block list of ``a`` and ``b``, in the note's own list indentation."""
    found = value_node(note, key)
    if found is None or not isinstance(found[1], yaml.ScalarNode) or note.frontmatter is None:
        return None
    key_node, node = found
    value = note.frontmatter.get(key)
    if not isinstance(value, str) or "," not in value or node.start_mark.line != key_node.end_mark.line:
        return None
    if any(ch in value for ch in "\"'[]{}"):  # quotes or brackets inside: what the items are is not plain
        return None
    items = [part.strip() for part in value.split(",") if part.strip()]
    indent = sequence_indent(note)
    line, column = _start(key_node.end_mark)
    colon = (note.raw_frontmatter or "").split("\n")[line - 2].find(":", column - 1)
    if colon < 0:
        return None
    lines = "".join(f"\n{indent}- {yaml_text(item)}" for item in items)
    edit = Edit(line, colon + 2, *_start(node.end_mark), lines)
    if not proven(note, [edit], key, items):
        return None
    return Fix((edit,), True, f"Make '{key}' a YAML list of {len(items)} items")


def quote_link_fix(note: Note, link: Link) -> Fix | None:
    """Quote a ``[[link]]`` written bare in a property (YAML reads it as a nested list)."""
    if note.raw_frontmatter is None or note.frontmatter is None or link.field is None or link.line != link.end_line:
        return None
    written = note.raw_frontmatter.split("\n")[link.line - 2][link.column - 1 : link.end_column - 1]
    if not (written.startswith("[[") and written.endswith("]]")):
        return None
    edit = Edit(link.line, link.column, link.end_line, link.end_column, json.dumps(written, ensure_ascii=False))
    after = frontmatter_after(note, [edit])
    if after is None or not _others_kept(note.frontmatter, after, link.field):
        return None
    if written not in iter_strings(after.get(link.field)):  # the link is text now, where it stood
        return None
    return Fix((edit,), True, f'Quote the link: "{written}"')


def replace_value_fix(note: Note, key: str, item: int | None, new: str, message: str) -> Fix | None:
    """Replace the scalar value of ``key`` (or its ``item``-th entry) with the text ``new``, quoting kept."""
    found = value_node(note, key, item)
    if found is None or not isinstance(found[1], yaml.ScalarNode) or note.frontmatter is None:
        return None
    edit = node_edit(found[1], scalar_text(found[1], new))
    value = note.frontmatter.get(key)
    expected = new if item is None else [new if i == item else v for i, v in enumerate(value or [])]
    if not proven(note, [edit], key, expected):
        return None
    return Fix((edit,), True, message)


def insert_property_fix(note: Note, key: str, value: str, message: str) -> Fix | None:
    """Add ``key: value`` as the frontmatter's last property (an unsafe fix: the value is a guess)."""
    if note.raw_frontmatter is None or note.frontmatter is None or key in note.frontmatter:
        return None
    edit = Edit(note.body_line - 1, 1, note.body_line - 1, 1, f"{key}: {yaml_text(value)}\n")
    if not proven(note, [edit], key, load_yaml(f"k: {yaml_text(value)}")["k"]):
        return None
    return Fix((edit,), False, message)


def line_edits(line: int, before: str, after: str) -> Edit | None:
    """The smallest edit turning line ``line`` from ``before`` into ``after`` (None when equal)."""
    if before == after:
        return None
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return Edit(line, start + 1, line, len(before) - end + 1, after[start : len(after) - end])


@lru_cache(maxsize=4)
def _git_first_dates(root: str) -> dict[str, str]:
    """The date of the commit that added each file under ``root`` (vault-relative paths), from one ``git log``."""
    try:
        out = subprocess.run(
            ["git", "log", "--diff-filter=A", "--name-only", "-z", "--format=%x01%as", "--relative", "--", "."],
            cwd=root,
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, str] = {}
    for commit in out.split("\x01")[1:]:  # newest first: the oldest date is written last
        day, *names = commit.split("\0")
        for name in names:
            if name.strip("\n"):
                dates[name.strip("\n")] = day.strip()
    return dates


def created_date(root: str, path: str) -> str:
    """When the note at ``path`` was created: the date of the git commit that added it, else its modification date."""
    found = _git_first_dates(root).get(path)
    if found:
        return found
    return date.fromtimestamp(os.stat(os.path.join(root, path)).st_mtime).isoformat()
