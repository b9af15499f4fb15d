"""The graph as one self-contained HTML page that works offline.

The page (``assets/graph.html``: markup, styles and a canvas renderer with its own force
layout, no third-party code) receives the graph as JSON inside a
``<script type="application/json">`` element. ``<``, ``>`` and ``&`` are written as
``\\u003c``-style escapes there, so no note name can close the element.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from vaulttool.model.graph import EDGE_KINDS
from vaulttool.model.values import Diagnostic
from vaulttool.output.graph_export import GraphData
from vaulttool.version import __version__

DATA_MARKER = "/*vaulttool-graph-data*/"


def script_json(value: Any) -> str:
    """Compact strict JSON that is inert inside an HTML ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(data: GraphData, diagnostics: Iterable[Diagnostic], vault: str) -> dict[str, Any]:
    """What the page reads, compact enough for 10,000-note vaults.

    Each node is ``[id, title, kind, status, schema, tags, links]`` where ``links`` is a flat
    ``[target index, line * 3 + edge kind index, ...]`` list of its outgoing links in order;
    each diagnostic is ``[node index, line, column, severity, rule, message]``.
    """
    index = {node.id: i for i, node in enumerate(data.nodes)}
    links: list[list[int]] = [[] for _ in data.nodes]
    for e in data.edges():
        links[index[e.source]].extend((index[e.target], e.line * len(EDGE_KINDS) + EDGE_KINDS.index(e.kind)))
    nodes = [
        [n.id, n.title, n.kind, n.status, n.schema, list(n.tags), out] for n, out in zip(data.nodes, links, strict=True)
    ]
    found = [
        [index[d.path], d.line, d.column, d.severity.value, d.rule, d.message] for d in diagnostics if d.path in index
    ]
    return {
        "version": __version__,
        "vault": vault,
        "edge_kinds": list(EDGE_KINDS),
        "nodes": nodes,
        "diagnostics": found,
    }


def render_page(data: GraphData, diagnostics: Iterable[Diagnostic], vault: str) -> str:
    """The complete HTML page for ``data``, with each file's diagnostics shown when it is selected."""
    template = files("vaulttool").joinpath("assets/graph.html").read_text(encoding="utf-8")
    head, marker, tail = template.partition(DATA_MARKER)
    if not marker:
        raise RuntimeError("graph page template has no data marker")
    return head + script_json(page_data(data, diagnostics, vault)) + tail
