"""The vault's link graph; the only module that imports networkx.

A ``MultiDiGraph`` with one edge per link occurrence (``kind``: body, embed or
frontmatter; ``line``). Existing files are nodes keyed by their vault-relative path
(``exists=True``, ``kind`` note or attachment); unresolved targets are nodes keyed by the
link text first seen for them (``exists=False``, ``kind`` missing), so ``[[Foo]]`` and
``[[foo]]`` share one missing node.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import networkx as nx

from vaulttool.models import Link
from vaulttool.vault import link_key

EDGE_KIND = {"wiki": "body", "markdown": "body", "embed": "embed", "frontmatter": "frontmatter"}


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A link together with the vault path it resolves to (None when it resolves to nothing)."""

    source: str
    link: Link
    resolved: str | None


class LinkGraph:
    """Queries over the vault graph: backlinks, orphans, unresolved targets."""

    def __init__(self, notes: Iterable[str], attachments: Iterable[str], links: Iterable[ResolvedLink]) -> None:
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        graph.add_nodes_from(notes, exists=True, kind="note")
        graph.add_nodes_from(attachments, exists=True, kind="attachment")
        missing: dict[str, str] = {}
        edges = []
        for item in links:
            target = item.resolved
            if target is None:
                if not item.link.target:
                    continue
                key = link_key(item.link.target)
                target = missing.get(key)
                if target is None:
                    target = item.link.target
                    while target in graph:
                        target = f"{target} (missing)"
                    missing[key] = target
                    graph.add_node(target, exists=False, kind="missing")
            edges.append((item.source, target, {"kind": EDGE_KIND[item.link.kind], "line": item.link.line}))
        graph.add_edges_from(edges)
        self.graph = graph

    def backlinks(self, path: str) -> list[str]:
        """Distinct other files linking to ``path``, sorted."""
        return sorted({src for src in self.graph.predecessors(path) if src != path})

    def orphans(self) -> Iterator[str]:
        """Existing notes that no other file links to, in path order."""
        graph = self.graph
        for node in sorted(graph.nodes):
            if graph.nodes[node]["kind"] == "note" and all(src == node for src in graph.predecessors(node)):
                yield node

    def unresolved(self) -> list[str]:
        """Missing targets (link text as first written), sorted."""
        return sorted(n for n, d in self.graph.nodes(data=True) if not d["exists"])

    def sources_of(self, target: str) -> list[str]:
        """Distinct files that link to node ``target`` (existing path or missing link text), sorted."""
        return sorted(set(self.graph.predecessors(target)))
