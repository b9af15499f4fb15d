"""Frontmatter YAML to Python values: libyaml, YAML 1.2 scalars, and guards against hostile documents.

YAML is read with libyaml (``CSafeLoader``) under YAML 1.2 scalar rules as Obsidian does
(``yes``/``on`` and dates stay strings), after a guard that refuses alias bombs, recursive
aliases and deep nesting before anything walks the document. Plain documents (no tags,
anchors or complex keys: nearly every note's) are built by a quick path of their own.
Every failure is a :class:`FrontmatterError` with a line.
"""

from __future__ import annotations

import re
from sys import intern
from typing import Any

import yaml

MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64
_NESTING_INDICATORS = "[{-?:"
_COMPOSE_SAFE_NESTING = 1000  # far below the depth at which libyaml's composer overflows the C stack

_NO_PATHS: dict[Any, Any] = {}  # the path resolvers: none
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        """The tag of an untagged node.

        A plain scalar's tag depends on its text alone, and a vault writes the same keys and
        short values in note after note: the tags of short ones are remembered.
        """
        if kind is yaml.ScalarNode:
            if not implicit[0]:  # quoted, or a block scalar: text
                return _STR_TAG
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = _STR_TAG
                for resolved, regexp in _RESOLVERS_BY_FIRST.get(value[:1], _WILDCARD_RESOLVERS):
                    if regexp.match(value):
                        tag = resolved
                        break
                if len(value) <= _INTERN_MAX and len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    # libyaml's composer calls these two around every node to track path resolvers; there
    # are none, and a C function that does nothing is cheaper to call than a Python one
    descend_resolver = _NO_PATHS.get  # (parent, index): looks up nothing
    ascend_resolver = _NO_PATHS.clear  # clears what is already empty


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
    holding few of them is let through without this extra pass (the usual case); a text of
    at most that many characters is let through without counting them.
    """
    if len(text) <= _COMPOSE_SAFE_NESTING:
        return
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
# (the character before is looked at after the mark: a pattern that starts with a lookbehind
# is tried at every position, one that starts with a character class at every character it
# tests against the class, and one that starts with a literal character only where it stands)
_ANCHOR_RE = re.compile(r"&(?<![^\s\[{,]&)[^\s,\[\]{}]")
_ALIAS_RE = re.compile(r"\*(?<![^\s\[{,]\*)[^\s,\[\]{}]")


def _needs_guard(text: str) -> bool:
    """Whether a document could expand through aliases or nest past the limit.

    Without anchors or aliases every node stands in the text once, and nesting needs a
    new line or an opening bracket per level, so short alias-free frontmatter is safe.
    """
    if ("&" in text and _ANCHOR_RE.search(text)) or ("*" in text and _ALIAS_RE.search(text)):
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
_PLAIN_TAGS: dict[str, str] = {}  # short plain scalars met so far, and their tags
_PLAIN_TAGS_MAX = 1 << 14
_PLAIN_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))


class _NotPlain(Exception):
    """The document needs PyYAML's full constructor (explicit tags, merge keys, complex keys)."""


def _plain(node: yaml.Node, loader: _FrontmatterLoader, depth: int, size: list[int]) -> Any:
    """Build a plain tree of maps, lists and scalars, keys already strings, checking it on the way.

    The same values as ``_string_keys(loader.construct_document(node))`` for the documents
    it accepts, without the constructor's per-node bookkeeping: core tags only, string keys
    each written once, nodes at most ``MAX_YAML_DEPTH`` deep (``node`` stands at ``depth``)
    and at most ``MAX_YAML_NODES`` of them (``size`` counts them). Anything else raises
    :class:`_NotPlain`, and the document goes to :func:`_guard` and PyYAML's constructor.
    A text item or value, the most common node, is built where it stands rather than by a call
    (a document that is one text goes to the constructor, to be refused as no mapping).
    """
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag in _PLAIN_SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
        raise _NotPlain
    children = node.value
    if children:
        if depth >= MAX_YAML_DEPTH:
            raise _NotPlain
        size[0] += len(children) * (2 if kind is yaml.MappingNode else 1)
        if size[0] > MAX_YAML_NODES:
            raise _NotPlain
    depth += 1
    if kind is yaml.SequenceNode and tag == _SEQ_TAG:
        items: list[Any] = []
        for child in children:
            if type(child) is yaml.ScalarNode and child.tag == _STR_TAG:
                value = child.value
                items.append(intern(value) if len(value) <= _INTERN_MAX else value)
            else:
                items.append(_plain(child, loader, depth, size))
        return items
    if kind is yaml.MappingNode and tag == _MAP_TAG:
        out: dict[str, Any] = {}
        for key_node, value_node in children:
            # string keys only: null is "" to a property, so "~" and "null" would be one key;
            # and Python takes true, 1 and 1.0 for the same key
            if type(key_node) is not yaml.ScalarNode or key_node.tag != _STR_TAG:
                raise _NotPlain
            key = intern(key_node.value)
            if key in out:  # written twice: the constructor says where
                raise _NotPlain
            if type(value_node) is yaml.ScalarNode and value_node.tag == _STR_TAG:
                value = value_node.value
                out[key] = intern(value) if len(value) <= _INTERN_MAX else value
            else:
                out[key] = _plain(value_node, loader, depth, size)
        return out
    raise _NotPlain


def _construct(node: yaml.Node, loader: _FrontmatterLoader, tree: bool) -> Any:
    """The document's value with string keys: a quick build for plain trees, else PyYAML's behind the guard."""
    if tree:
        try:
            return _plain(node, loader, 1, [1])
        except Exception:  # anything unusual: let the full constructor build it or say why not
            pass
    _guard(node)
    return _string_keys(loader.construct_document(node))


def load_yaml(text: str) -> Any:
    """Parse frontmatter YAML safely; raise :class:`FrontmatterError` with a line on failure."""
    loader = _FrontmatterLoader(text)
    try:
        _prescan(text)
        node = loader.get_single_node()
        if node is None:
            return None
        return _construct(node, loader, not _needs_guard(text))
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
