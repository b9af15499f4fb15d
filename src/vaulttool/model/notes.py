"""One file to one :class:`Note`: read safely, split frontmatter, parse YAML, scan the body.

Frontmatter follows Obsidian: a ``---`` line at the very top (after an optional UTF-8
BOM) opens it and the next ``---`` line closes it. YAML is read with libyaml
(``CSafeLoader``) under YAML 1.2 scalar rules as Obsidian does (``yes``/``on`` and
dates stay strings), after a guard that refuses alias bombs, recursive aliases and deep
nesting before anything walks the document. Every failure becomes a diagnostic on the
note; nothing here raises for bad input.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from functools import lru_cache
from sys import intern
from typing import Any, overload

import yaml

from vaulttool.files.stamps import Stamp, content_stamp, read_stamp, stat_stamp
from vaulttool.model.values import Diagnostic, Link, Note, Severity
from vaulttool.model.wikilinks import WIKI_RE, scan_body, split_wiki

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64
_NESTING_INDICATORS = "[{-?:"
_COMPOSE_SAFE_NESTING = 1000  # far below the depth at which libyaml's composer overflows the C stack

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# a plain key runs to the first ':' (trailing blanks are stripped afterwards): no lazy
# quantifier next to a blank run, so a long line of spaces stays linear
_KEY_RE = re.compile(r"""(?:"([^"\n]*)"[ \t]*|'([^'\n]*)'[ \t]*|([^\s#'"\-?:][^:\n]*|-[^\s:][^:\n]*)):(?:[ \t]|$)""")


class _FrontmatterLoader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """libyaml loader with YAML 1.2 core scalars, as Obsidian reads properties.

    No 1.1 booleans (``yes``, ``on``), octals (``0777`` is 777), base-60 numbers (``1:20``
    is text), ``=`` values or implicit dates; a value Python cannot build (``!!timestamp 2023-02-30``)
    is a YAML error on its own line, not a crash.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build one node, turning Python's refusal of a value into a YAML error at the node."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"invalid value ({exc})", node.start_mark) from exc

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice (PyYAML would keep the last silently)."""
        _check_mapping(node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """A YAML 1.2 integer: decimal (leading zeros allowed), ``0o`` octal or ``0x`` hexadecimal."""
        text: str = self.construct_scalar(node)
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag of an untagged node."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _RESOLVERS_BY_FIRST.get(value[:1], _WILDCARD_RESOLVERS):
                    if regexp.match(value):
                        return tag
            return str(self.DEFAULT_SCALAR_TAG)
        return str(super().resolve(kind, value, implicit))

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to track: no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to track: no path resolvers."""


_YAML12_SCALARS = {  # tag: (pattern, possible first characters), in resolution order
    "tag:yaml.org,2002:bool": (r"true|True|TRUE|false|False|FALSE", "tTfF"),
    "tag:yaml.org,2002:int": (r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    "tag:yaml.org,2002:float": (
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+.0123456789",
    ),
}
_FrontmatterLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value", *_YAML12_SCALARS)
    ]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
for _tag, (_pattern, _first) in _YAML12_SCALARS.items():
    _FrontmatterLoader.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), list(_first))
_FrontmatterLoader.add_constructor("tag:yaml.org,2002:int", _FrontmatterLoader.construct_yaml_int)
# "<<" merges mappings as a key (handled before construction); as a value it is plain text
_FrontmatterLoader.add_constructor("tag:yaml.org,2002:merge", _FrontmatterLoader.construct_scalar)
_WILDCARD_RESOLVERS: list[tuple[str, re.Pattern[str]]] = _FrontmatterLoader.yaml_implicit_resolvers.get(None, [])
_RESOLVERS_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: resolvers + _WILDCARD_RESOLVERS
    for first, resolvers in _FrontmatterLoader.yaml_implicit_resolvers.items()
    if first is not None
}


class FrontmatterError(ValueError):
    """YAML that cannot become properties; carries the 1-based line within the YAML text."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _check_mapping(node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        if key in seen:
            raise FrontmatterError(
                f"duplicate key '{key}' (also on line {seen[key] + 1}); Obsidian needs unique property names",
                key_node.start_mark.line + 1,
            )
        seen[key] = key_node.start_mark.line + 1


def _clearly_safe(root: yaml.Node) -> bool:
    """True when a document without anchors (so a tree) is small, shallow and has unique keys.

    A quick pass over collection nodes for the common case; when it says no, ``_guard``
    walks the document again to find and describe the problem.
    """
    count = 1
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is yaml.MappingNode:
            keys = [k.value for k, _ in node.value if type(k) is yaml.ScalarNode]
            if len(set(keys)) != len(keys):
                return False
            children = [n for pair in node.value for n in pair]
        elif type(node) is yaml.SequenceNode:
            children = node.value
        else:
            continue
        if children and depth >= MAX_YAML_DEPTH:
            return False
        count += len(children)
        stack.extend((c, depth + 1) for c in children if type(c) is not yaml.ScalarNode)
    return count <= MAX_YAML_NODES


def _guard(root: yaml.Node) -> None:
    """Refuse documents that expand to too many values, nest too deeply or alias themselves.

    One iterative walk of the node graph: each node is expanded once and its size and height
    (aliases included) are kept, so a billion-laughs document costs a few hundred steps.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            heights[key] = 1 + max((heights[id(c)] for c in children), default=0)
            if sizes[key] > MAX_YAML_NODES:
                raise FrontmatterError(
                    f"frontmatter expands to more than {MAX_YAML_NODES} values (YAML aliases?); refusing to read it",
                    node.start_mark.line + 1,
                )
            if heights[key] > MAX_YAML_DEPTH:
                raise FrontmatterError(
                    f"frontmatter is nested more than {MAX_YAML_DEPTH} levels deep", node.start_mark.line + 1
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise FrontmatterError("recursive YAML alias in frontmatter", node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _prescan(text: str) -> None:
    """Refuse deep or huge documents from the parser's events, before anything composes them.

    libyaml's composer recurses in C (a few tens of thousands of ``[`` crash the interpreter,
    with no Python exception to catch) and keeps every node in memory; the parser does
    neither. Every collection opens at one of the indicators ``[ { - ? :``, so a short text
    holding few of them is let through without this extra pass (the usual case).
    """
    indicators = sum(text.count(c) for c in _NESTING_INDICATORS)
    if indicators <= _COMPOSE_SAFE_NESTING and len(text) <= MAX_YAML_NODES:
        return
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_FrontmatterLoader):
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        nodes += 1
        depth += isinstance(event, yaml.CollectionStartEvent)
        if nodes > MAX_YAML_NODES or depth > MAX_YAML_DEPTH:
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            if depth > MAX_YAML_DEPTH:
                raise FrontmatterError(f"frontmatter is nested more than {MAX_YAML_DEPTH} levels deep", line)
            raise FrontmatterError(f"frontmatter holds more than {MAX_YAML_NODES} values; refusing to read it", line)


# an anchor (&name) or alias (*name) where a YAML node may start; "R&D" and "A & B" are text
_ANCHOR_OR_ALIAS_RE = re.compile(r"(?:^|(?<=[\s\[{,]))[&*][^\s,\[\]{}]")


def _needs_guard(text: str) -> bool:
    """Whether a document could expand through aliases or nest past the limit.

    Without anchors or aliases every node stands in the text once, and nesting needs a
    new line or an opening bracket per level, so short alias-free frontmatter is safe.
    """
    if ("&" in text or "*" in text) and _ANCHOR_OR_ALIAS_RE.search(text):
        return True
    return text.count("\n") + text.count("[") + text.count("{") >= MAX_YAML_DEPTH


def _yaml_error_line(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    return 1


def _string_keys(value: Any) -> Any:
    """Turn mapping keys into strings (YAML allows numbers, dates, null as keys)."""
    if isinstance(value, dict):
        return {("" if k is None else str(k)): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


_TAG = "tag:yaml.org,2002:"
_STR_TAG, _SEQ_TAG, _MAP_TAG = _TAG + "str", _TAG + "seq", _TAG + "map"
_INTERN_MAX = 40  # short values (tags, statuses, names) recur across notes: keep one copy
_PLAIN_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))


class _NotPlain(Exception):
    """The document needs PyYAML's full constructor (explicit tags, merge keys, complex keys)."""


def _plain(node: yaml.Node, loader: _FrontmatterLoader) -> Any:
    """Build a checked tree of plain maps, lists and scalars, keys already strings.

    The same values as ``_string_keys(loader.construct_document(node))`` for the documents
    it accepts, without the constructor's per-node bookkeeping.
    """
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _STR_TAG:
            value = node.value
            return intern(value) if len(value) <= _INTERN_MAX else value
        if tag in _PLAIN_SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
    elif kind is yaml.SequenceNode and tag == _SEQ_TAG:
        return [_plain(child, loader) for child in node.value]
    elif kind is yaml.MappingNode and tag == _MAP_TAG:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in _PLAIN_KEY_TAGS:
                raise _NotPlain
            key = _plain(key_node, loader)
            out[intern("" if key is None else str(key))] = _plain(value_node, loader)
        return out
    raise _NotPlain


# Not bool, int or float keys: Python takes true, 1 and 1.0 for the same key, so only
# PyYAML's own constructor builds those mappings the way it always has.
_PLAIN_KEY_TAGS = frozenset((_STR_TAG, _TAG + "null"))


def _construct(node: yaml.Node, loader: _FrontmatterLoader, tree: bool) -> Any:
    """The document's value with string keys; a quick build for plain trees, PyYAML's otherwise."""
    if tree:
        try:
            return _plain(node, loader)
        except Exception:  # anything unusual: let the full constructor build it or say why not
            pass
    return _string_keys(loader.construct_document(node))


def load_yaml(text: str) -> Any:
    """Parse frontmatter YAML safely; raise :class:`FrontmatterError` with a line on failure."""
    loader = _FrontmatterLoader(text)
    try:
        _prescan(text)
        node = loader.get_single_node()
        if node is None:
            return None
        tree = not _needs_guard(text) and _clearly_safe(node)
        if not tree:
            _guard(node)
        return _construct(node, loader, tree)
    except FrontmatterError:
        raise
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise FrontmatterError(f"character not allowed in YAML: {exc.reason}", line) from exc
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "invalid YAML"
        line = _yaml_error_line(exc)
        if "maximum nesting depth" in problem:  # libyaml >= 0.2.6 stops at 1000 levels itself
            raise FrontmatterError(f"frontmatter is nested more than {MAX_YAML_DEPTH} levels deep", line) from exc
        source = (text.split("\n")[line - 1 : line] or [""])[0]
        hint = ""
        if "mapping values are not allowed" in problem:
            hint = " (quote values that contain ': ')"
        elif "{{" in source:
            hint = " (quote template placeholders such as {{date}}, or exclude the templates folder)"
        elif "constructor for the tag" in problem:
            hint = " (properties cannot carry YAML tags)"
        elif source[:1] == "\t":
            hint = " (indent with spaces, not tabs)"
        raise FrontmatterError(f"{problem}{hint}", line) from exc
    except yaml.YAMLError as exc:
        raise FrontmatterError(str(exc).splitlines()[0] if str(exc) else "invalid YAML", 1) from exc
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        raise FrontmatterError(f"invalid YAML value: {exc}", 1) from exc
    finally:
        loader.dispose()


def _key_lines(fm_lines: list[str], first_line: int) -> dict[str, int]:
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
    if not data or raw is None or "[[" not in raw:
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


def _problem(path: str, line: int, rule: str, message: str, column: int = 1) -> Diagnostic:
    return Diagnostic(path=path, line=line, column=column, rule=rule, severity=Severity.ERROR, message=message)


def _unreadable(path: str, message: str, line: int = 1) -> Note:
    return Note(
        path=path,
        frontmatter=None,
        fm_key_lines={},
        body_line=1,
        lines=(),
        headings=(),
        block_ids=frozenset(),
        links=(),
        problems=(_problem(path, line, "unreadable-file", message),),
    )


def decode(path: str, data: bytes) -> str | Note:
    """Bytes to text (BOM dropped, newlines normalised), or an unreadable :class:`Note`."""
    if b"\x00" in data[:8192]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return _unreadable(path, "file is UTF-16; Obsidian expects UTF-8")
        return _unreadable(path, "binary content (NUL bytes), not a Markdown note")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _unreadable(path, f"not valid UTF-8 (byte offset {exc.start}); save the note as UTF-8", line)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_note(path: str, data: bytes) -> Note:
    """Parse one note from its bytes. Never raises for bad content."""
    decoded = decode(path, data)
    if isinstance(decoded, Note):
        return decoded
    lines = split_lines(decoded)
    problems: list[Diagnostic] = []
    frontmatter: dict[str, Any] | None = None
    key_lines: dict[str, int] = {}
    fm_links: list[Link] = []
    raw_fm: str | None = None
    body_start = 0
    if lines and lines[0][:1] == "\ufeff" and lines[0].lstrip("\ufeff").rstrip() == "---":
        message = "a second byte-order mark stands before '---', so the properties are not read; save as UTF-8 once"
        problems.append(_problem(path, 1, "frontmatter-syntax", message))
    if lines and lines[0].rstrip() == "---":
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if close is None:
            problems.append(
                _problem(
                    path,
                    1,
                    "frontmatter-syntax",
                    "frontmatter is not closed: add a '---' line after the properties",
                )
            )
            # Obsidian reads it all as body, but the keys written there still tell the template
            intended = next((i for i in range(1, len(lines)) if not lines[i].strip() or lines[i][0] == "#"), len(lines))
            key_lines = _key_lines(lines[1:intended], 2)
        else:
            fm_lines = lines[1:close]
            raw_fm = "\n".join(fm_lines)
            body_start = close + 1
            key_lines = _key_lines(fm_lines, 2)
            try:
                loaded = load_yaml(raw_fm)
            except FrontmatterError as exc:
                problems.append(_problem(path, exc.line + 1, "frontmatter-syntax", f"invalid frontmatter: {exc}"))
                fm_links = frontmatter_links(fm_lines, 2, None, key_lines)
            else:
                if loaded is None:
                    frontmatter = {}
                elif isinstance(loaded, dict):
                    frontmatter = loaded
                    fm_links = frontmatter_links(fm_lines, 2, loaded, key_lines)
                else:
                    problems.append(
                        _problem(
                            path,
                            2,
                            "frontmatter-syntax",
                            f"frontmatter is a {_yaml_kind(loaded)}, not a mapping of properties",
                        )
                    )
    body = lines[body_start:]
    scan = scan_body(body, body_start + 1)
    return Note(
        path=path,
        frontmatter=frontmatter,
        fm_key_lines=key_lines,
        body_line=body_start + 1,
        lines=tuple(body),
        headings=scan.headings,
        block_ids=scan.block_ids,
        links=tuple(fm_links) + scan.links,
        problems=tuple(problems),
        raw_frontmatter=raw_fm,
        code_lines=scan.code_lines,
    )


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text value"
    return type(value).__name__


def _read(full_path: str, max_bytes: int) -> tuple[bytes, os.stat_result]:
    fd = os.open(full_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        request = min(remaining, st.st_size + 1)  # the whole file at once, unless it grows
        while remaining > 0:
            chunk = os.read(fd, request)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            request = min(remaining, 1 << 20)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def read_bytes(full_path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a regular file, at most ``max_bytes`` + 1 bytes; never block on special files.

    Raises OSError (with a readable ``strerror``) for anything that is not a regular file.
    """
    return _read(full_path, max_bytes)[0]


def split_lines(text: str) -> list[str]:
    """A note's text as lines, without a last empty line after a final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _body_lines(root: str, path: str, skip: int, max_bytes: int) -> tuple[str, ...]:
    full = os.path.join(root, path)
    try:
        st = os.stat(full)
    except OSError:
        return ()
    return _read_body_lines(full, path, skip, max_bytes, stat_stamp(st))


@lru_cache(maxsize=16)
def _read_body_lines(full: str, path: str, skip: int, max_bytes: int, stamp: Stamp) -> tuple[str, ...]:
    """The body lines of the file at ``full`` as it is at ``stamp`` (part of the cache key)."""
    try:
        data = read_bytes(full, max_bytes)
    except OSError:
        return ()
    text = decode(path, data) if len(data) <= max_bytes else None
    return tuple(split_lines(text)[skip:]) if isinstance(text, str) else ()


class BodyLines(Sequence[str]):
    """The body lines of a note in a vault, read from its file the first time they are asked for.

    Notes whose text no rule reads (a vault without templates, a cached run that only
    resolves links) never hold their bodies in memory; once read, the lines are kept, so
    every rule sees the same snapshot however often it looks.
    """

    __slots__ = ("_max_bytes", "_memo", "_path", "_root", "_skip")

    def __init__(self, root: str, path: str, skip: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        """The lines after the first ``skip`` lines of the note at ``path`` in vault ``root``."""
        self._root, self._path, self._skip, self._max_bytes = root, path, skip, max_bytes
        self._memo: tuple[str, ...] | None = None

    def _lines(self) -> tuple[str, ...]:
        if self._memo is None:
            self._memo = _body_lines(self._root, self._path, self._skip, self._max_bytes)
        return self._memo

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        """A line, or a tuple of lines for a slice."""
        return self._lines()[index]

    def __len__(self) -> int:
        """The number of body lines."""
        return len(self._lines())

    def __iter__(self) -> Iterator[str]:
        """The lines in order."""
        return iter(self._lines())

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same lines."""
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._lines() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Where the lines come from."""
        return f"BodyLines({self._path!r}, after line {self._skip})"


def read_note_stamped(
    root: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES, content: bool = False
) -> tuple[Note, Stamp | None]:
    """``read_note``, and the stamp of the file as it was read (None when it could not be opened):
    its content stamp when ``content``, else its mtime stamp (see :mod:`vaulttool.files.stamps`)."""
    full = os.path.join(root, path)
    try:
        data, st = _read(full, max_bytes)
    except FileNotFoundError:
        return _unreadable(path, "file vanished while the vault was being checked"), None
    except OSError as exc:
        return _unreadable(path, f"cannot read: {exc.strerror or exc}"), None
    note = note_from_bytes(path, data, max_bytes)
    if not content:
        return note, stat_stamp(st)
    if len(data) <= max_bytes:
        return note, content_stamp(data)
    try:
        return note, read_stamp(full)  # the whole file, not the part read
    except OSError:
        return note, None


def note_from_bytes(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """The note at ``path`` holding ``data``: parsed, or unreadable when larger than ``max_bytes``."""
    if len(data) > max_bytes:
        return _unreadable(path, f"file is larger than {max_bytes} bytes; raise max-file-size to check it")
    return parse_note(path, data)


def read_note(root: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Read and parse the note at vault-relative ``path``; I/O failures become diagnostics."""
    return read_note_stamped(root, path, max_bytes)[0]
