"""Vault statistics: counts, hubs, components, notes per status and schema; as JSON or a rich table."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vaulttool.model.graph import MissingNames
from vaulttool.output.formatters import escape_text
from vaulttool.output.graph_export import note_schema, note_status
from vaulttool.version import __version__

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

TOP = 10


@dataclass(frozen=True)
class VaultStats:
    """What ``vaulttool stats`` reports; ``hubs`` and ``missing`` hold the top entries, most linked first."""

    vault: str
    notes: int
    links: int
    attachments: int
    missing_targets: int
    orphans: int
    dead_ends: int
    components: int
    largest_component: int
    hubs: tuple[tuple[str, int], ...]
    missing: tuple[tuple[str, int], ...]
    schemas: tuple[tuple[str | None, int], ...]
    statuses: tuple[tuple[str | None, int], ...]


def _top(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    ranked = sorted(((name, n) for name, n in counts.items() if n), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:TOP])


def _tally(values: Counter[str | None]) -> tuple[tuple[str | None, int], ...]:
    return tuple(sorted(values.items(), key=lambda item: (-item[1], item[0] is None, item[0] or "")))


def vault_stats(ctx: RuleContext, vault: str) -> VaultStats:
    """Compute the statistics of a loaded vault (components count links between notes only).

    From what each link resolves to and the links that resolve to nothing, which even a
    vault loaded without its links keeps: no graph is built. Missing targets are named as
    the graph names them (:class:`vaulttool.model.graph.LinkGraph`).
    """
    notes, targets = ctx.notes, ctx.targets
    backlinks: Counter[str] = Counter()
    components = _Components(notes)
    dead_ends = 0
    for path, found in targets.items():
        linked = {target for target in found if target is not None and target != path}
        backlinks.update(linked)
        dead_ends += not linked
        components.join(path, (target for target in linked if target in notes))
    missing = _missing_sources(ctx)
    sizes = components.sizes()
    return VaultStats(
        vault=vault,
        notes=len(notes),
        links=sum(map(len, targets.values())),
        attachments=len(ctx.attachments),
        missing_targets=len(missing),
        orphans=sum(1 for path in notes if not backlinks[path]),
        dead_ends=dead_ends,
        components=len(sizes),
        largest_component=sizes[0] if sizes else 0,
        hubs=_top({path: backlinks[path] for path in notes}),
        missing=_top({target: len(sources) for target, sources in missing.items()}),
        schemas=_tally(Counter(note_schema(ctx, path) for path in notes)),
        statuses=_tally(Counter(note_status(note) for note in notes.values())),
    )


def _missing_sources(ctx: RuleContext) -> dict[str, set[str]]:
    """The notes linking to each missing target, named as the link graph names it (:class:`MissingNames`)."""
    names = MissingNames((*ctx.notes, *ctx.attachments))
    sources: dict[str, set[str]] = {}
    for item in ctx.unresolved:
        name = names.name(item.link.target)
        if name is not None:
            sources.setdefault(name, set()).add(item.source)
    return sources


class _Components:
    """Weakly connected components of the notes, joined link by link (union by size)."""

    def __init__(self, notes: Iterable[str]) -> None:
        self._parent = {path: path for path in notes}
        self._size = dict.fromkeys(self._parent, 1)

    def _root(self, path: str) -> str:
        parent = self._parent
        while parent[path] != path:
            parent[path] = path = parent[parent[path]]
        return path

    def join(self, path: str, others: Iterable[str]) -> None:
        """Put ``path`` in one component with each of ``others``."""
        for other in others:
            a, b = self._root(path), self._root(other)
            if a != b:
                if self._size[a] < self._size[b]:
                    a, b = b, a
                self._parent[b] = a
                self._size[a] += self._size.pop(b)

    def sizes(self) -> list[int]:
        """The sizes of the components, largest first."""
        return sorted(self._size.values(), reverse=True)


_COUNTS = (
    ("notes", "Notes"),
    ("links", "Links"),
    ("attachments", "Attachments"),
    ("missing_targets", "Missing targets"),
    ("orphans", "Orphans (no backlinks)"),
    ("dead_ends", "Dead ends (no link to another existing file)"),
    ("components", "Connected components"),
    ("largest_component", "Largest component (notes)"),
)


def stats_json(stats: VaultStats) -> str:
    """The stats as one strict ASCII JSON document."""
    doc: dict[str, Any] = {"version": __version__, "vault": stats.vault}
    doc.update((key, getattr(stats, key)) for key, _ in _COUNTS)
    doc["hubs"] = [{"path": p, "backlinks": n} for p, n in stats.hubs]
    doc["missing"] = [{"target": t, "sources": n} for t, n in stats.missing]
    doc["schemas"] = [{"schema": s, "notes": n} for s, n in stats.schemas]
    doc["statuses"] = [{"status": s, "notes": n} for s, n in stats.statuses]
    return json.dumps(doc, ensure_ascii=True, allow_nan=False, indent=2) + "\n"


def stats_text(stats: VaultStats, color: bool = False, width: int = 120) -> str:
    """The stats as rich tables (coloured only when ``color``); names are escaped for the terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    bold = "bold" if color else ""

    def table(title: str, *columns: str) -> Table:
        console.print(Text(title, style=bold))
        t = Table(show_header=any(columns))
        for i, name in enumerate(columns):
            t.add_column(name, justify="right" if i else "left", overflow="fold")
        return t

    def name(value: str | None) -> Text:
        return Text("(none)", style="dim") if value is None else Text(escape_text(value))

    console.print(Text("Vault ", style=bold) + Text(escape_text(stats.vault)))
    counts = table("Counts", "", "")
    for key, label in _COUNTS:
        counts.add_row(label, str(getattr(stats, key)))
    console.print(counts)
    sections = (
        ("Top hubs", "Note", "Backlinks", stats.hubs),
        ("Most linked missing targets", "Target", "Linked from", stats.missing),
        ("Notes per status", "Status", "Notes", stats.statuses),
        ("Notes per schema", "Schema", "Notes", stats.schemas),
    )
    for title, first, second, rows in sections:
        if rows:
            section = table(title, first, second)
            for value, count in rows:
                section.add_row(name(value), str(count))
            console.print(section)
    return out.getvalue()
