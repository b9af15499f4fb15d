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

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import partial
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter
from typing import TYPE_CHECKING, NamedTuple

from vaulttool.model.values import Link, Note, from_fields
from vaulttool.model.vault import VaultIndex, link_key

if TYPE_CHECKING:
    import networkx as nx

EDGE_KINDS = ("body", "embed", "frontmatter")
EDGE_KIND = {"wiki": "body", "markdown": "body", "embed": "embed", "frontmatter": "frontmatter"}


class ResolvedLink(NamedTuple):
    """A link together with the vault path it resolves to (None when it resolves to nothing).

    A named tuple, like :class:`Link`: there is one per link of the vault.
    """

    source: str
    link: Link
    resolved: str | None


_new_resolved = from_fields(ResolvedLink)
_RESOLVED, _LINK_SUBPATH = itemgetter(2), attrgetter("subpath")


Targets = tuple["str | None", ...]  # what each link of a note resolves to, in order (None: nothing)


class LinkResolver:
    """Resolves the links of one note at a time, remembering answers from note to note."""

    def __init__(self, index: VaultIndex, silent: Callable[[str], bool] | None = None) -> None:
        """Resolve against the files of ``index``; the links of notes ``silent`` holds make no edges."""
        self._resolve = index.resolver()
        self._silent = silent

    def targets(self, path: str, note: Note, known: Targets | None = None) -> Targets:
        """What each link of ``note`` (at ``path``) resolves to, in order; nothing for a silent note.

        ``known`` is what they resolved to before, for a note and vault files unchanged
        since; it is used when it still fits.
        """
        if self._silent is not None and self._silent(path):
            return ()
        if known is not None and len(known) == len(note.links):
            return known
        resolve = self._resolve
        return tuple([resolve(link.target, path) for link in note.links])

    def links(self, path: str, note: Note, known: Targets | None = None) -> list[ResolvedLink]:
        """The links of ``note`` (at ``path``) with what each resolves to (see :meth:`targets`)."""
        return resolved_links(path, note.links, self.targets(path, note, known))


def resolved_links(path: str, links: Sequence[Link], found: Targets) -> list[ResolvedLink]:
    """The links of the note at ``path`` paired with what they resolve to (``found``)."""
    return list(map(_new_resolved, zip(repeat(path), links, found)))


LinkParts = tuple[Sequence[ResolvedLink], Sequence[ResolvedLink]]  # a note's unresolved and anchored links
_NO_PARTS: LinkParts = ((), ())


def link_parts(path: str, links: Sequence[Link], found: Targets) -> LinkParts:
    """The links of the note at ``path`` that resolve to nothing, and those that resolve and
    carry a ``#subpath`` (``found``: what each resolves to); the only links checks look at one by one."""
    if None not in found and not any(map(_LINK_SUBPATH, links)):
        return _NO_PARTS
    # a resolved link made for those two kinds alone; a silent note's links resolve to nothing at all (found: ())
    pairs = list(zip(links, found, strict=False))
    return (
        [_new_resolved((path, link, None)) for link, target in pairs if target is None],
        [_new_resolved((path, link, target)) for link, target in pairs if target is not None and link.subpath],
    )


def targets(links: Iterable[ResolvedLink]) -> Targets:
    """What each of ``links`` resolves to, in order."""
    return tuple(map(_RESOLVED, links))


class MissingNames:
    """Names for the targets links miss: the first link text that names each (``[[Foo]]``,
    ``[[foo]]`` and ``[[Foo.md]]`` miss one target); a name a file or an earlier missing
    target has gets `` (missing)`` appended until it is free."""

    def __init__(self, taken: Iterable[str]) -> None:
        """Name missing targets apart from the files ``taken`` lists."""
        self._taken = set(taken)
        self._names: dict[str, str] = {}

    def name(self, text: str) -> str | None:
        """The name of the missing target link text ``text`` names (None for an empty one: no target)."""
        if not text:
            return None
        key = link_key(text).removesuffix(".md")
        name = self._names.get(key)
        if name is None:
            name = text
            while name in self._taken:
                name = f"{name} (missing)"
            self._names[key] = name
            self._taken.add(name)
        return name


class LinkGraph:
    """Queries over the vault graph: backlinks, orphans, unresolved targets."""

    def __init__(self, notes: Iterable[str], attachments: Iterable[str], links: Iterable[ResolvedLink]) -> None:
        import networkx as nx

        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        graph.add_nodes_from(notes, exists=True, kind="note")
        graph.add_nodes_from(attachments, exists=True, kind="attachment")
        missing = MissingNames(graph.nodes)
        edges = []
        for item in links:
            target = item.resolved
            if target is None:
                target = missing.name(item.link.target)
                if target is None:
                    continue
                if target not in graph:
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

    def kind(self, node: str) -> str:
        """The kind of ``node``: note, attachment or missing."""
        return str(self.graph.nodes[node]["kind"])

    def links(self) -> Iterator[tuple[str, str, str, int]]:
        """Every link occurrence as ``(source, target, kind, line)``, in insertion order."""
        for source, target, data in self.graph.edges(data=True):
            yield source, target, data["kind"], data["line"]

    def dead_ends(self) -> Iterator[str]:
        """Notes with no link to another file that exists, in path order: links to missing targets
        and to the note itself lead nowhere."""
        graph, nodes = self.graph, self.graph.nodes
        for node in sorted(graph.nodes):
            if nodes[node]["kind"] == "note" and all(
                dst == node or not nodes[dst]["exists"] for dst in graph.successors(node)
            ):
                yield node

    def note_components(self) -> list[int]:
        """Sizes of the weakly connected components of the notes (links between notes only), largest first."""
        import networkx as nx

        notes = [n for n, data in self.graph.nodes(data=True) if data["kind"] == "note"]
        return sorted((len(c) for c in nx.weakly_connected_components(self.graph.subgraph(notes))), reverse=True)


def orphan_notes(notes: Iterable[str], linked: Collection[str]) -> list[str]:
    """Notes that no other file links to (``linked``: the files some other file links to), sorted.

    ``LinkGraph.orphans`` without building the graph.
    """
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
