"""The vault graph as data: nodes with their properties, links with their lines, in every export format.

:func:`graph_data` turns a loaded vault into plain records, filtered as asked; the
``to_*`` functions turn those records into text. Graph algorithms and networkx's writers
stay in :mod:`vaulttool.model.graph`; this module only formats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from vaulttool.model.graph import XML_FORMATS, export_xml
from vaulttool.model.values import Note

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext, VaultContext

EDGE_KINDS = ("body", "embed", "frontmatter")


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: an existing note or attachment (``id`` is its path) or a missing target (``id`` is the link text)."""

    id: str
    path: str | None
    title: str
    kind: str
    tags: tuple[str, ...]
    status: str | None
    schema: str | None


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """One link occurrence: ``source`` note, ``target`` node id, link kind and 1-based line."""

    source: str
    target: str
    kind: str
    line: int


@dataclass(frozen=True, slots=True)
class GraphData:
    """The nodes (sorted by id) and edges (sorted by source, line, target, kind) of a graph export."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


class GraphSelectionError(ValueError):
    """A filter that selects nothing or names something the vault does not have."""


def note_tags(note: Note) -> tuple[str, ...]:
    """The note's ``tags`` property as a list of names (a comma-separated string is split)."""
    raw = (note.frontmatter or {}).get("tags")
    items = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    tags = (str(t).strip() for t in items if isinstance(t, (str, int, float)) and not isinstance(t, bool))
    return tuple(t for t in tags if t)


def note_status(note: Note) -> str | None:
    """The note's ``status`` property as text, or None when absent or not a single value."""
    raw = (note.frontmatter or {}).get("status")
    if isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        return str(raw).strip() or None
    return None


def note_schema(ctx: RuleContext, path: str) -> str | None:
    """The name of the template schema the note at ``path`` follows, or None."""
    schema = ctx.schema_of.get(path)
    return schema.name if schema is not None else None


def note_title(note: Note) -> str:
    """The ``title`` property when it is non-empty text, else the note's name."""
    raw = (note.frontmatter or {}).get("title")
    return raw.strip() if isinstance(raw, str) and raw.strip() else note.name


def _node(ctx: VaultContext, node: str, kind: str) -> GraphNode:
    note = ctx.notes.get(node) if kind == "note" else None
    if note is not None:
        return GraphNode(node, node, note_title(note), kind, note_tags(note), note_status(note), note_schema(ctx, node))
    title = node.rsplit("/", 1)[-1] if kind == "attachment" else node
    return GraphNode(node, node if kind != "missing" else None, title, kind, (), None, None)


def _normalise_folder(folder: str) -> str:
    return folder.replace("\\", "/").strip("/").removeprefix("./")


def _resolve_note(ctx: VaultContext, text: str) -> str:
    graph = ctx.graph
    found = ctx.index.resolve(text, "") if text else None
    if found is None:
        found = graph.find_missing(text)
    if found is None:
        raise GraphSelectionError(f"--around: '{text}' is neither a file of the vault nor a link target in it")
    return found


def graph_data(
    ctx: VaultContext,
    *,
    attachments: bool = True,
    folder: str | None = None,
    around: str | None = None,
    depth: int = 1,
) -> GraphData:
    """The vault's graph as records, filtered: attachments dropped, one folder kept, a neighbourhood kept.

    ``folder`` keeps the files under that folder (and the missing targets they link to);
    ``around`` keeps the nodes at most ``depth`` links from that note, counting links in
    both directions, within what the other filters kept.
    """
    graph = ctx.graph
    kinds = {node: graph.kind(node) for node in graph.graph.nodes}
    keep = {n for n, kind in kinds.items() if attachments or kind != "attachment"}
    links = list(graph.links())
    if folder is not None:
        prefix = _normalise_folder(folder) + "/"
        files = {n for n in keep if kinds[n] != "missing" and n.startswith(prefix)}
        if not any(kinds[n] == "note" for n in files):
            raise GraphSelectionError(f"--folder: no note under '{folder}'")
        linked = {t for s, t, _, _ in links if s in files and kinds[t] == "missing"}
        keep = files | linked
    if around is not None:
        start = _resolve_note(ctx, around)
        if start not in keep:
            raise GraphSelectionError(f"--around: '{start}' is left out by the other filters")
        keep = graph.within(start, depth, keep)
    nodes = tuple(_node(ctx, n, kinds[n]) for n in sorted(keep))
    edges = [GraphEdge(s, t, k, line) for s, t, k, line in links if s in keep and t in keep]
    edges.sort(key=lambda e: (e.source, e.line, e.target, e.kind))
    return GraphData(nodes, tuple(edges))


def node_dict(node: GraphNode) -> dict[str, Any]:
    """The JSON object of one node (tags as a list, absent values as null)."""
    out = asdict(node)
    out["tags"] = list(node.tags)
    return out


def _json_lines(items: Iterable[dict[str, Any]]) -> str:
    rows = [json.dumps(item, ensure_ascii=True, allow_nan=False) for item in items]
    return "[\n" + ",\n".join(f"    {row}" for row in rows) + ("\n  ]" if rows else "]")


def to_json(data: GraphData) -> str:
    """``{"nodes": [...], "edges": [...]}``: strict ASCII JSON, one node or edge per line."""
    nodes = _json_lines(node_dict(n) for n in data.nodes)
    edges = _json_lines(asdict(e) for e in data.edges)
    return f'{{\n  "nodes": {nodes},\n  "edges": {edges}\n}}\n'


def _flat_attrs(node: GraphNode) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": node.title, "kind": node.kind, "path": node.path}
    attrs.update(tags=",".join(node.tags) or None, status=node.status, schema=node.schema)
    return {k: v for k, v in attrs.items() if v is not None}


def _to_xml(fmt: str) -> Callable[[GraphData], str]:
    def convert(data: GraphData) -> str:
        return export_xml(
            fmt,
            ((n.id, _flat_attrs(n)) for n in data.nodes),
            ((e.source, e.target, {"kind": e.kind, "line": e.line}) for e in data.edges),
        )

    convert.__doc__ = f"{fmt.upper()} text (networkx's writer); node ``label`` is the title, tags comma-joined."
    return convert


_DOT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_DOT_RE = re.compile('[\\\\"\\n\\r\\ud800-\\udfff]')
_DOT_STYLE = {"note": "", "attachment": ", shape=box", "missing": ', style=dashed, color="#c0392b"'}


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslash and quote escaped, line breaks as ``\\n``, lone surrogates as U+FFFD."""
    return '"' + _DOT_RE.sub(lambda m: _DOT_ESCAPES.get(m.group(), "\ufffd"), text) + '"'


def to_dot(data: GraphData) -> str:
    """Graphviz DOT, written directly (no pydot or pygraphviz): quoted ids, one statement per line."""
    lines = ["digraph vault {", "  node [shape=ellipse];"]
    for n in data.nodes:
        attrs = ", ".join(f"{k}={dot_quote(str(v))}" for k, v in _flat_attrs(n).items())
        lines.append(f"  {dot_quote(n.id)} [{attrs}{_DOT_STYLE[n.kind]}];")
    for e in data.edges:
        style = ", style=dashed" if e.kind == "embed" else ", style=bold" if e.kind == "frontmatter" else ""
        lines.append(f"  {dot_quote(e.source)} -> {dot_quote(e.target)} [kind={e.kind}, line={e.line}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# Characters that would end or change a quoted Mermaid label: written as Mermaid entity codes (#NN;)
_MERMAID_RE = re.compile('["#&<>`\\\\\\x00-\\x1f\\x7f\\ud800-\\udfff]')
_MERMAID_ARROW = {"body": "-->", "embed": "-.->", "frontmatter": "==>"}


def mermaid_label(text: str) -> str:
    """A double-quoted Mermaid label: every character that could end or alter it becomes ``#NN;``."""
    return '"' + _MERMAID_RE.sub(lambda m: f"#{ord(m.group())};", text) + '"'


def to_mermaid(data: GraphData) -> str:
    """A Mermaid flowchart: ids ``n0``, ``n1``... in node order, escaped labels, one arrow per linked pair and kind."""
    ids = {n.id: f"n{i}" for i, n in enumerate(data.nodes)}
    lines = ["flowchart LR"]
    for n in data.nodes:
        cls = "" if n.kind == "note" else f":::{n.kind}"
        lines.append(f"  {ids[n.id]}[{mermaid_label(n.title)}]{cls}")
    for source, target, kind in dict.fromkeys((e.source, e.target, e.kind) for e in data.edges):
        lines.append(f"  {ids[source]} {_MERMAID_ARROW[kind]} {ids[target]}")
    lines.append("  classDef missing stroke:#c0392b,stroke-dasharray:5 5,color:#c0392b")
    lines.append("  classDef attachment fill:#eeeeee,stroke:#888888")
    return "\n".join(lines) + "\n"


GRAPH_FORMATS: dict[str, Callable[[GraphData], str]] = {
    "json": to_json,
    **{fmt: _to_xml(fmt) for fmt in XML_FORMATS},
    "dot": to_dot,
    "mermaid": to_mermaid,
}
