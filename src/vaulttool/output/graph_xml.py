"""GraphML and GEXF written as they are made, and every graph export format by name.

The XML documents are the ones networkx's writers (``generate_graphml``, ``generate_gexf``)
build whole for a MultiDiGraph of the nodes in order and the edges keyed 0, 1... in the JSON
order; here they are written node by node and edge by edge from the compact link table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from itertools import chain

from vaulttool.output.graph_export import GraphData, flat_attrs, to_dot, to_json, to_mermaid

# networkx's rules, kept here: characters XML cannot hold become U+FFFD first (ids
# that then coincide are one node, its properties merged, later ones winning); everything
# outside ASCII is a decimal character reference; an edge list is each source's edges grouped
# by target in first-seen order; keys and attribute ids are numbered as first seen, nodes
# first, and GraphML lists its keys last-numbered first; two-space indents, `` />`` closes
# an empty element, and a line break inside element text is written as a plain newline.

# Characters XML 1.0 cannot hold (controls other than tab and newlines, lone surrogates, U+FFFE/U+FFFF)
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_ATTR = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
_XML_ATTR_RE = re.compile('[&<>"\r\n\t]')
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r\n": "\n", "\r": "\n"}
_XML_TEXT_RE = re.compile("&|<|>|\r\n?")
_GRAPHML_OPEN = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)
_GEXF_OPEN = (
    '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
)


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_INVALID_RE.sub("\ufffd", text)


def xml_attr(text: str) -> str:
    """An XML attribute value (without its quotes), ASCII only: markup characters, quotes and
    line breaks escaped, the rest outside ASCII as decimal character references."""
    escaped = _XML_ATTR_RE.sub(lambda m: _XML_ATTR[m.group()], text)
    return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")


def xml_text(text: str) -> str:
    """XML element text, ASCII only: ``&``, ``<`` and ``>`` escaped, ``\\r\\n`` and ``\\r`` as a
    newline, the rest outside ASCII as decimal character references."""
    escaped = _XML_TEXT_RE.sub(lambda m: _XML_TEXT[m.group()], text)
    return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")


@dataclass(frozen=True, slots=True)
class _XmlNode:
    """A node as an XML export has it: its id made XML-safe and escaped for an attribute, its
    properties made XML-safe, and the graph's nodes it stands for (more than one only when
    their ids become the same once made XML-safe)."""

    id: str
    attrs: dict[str, str]
    members: list[str]


@dataclass(frozen=True, slots=True)
class _XmlEdge:
    """An edge as an XML export has it: escaped ids, and ``key`` its number in the JSON order."""

    source: str
    target: str
    kind: str
    line: int
    key: int


def _xml_nodes(data: GraphData) -> tuple[list[_XmlNode], dict[str, str]]:
    """The XML nodes in order, and each graph node's escaped XML id."""
    merged: dict[str, _XmlNode] = {}
    ids: dict[str, str] = {}
    for node in data.nodes:
        safe = xml_safe(node.id)
        attrs = {k: xml_safe(v) for k, v in flat_attrs(node).items()}
        found = merged.get(safe)
        if found is None:
            merged[safe] = _XmlNode(xml_attr(safe), attrs, [node.id])
        else:
            found.attrs.update(attrs)
            found.members.append(node.id)
        ids[node.id] = merged[safe].id
    return list(merged.values()), ids


def _xml_edges(data: GraphData, nodes: list[_XmlNode], ids: Mapping[str, str]) -> Iterator[_XmlEdge]:
    """The edges in networkx's order: source by source, each source's edges grouped by target
    in first-seen order; made note by note."""
    first: dict[str, int] | None = None
    if len(nodes) < len(ids):  # merged nodes: a source's edges are not all together in the JSON order
        first, total = {}, 0
        for source in ids:
            first[source] = total
            total += sum(1 for _ in data.edges_of(source))
    key = 0
    for xml_node in nodes:
        by_target: dict[str, list[_XmlEdge]] = {}
        for member in xml_node.members:
            if first is not None:
                key = first[member]
            for edge in data.edges_of(member):
                target = ids[edge.target]
                by_target.setdefault(target, []).append(_XmlEdge(xml_node.id, target, edge.kind, edge.line, key))
                key += 1
        for edges in by_target.values():
            yield from edges


def _with_first(items: Iterator[_XmlEdge]) -> tuple[bool, Iterator[_XmlEdge]]:
    """Whether ``items`` has an item, and ``items`` still whole."""
    head = next(items, None)
    return head is not None, items if head is None else chain((head,), items)


def _first_seen(nodes: Iterable[_XmlNode]) -> list[str]:
    """The property names of ``nodes``, in first-seen order."""
    return list(dict.fromkeys(name for node in nodes for name in node.attrs))


def to_graphml(data: GraphData) -> Iterator[str]:
    """GraphML, as networkx's ``generate_graphml`` writes it, made as it is written: node data
    ``label`` (the title), ``kind``, ``path``, ``tags`` (comma-joined), ``status``, ``schema``;
    edge data ``kind`` and ``line``; edge ids their number in the JSON order."""
    nodes, ids = _xml_nodes(data)
    any_edge, edges = _with_first(_xml_edges(data, nodes, ids))
    keys = [(name, "node", "string") for name in _first_seen(nodes)]
    keys += [("kind", "edge", "string"), ("line", "edge", "long")] if any_edge else []
    key_id = {(name, scope): f"d{i}" for i, (name, scope, _) in enumerate(keys)}
    yield _GRAPHML_OPEN
    for i, (name, scope, kind) in reversed(list(enumerate(keys))):
        yield f'  <key id="d{i}" for="{scope}" attr.name="{name}" attr.type="{kind}" />\n'
    if not nodes:
        yield '  <graph edgedefault="directed" />\n</graphml>\n'
        return
    yield '  <graph edgedefault="directed">\n'
    for node in nodes:
        yield f'    <node id="{node.id}">\n'
        for name, value in node.attrs.items():
            yield _graphml_data(key_id[name, "node"], value)
        yield "    </node>\n"
    kind_key, line_key = key_id.get(("kind", "edge")), key_id.get(("line", "edge"))
    for e in edges:
        yield (
            f'    <edge source="{e.source}" target="{e.target}" id="{e.key}">\n'
            f'      <data key="{kind_key}">{e.kind}</data>\n      <data key="{line_key}">{e.line}</data>\n    </edge>\n'
        )
    yield "  </graph>\n</graphml>\n"


def _graphml_data(key: str, value: str) -> str:
    text = xml_text(value)
    return f'      <data key="{key}">{text}</data>\n' if text else f'      <data key="{key}" />\n'


def to_gexf(data: GraphData) -> Iterator[str]:
    """GEXF 1.2draft, as networkx's ``generate_gexf`` writes it, made as it is written: node
    ``label`` the title, node attributes ``kind``, ``path``, ``tags``, ``status``, ``schema``;
    edge attributes ``kind``, ``line`` and ``networkx_key`` (the edge's number in the JSON order),
    edge ids counted in the order written."""
    nodes, ids = _xml_nodes(data)
    any_edge, edges = _with_first(_xml_edges(data, nodes, ids))
    node_attrs = [name for name in _first_seen(nodes) if name != "label"]
    attr_id = {(name, "node"): str(i) for i, name in enumerate(node_attrs)}
    edge_attrs = [("kind", "string"), ("line", "long"), ("networkx_key", "long")] if any_edge else []
    attr_id.update({(name, "edge"): str(len(node_attrs) + i) for i, (name, _) in enumerate(edge_attrs)})
    yield _GEXF_OPEN
    yield f'  <meta lastmodifieddate="{time.strftime("%Y-%m-%d")}">\n'
    yield f"    <creator>{xml_text('NetworkX ' + version('networkx'))}</creator>\n  </meta>\n"
    yield '  <graph defaultedgetype="directed" mode="static" name="">\n'
    for scope, attrs in (("edge", edge_attrs), ("node", [(name, "string") for name in node_attrs])):
        if attrs:
            yield f'    <attributes mode="static" class="{scope}">\n'
            for name, kind in attrs:
                yield f'      <attribute id="{attr_id[name, scope]}" title="{name}" type="{kind}" />\n'
            yield "    </attributes>\n"
    yield from _gexf_nodes(nodes, attr_id) if nodes else ["    <nodes />\n"]
    if not any_edge:
        yield "    <edges />\n  </graph>\n</gexf>\n"
        return
    yield "    <edges>\n"
    kind_id, line_id, key_id = attr_id["kind", "edge"], attr_id["line", "edge"], attr_id["networkx_key", "edge"]
    for number, e in enumerate(edges):
        yield (
            f'      <edge source="{e.source}" target="{e.target}" id="{number}">\n        <attvalues>\n'
            f'          <attvalue for="{kind_id}" value="{e.kind}" />\n'
            f'          <attvalue for="{line_id}" value="{e.line}" />\n'
            f'          <attvalue for="{key_id}" value="{e.key}" />\n        </attvalues>\n      </edge>\n'
        )
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _gexf_nodes(nodes: list[_XmlNode], attr_id: Mapping[tuple[str, str], str]) -> Iterator[str]:
    yield "    <nodes>\n"
    for node in nodes:
        values = [(name, value) for name, value in node.attrs.items() if name != "label"]
        yield f'      <node id="{node.id}" label="{xml_attr(node.attrs["label"])}">\n        <attvalues>\n'
        for name, value in values:
            yield f'          <attvalue for="{attr_id[name, "node"]}" value="{xml_attr(value)}" />\n'
        yield "        </attvalues>\n      </node>\n"
    yield "    </nodes>\n"


GRAPH_FORMATS: dict[str, Callable[[GraphData], Iterable[str]]] = {
    "json": to_json,
    "graphml": to_graphml,
    "gexf": to_gexf,
    "dot": to_dot,
    "mermaid": to_mermaid,
}
