"""The vault's links kept compact for an export: no object per link.

A :class:`vaulttool.model.graph.LinkGraph` holds one edge, with its own attribute dict,
per link: at 50,000 notes and a million links, gigabytes. An export needs, for each
link, only its target node, its kind and its line. The targets are the tuples loading
the vault resolved anyway (a missing target replaced by its node's name); kind and line
are one number per link in an array (:func:`edge_codes`). Links are read back note by
note, so an export writes them as it goes.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from vaulttool.model.graph import EDGE_KIND, EDGE_KINDS, MissingNames, ResolvedLink, Targets
from vaulttool.model.values import Link
from vaulttool.model.vault import link_key

_KIND_CODE = {kind: EDGE_KINDS.index(edge) for kind, edge in EDGE_KIND.items()}
_NO_CODES: array[int] = array("q")


def edge_codes(links: Sequence[Link]) -> array[int]:
    """The line and edge kind of each of ``links`` as one number, ``line * 3 + EDGE_KINDS.index(kind)``."""
    if not links:
        return _NO_CODES
    return array("q", [link.line * len(EDGE_KINDS) + _KIND_CODE[link.kind] for link in links])


class LinkTable:
    """Every link of the vault as source, target node, kind and line, and every node with its kind.

    Nodes are named as in :class:`vaulttool.model.graph.LinkGraph`: files by their path,
    missing targets by :class:`vaulttool.model.graph.MissingNames`.
    """

    def __init__(
        self,
        notes: Iterable[str],
        attachments: Iterable[str],
        targets: Mapping[str, Targets],
        codes: Mapping[str, array[int]],
        unresolved: Iterable[ResolvedLink],
    ) -> None:
        """The table of notes whose links resolve to ``targets`` and have ``codes`` (:func:`edge_codes`),
        in note order; ``unresolved``, the links that resolve to nothing in that order, name the missing nodes."""
        self.kinds: dict[str, str] = dict.fromkeys(notes, "note")
        self.kinds.update(dict.fromkeys(attachments, "attachment"))
        names = MissingNames(self.kinds)
        missed: dict[str, list[str | None]] = {}
        for item in unresolved:
            name = names.name(item.link.target)
            missed.setdefault(item.source, []).append(name)
            if name is not None:
                self.kinds.setdefault(name, "missing")
        self._targets: dict[str, Targets] = {}
        for path, found in targets.items():
            if path in missed:
                named = iter(missed[path])
                found = tuple(target if target is not None else next(named) for target in found)
            self._targets[path] = found
        self._codes = codes

    def links_of(self, source: str) -> Iterator[tuple[str, str, int]]:
        """The links of note ``source`` as ``(target node, kind, line)``, in the note's order."""
        for target, code in zip(self._targets.get(source, ()), self._codes.get(source, _NO_CODES), strict=True):
            if target is not None:
                line, kind = divmod(code, len(EDGE_KINDS))
                yield target, EDGE_KINDS[kind], line

    def links(self) -> Iterator[tuple[str, str, str, int]]:
        """Every link as ``(source, target node, kind, line)``, note by note."""
        for source in self._targets:
            for target, kind, line in self.links_of(source):
                yield source, target, kind, line

    def find_missing(self, text: str) -> str | None:
        """The missing node (first in name order) whose link text matches ``text`` the way links match, or None."""
        key = link_key(text)
        return min((n for n, kind in self.kinds.items() if kind == "missing" and link_key(n) == key), default=None)

    def within(self, start: str, depth: int, nodes: Collection[str]) -> set[str]:
        """Nodes of ``nodes`` at most ``depth`` links from ``start``, links followed both ways.

        One pass over the links per step outwards: no adjacency is kept.
        """
        found = {start}
        frontier = {start}
        for _ in range(depth):
            reached: set[str] = set()
            for source, targets in self._targets.items():
                if source not in nodes:
                    continue
                out = source in frontier
                for target in targets:
                    if target is None or target not in nodes:
                        continue
                    if out and target not in found:
                        reached.add(target)
                    elif target in frontier and source not in found:
                        reached.add(source)
            if not reached:
                break
            found |= reached
            frontier = reached
        return found
