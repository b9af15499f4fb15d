"""What a check with a cache leaves for the next one: each file's diagnostics and the vault's link facts.

The :class:`State` of a check holds the stamp of each note, the final diagnostics of each
file, each note's aliases, the notes each note links to with an anchor, what every link
resolved to and which files the vault held: enough for the next check to work out what
a few changed notes can affect (:mod:`vaulttool.incremental.recheck`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from vaulttool.engine.lint import Report
from vaulttool.engine.load import Loaded
from vaulttool.incremental.records import diagnostic_from_record, diagnostic_record
from vaulttool.model.graph import ResolvedLink, anchored_links
from vaulttool.model.vault import WalkResult
from vaulttool.rules.context import RuleContext

if TYPE_CHECKING:
    from vaulttool.files.stamps import Stamp
    from vaulttool.incremental.cache import VaultCache

Records = tuple[tuple[Any, ...], ...]
_PATH = attrgetter("path")
TargetMap = dict[str, tuple[str | None, ...]]  # what each note's links resolve to, in order


class StateMismatch(ValueError):
    """A cached state that cannot be the last check's of this vault (its notes are not the vault's)."""


@dataclass(frozen=True)
class State:
    """What a check leaves for the next one (see the module documentation)."""

    id: str  # new for every state: what a printed report says it was printed from
    files: str  # VaultCache.files_key of the vault's files
    problems: tuple[tuple[str, str], ...]  # the walk's problems: (path, message)
    stamps: dict[str, Stamp]  # notes whose diagnostics can be trusted while their file keeps this stamp
    diagnostics: dict[str, Records]  # the final diagnostic records of each file, in report order
    aliases: dict[str, tuple[str, ...]]  # the aliases of each note that has some, in vault order
    anchored: dict[str, tuple[str, ...]]  # the notes each note links to with a #heading or #^block
    targets: TargetMap  # what each note's links resolved to

    def value(self) -> tuple[Any, ...]:
        """The state as plain data for the cache."""
        return (
            self.id,
            self.files,
            self.problems,
            self.stamps,
            self.diagnostics,
            self.aliases,
            self.anchored,
            self.targets,
        )

    @classmethod
    def from_value(cls, value: Any) -> State | None:
        """The state ``value`` (made by :meth:`value`) describes, or None when it is not one."""
        if type(value) is not tuple or len(value) != 8:
            return None
        kinds = (str, str, tuple, dict, dict, dict, dict, dict)
        if any(type(item) is not kind for item, kind in zip(value, kinds, strict=True)):
            return None
        return cls(*value)

    def fit(self, walked: WalkResult) -> None:
        """Raise :class:`StateMismatch` unless this state, made for the files of ``walked``, names their notes."""
        if len(self.targets) != len(walked.notes) or not self.targets.keys() == set(walked.notes):
            raise StateMismatch("its notes are not the vault's")
        if not self.stamps.keys() <= self.targets.keys() or not self.aliases.keys() <= self.targets.keys():
            raise StateMismatch("it names notes the vault does not hold")

    def report(self, vault: str, notes: int) -> Report:
        """The report this state holds, for a vault of ``notes`` notes."""
        records = self.diagnostics
        found = tuple(diagnostic_from_record(r) for path in sorted(records) for r in records[path])
        links = sum(map(len, self.targets.values()))
        return Report(vault, notes, links, found)


def new_id() -> str:
    """A fresh state id."""
    return os.urandom(8).hex()


def walk_problems(walked: WalkResult) -> tuple[tuple[str, str], ...]:
    """The walk's problems as they are compared between runs."""
    return tuple((d.path, d.message) for d in walked.problems)


Facts = tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], TargetMap]


def vault_facts(loaded: Loaded[RuleContext]) -> Facts:
    """What a state keeps of a checked vault besides its diagnostics: aliases, anchored links, link targets."""
    ctx, anchored = loaded.context, loaded.anchored  # (worked out as the notes came in: the links not read again)
    return dict(ctx.aliases), {path: anchored[path] for path in ctx.targets if path in anchored}, dict(ctx.targets)


def state_of(report: Report, facts: Facts, walked: WalkResult, cache: VaultCache, files: str, state_id: str) -> State:
    """The state a full check with ``report`` (its diagnostics sorted, as a check's are) of a vault with
    ``facts`` (see :func:`vault_facts`) leaves behind, with id ``state_id`` (see :func:`new_id`)."""
    aliases, anchored, targets = facts
    records = {path: tuple(map(diagnostic_record, found)) for path, found in groupby(report.diagnostics, _PATH)}
    return State(state_id, files, walk_problems(walked), settled(cache, walked), records, aliases, anchored, targets)


def anchored_notes(links: Sequence[ResolvedLink]) -> dict[str, tuple[str, ...]]:
    """The notes each source of ``links`` links to with a subpath."""
    found: dict[str, set[str]] = {}
    for item in anchored_links(links):
        if item.resolved is not None:
            found.setdefault(item.source, set()).add(item.resolved)
    return {source: tuple(sorted(paths)) for source, paths in found.items()}


def settled(cache: VaultCache, walked: WalkResult) -> dict[str, Stamp]:
    """The stamps of the notes of ``walked`` changed long enough ago to be trusted next time."""
    return {path: stamp for path, stamp in cache.stamps(walked.notes).items() if cache.settled(stamp)}
