"""The vault graph as data: nodes with their properties, links with their lines; JSON, DOT and Mermaid.

:func:`graph_data` turns a loaded vault into plain records, filtered as asked; the
``to_*`` functions turn those records into text, given part by part so that a large
vault's export is written as it is made (GraphML and GEXF: :mod:`vaulttool.output.graph_xml`).
Graph algorithms stay in :mod:`vaulttool.model`; this module only formats.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from vaulttool.model.linktable import LinkTable
from vaulttool.model.values import Note

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext


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
    """The nodes (sorted by id) of a graph export, and the links its edges are made from (``table``)
    between the nodes it keeps (``keep``)."""

    nodes: tuple[GraphNode, ...]
    table: LinkTable
    keep: Collection[str]

    def edges(self) -> Iterator[GraphEdge]:
        """The edges, sorted by source, line, target and kind, made as they are read."""
        for node in self.nodes:
            if node.kind == "note":
                yield from self.edges_of(node.id)

    def edges_of(self, source: str) -> Iterator[GraphEdge]:
        """The edges from note ``source``, sorted by line, target and kind."""
        found = sorted((line, t, kind) for t, kind, line in self.table.links_of(source) if t in self.keep)
        for line, target, kind in found:
            yield GraphEdge(source, target, kind, line)


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


def _node(ctx: RuleContext, node: str, kind: str) -> GraphNode:
    note = ctx.notes.get(node) if kind == "note" else None
    if note is not None:
        return GraphNode(node, node, note_title(note), kind, note_tags(note), note_status(note), note_schema(ctx, node))
    title = node.rsplit("/", 1)[-1] if kind == "attachment" else node
    return GraphNode(node, node if kind != "missing" else None, title, kind, (), None, None)


def _normalise_folder(folder: str) -> str:
    return folder.replace("\\", "/").strip("/").removeprefix("./")


def _resolve_note(ctx: RuleContext, table: LinkTable, text: str) -> str:
    found = ctx.index.resolve(text, "") if text else None
    if found is None:
        found = table.find_missing(text)
    if found is None:
        raise GraphSelectionError(f"--around: '{text}' is neither a file of the vault nor a link target in it")
    return found


def graph_data(
    ctx: RuleContext,
    codes: Mapping[str, array[int]],
    *,
    attachments: bool = True,
    folder: str | None = None,
    around: str | None = None,
    depth: int = 1,
) -> GraphData:
    """The vault's graph as records, filtered: attachments dropped, one folder kept, a neighbourhood kept.

    ``codes``: the line and kind of every link (:func:`vaulttool.model.linktable.edge_codes`).
    ``folder`` keeps the files under that folder (and the missing targets they link to);
    ``around`` keeps the nodes at most ``depth`` links from that note, counting links in
    both directions, within what the other filters kept.
    """
    table = LinkTable(ctx.notes, ctx.attachments, ctx.targets, codes, ctx.unresolved)
    kinds = table.kinds
    keep = {n for n, kind in kinds.items() if attachments or kind != "attachment"}
    if folder is not None:
        prefix = _normalise_folder(folder) + "/"
        files = {n for n in keep if kinds[n] != "missing" and n.startswith(prefix)}
        if not any(kinds[n] == "note" for n in files):
            raise GraphSelectionError(f"--folder: no note under '{folder}'")
        linked = {t for s, t, _, _ in table.links() if s in files and kinds[t] == "missing"}
        keep = files | linked
    if around is not None:
        start = _resolve_note(ctx, table, around)
        if start not in keep:
            raise GraphSelectionError(f"--around: '{start}' is left out by the other filters")
        keep = table.within(start, depth, keep)
    nodes = tuple(_node(ctx, n, kinds[n]) for n in sorted(keep))
    return GraphData(nodes, table, keep)


def node_dict(node: GraphNode) -> dict[str, Any]:
    """The JSON object of one node (tags as a list, absent values as null)."""
    out = asdict(node)
    out["tags"] = list(node.tags)
    return out


def _json_list(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one item per line, indented to sit in :func:`to_json`'s object."""
    before = "[\n    "
    for item in items:
        yield before + json.dumps(item, ensure_ascii=True, allow_nan=False)
        before = ",\n    "
    yield "[]" if before.startswith("[") else "\n  ]"


def _edge_dict(edge: GraphEdge) -> dict[str, Any]:
    return {"source": edge.source, "target": edge.target, "kind": edge.kind, "line": edge.line}


def to_json(data: GraphData) -> Iterator[str]:
    """``{"nodes": [...], "edges": [...]}``: strict ASCII JSON, one node or edge per line."""
    yield '{\n  "nodes": '
    yield from _json_list(node_dict(n) for n in data.nodes)
    yield ',\n  "edges": '
    yield from _json_list(map(_edge_dict, data.edges()))
    yield "\n}\n"


def flat_attrs(node: GraphNode) -> dict[str, str]:
    """The node's properties as the DOT, GraphML and GEXF exports give them: ``label`` (the
    title), ``kind``, ``path``, ``tags`` comma-joined, ``status``, ``schema``; null ones left out."""
    attrs = {"label": node.title, "kind": node.kind, "path": node.path}
    attrs.update(tags=",".join(node.tags) or None, status=node.status, schema=node.schema)
    return {k: v for k, v in attrs.items() if v is not None}


_DOT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_DOT_RE = re.compile('[\\\\"\\n\\r\\ud800-\\udfff]')
_DOT_STYLE = {"note": "", "attachment": ", shape=box", "missing": ', style=dashed, color="#c0392b"'}


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslash and quote escaped, line breaks as ``\\n``, lone surrogates as U+FFFD."""
    return '"' + _DOT_RE.sub(lambda m: _DOT_ESCAPES.get(m.group(), "\ufffd"), text) + '"'


def to_dot(data: GraphData) -> Iterator[str]:
    """Graphviz DOT, written directly (no pydot or pygraphviz): quoted ids, one statement per line."""
    yield "digraph vault {\n  node [shape=ellipse];\n"
    for n in data.nodes:
        attrs = ", ".join(f"{k}={dot_quote(v)}" for k, v in flat_attrs(n).items())
        yield f"  {dot_quote(n.id)} [{attrs}{_DOT_STYLE[n.kind]}];\n"
    for e in data.edges():
        style = ", style=dashed" if e.kind == "embed" else ", style=bold" if e.kind == "frontmatter" else ""
        yield f"  {dot_quote(e.source)} -> {dot_quote(e.target)} [kind={e.kind}, line={e.line}{style}];\n"
    yield "}\n"


# Characters that would end or change a quoted Mermaid label: written as Mermaid entity codes (#NN;)
_MERMAID_RE = re.compile('["#&<>`\\\\\\x00-\\x1f\\x7f\\ud800-\\udfff]')
_MERMAID_ARROW = {"body": "-->", "embed": "-.->", "frontmatter": "==>"}


def mermaid_label(text: str) -> str:
    """A double-quoted Mermaid label: every character that could end or alter it becomes ``#NN;``."""
    return '"' + _MERMAID_RE.sub(lambda m: f"#{ord(m.group())};", text) + '"'


def _distinct_arrows(edges: Iterable[GraphEdge]) -> Iterator[tuple[str, str, str]]:
    """Each ``(source, target, kind)`` of ``edges`` once, in first-seen order (edges come grouped by source)."""
    source, seen = "", set[tuple[str, str]]()
    for e in edges:
        if e.source != source:
            source, seen = e.source, set()
        if (e.target, e.kind) not in seen:
            seen.add((e.target, e.kind))
            yield source, e.target, e.kind


def to_mermaid(data: GraphData) -> Iterator[str]:
    """A Mermaid flowchart: ids ``n0``, ``n1``... in node order, escaped labels, one arrow per linked pair and kind."""
    ids = {n.id: f"n{i}" for i, n in enumerate(data.nodes)}
    yield "flowchart LR\n"
    for n in data.nodes:
        cls = "" if n.kind == "note" else f":::{n.kind}"
        yield f"  {ids[n.id]}[{mermaid_label(n.title)}]{cls}\n"
    for source, target, kind in _distinct_arrows(data.edges()):
        yield f"  {ids[source]} {_MERMAID_ARROW[kind]} {ids[target]}\n"
    yield "  classDef missing stroke:#c0392b,stroke-dasharray:5 5,color:#c0392b\n"
    yield "  classDef attachment fill:#eeeeee,stroke:#888888\n"


def batched(parts: Iterable[str], size: int = 4096) -> Iterator[str]:
    """``parts`` joined ``size`` at a time: fewer, larger writes."""
    it = iter(parts)
    while chunk := list(islice(it, size)):
        yield "".join(chunk)
