"""The vault's link graph; the only module that imports networkx.

A ``MultiDiGraph`` with one edge per link occurrence (``kind``: body, embed or
frontmatter; ``line``). Existing files are nodes keyed by their vault-relative path
(``exists=True``, ``kind`` note or attachment); unresolved targets are nodes keyed by the
link text first seen for them (``exists=False``, ``kind`` missing), so ``[[Foo]]`` and
``[[foo]]`` share one missing node.

networkx is imported only when a :class:`LinkGraph` is built: ``check`` answers its own
graph queries (orphans) from the resolved links directly, without building the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter, ne
from typing import TYPE_CHECKING, NamedTuple, cast

from vaulttool.models import Link, Note
from vaulttool.vault import VaultIndex, link_key

if TYPE_CHECKING:
    import networkx as nx

EDGE_KIND = {"wiki": "body", "markdown": "body", "embed": "embed", "frontmatter": "frontmatter"}


class ResolvedLink(NamedTuple):
    """A link together with the vault path it resolves to (None when it resolves to nothing).

    A named tuple, like :class:`Link`: there is one per link of the vault.
    """

    source: str
    link: Link
    resolved: str | None


_new_resolved = cast("Callable[[tuple[str, Link, str | None]], ResolvedLink]", partial(tuple.__new__, ResolvedLink))
_SOURCE, _RESOLVED = itemgetter(0), itemgetter(2)


class LinkResolver:
    """Resolves the links of one note at a time, remembering answers from note to note."""

    def __init__(self, index: VaultIndex) -> None:
        """Resolve against the files of ``index``."""
        self._resolve = index.resolver()

    def links(self, path: str, note: Note, known: Sequence[str | None] | None = None) -> list[ResolvedLink]:
        """The links of ``note`` (at ``path``) with what each resolves to.

        ``known`` is what they resolved to before (``targets`` of an earlier answer), for a
        note and vault files unchanged since; it is used when it still fits.
        """
        if known is not None and len(known) == len(note.links):
            return list(map(_new_resolved, zip(repeat(path), note.links, known)))
        resolve = self._resolve
        return [_new_resolved((path, link, resolve(link.target, path))) for link in note.links]


def targets(links: Iterable[ResolvedLink]) -> tuple[str | None, ...]:
    """What each of ``links`` resolves to, in order (what ``LinkResolver.links`` takes as ``known``)."""
    return tuple(map(_RESOLVED, links))


class LinkGraph:
    """Queries over the vault graph: backlinks, orphans, unresolved targets."""

    def __init__(self, notes: Iterable[str], attachments: Iterable[str], links: Iterable[ResolvedLink]) -> None:
        import networkx as nx

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


def orphan_notes(notes: Iterable[str], links: Sequence[ResolvedLink]) -> list[str]:
    """Notes that no other file links to, sorted: ``LinkGraph.orphans`` without building the graph."""
    targets = list(map(_RESOLVED, links))
    linked = set(compress(targets, map(ne, targets, map(_SOURCE, links))))
    return sorted(path for path in notes if path not in linked)


# The filters below run over every link of the vault on every check; they are written
# with map and compress so that no Python code runs per link.
_SUBPATH = attrgetter("link.subpath")
_IS_NONE = partial(is_, None)


def unresolved_links(links: Sequence[ResolvedLink]) -> list[ResolvedLink]:
    """The links that resolve to nothing, in order."""
    return list(compress(links, map(_IS_NONE, map(_RESOLVED, links))))


def anchored_links(links: Sequence[ResolvedLink]) -> list[ResolvedLink]:
    """The links that resolve and carry a ``#subpath``, in order."""
    return [item for item in compress(links, map(_SUBPATH, links)) if item.resolved is not None]
