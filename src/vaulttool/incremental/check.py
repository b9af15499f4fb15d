"""Checking a vault with a cache and worker processes: what ``vaulttool check`` and the library call.

:func:`check` gives the report the engine gives (:func:`vaulttool.engine.lint.check`), from
the notes cached where their files are unchanged, parsed by worker processes otherwise
(:class:`~vaulttool.incremental.source.PoolSource`), and, after a few notes changed, by
checking again only what they can affect (:mod:`vaulttool.incremental.recheck`). The
cache never changes an answer: when it cannot be used, one line on stderr says why and
the vault is checked whole.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaulttool.engine import lint
from vaulttool.engine.load import Loaded, load
from vaulttool.engine.load import load_vault as load_whole
from vaulttool.engine.options import Options, enabled_rules, options_for
from vaulttool.incremental.keys import fingerprint
from vaulttool.incremental.pool import Progress
from vaulttool.incremental.recheck import recheck
from vaulttool.incremental.source import PoolSource
from vaulttool.incremental.state import State, StateMismatch, new_id, state_of, vault_facts
from vaulttool.model.vault import WalkResult, walk_vault

if TYPE_CHECKING:
    from types import ModuleType

    from vaulttool.incremental.cache import VaultCache
    from vaulttool.rules.context import RuleContext, VaultContext


# Below this many notes, the state of a full check is worked out and written by a child process
# while the report is printed (see :meth:`~vaulttool.incremental.statefile.StateFiles.save_apart`).
# The child shares the memory of the notes, which counts again in its resident size: from here on,
# the state is made after the notes are let go, as the memory of a 50,000-note check is bounded.
APART_MAX_NOTES = 20_000


class Worked(NamedTuple):
    """How a report was worked out: the state kept for the next check, the state it was worked out
    from (a re-run) and the files whose diagnostics were worked out again (ids are None without a cache)."""

    state: str | None = None
    since: str | None = None
    changed: frozenset[str] = frozenset()


def state_key(options: Options, *extra: bytes) -> str:
    """A digest of the tool code, ``options``, the schemas and ``extra``: the key of a check's state."""
    plain = {
        "select": options.select,
        "ignore": options.ignore,
        "exclude": options.exclude,
        "severity": {rule: level.value for rule, level in options.severity.items()},
        "max_file_size": options.max_file_size,
        "moc_fields": options.moc_fields,
        "obsidian": options.obsidian.key(),
    }
    return fingerprint(json.dumps(plain, sort_keys=True).encode(), *options.schema_parts(), *extra)


def check(
    root: Path,
    options: Options | None = None,
    cache: VaultCache | None = None,
    *,
    jobs: int = 0,
    progress: Progress | None = None,
    walked: WalkResult | None = None,
    keep_context: bool = True,
) -> lint.Report:
    """Check the vault at ``root`` and return its report (see the module documentation).

    Without ``options``, the vault's configuration file and schemas decide; ``jobs``:
    processes that parse (0: one per CPU); ``walked``: the vault's files, when the caller
    has listed them already with ``options.exclude``. Without ``keep_context`` the report
    holds no context, and the vault is held in memory more leanly and let go before the
    cache is written.
    """
    return worked_out(root, options, cache, jobs=jobs, progress=progress, walked=walked, keep_context=keep_context)[0]


def worked_out(
    root: Path,
    options: Options | None,
    cache: VaultCache | None,
    *,
    jobs: int = 0,
    progress: Progress | None = None,
    walked: WalkResult | None = None,
    keep_context: bool = True,
    apart: bool = False,
) -> tuple[lint.Report, Worked]:
    """:func:`check`, and how its report was worked out. With ``apart``, the state a full check leaves
    may be worked out and written by a child process while the caller goes on (printing the report):
    the caller must :meth:`~vaulttool.incremental.cache.VaultCache.close` the cache when it is done."""
    options = options or options_for(root)
    if cache is not None:
        try:
            return _cached(root, options, cache, jobs, progress, walked, keep_context, apart)
        except OSError as exc:
            _say(f"the cache cannot be used ({exc})")
        finally:
            if not apart:
                cache.close()  # a child process still taking stamps ends here, whatever happened
    source = PoolSource(root, options, jobs=jobs, progress=progress)
    return lint.check(root, options, source=source, walked=walked, keep_context=keep_context), Worked()


def _cached(
    root: Path,
    options: Options,
    cache: VaultCache,
    jobs: int,
    progress: Progress | None,
    walked: WalkResult | None,
    keep_context: bool,
    apart: bool,
) -> tuple[lint.Report, Worked]:
    rules = enabled_rules(options)
    walked = walked or walk_vault(root, options.exclude)
    cache.stamp_apart(walked.notes)  # content stamps: taken by a child process while the state is read
    key, files = state_key(options), cache.files_key(walked)
    state = State.from_value(cache.load_state(key))
    if state is not None and state.files == files:
        try:
            state.fit(walked)
        except StateMismatch as exc:
            _say(f"the cached state of the last check cannot be used ({exc})")
            state = None
    if state is not None and state.files == files:
        done = recheck(root, options, rules, cache, walked, state, files)
        if done is not None:
            report, kept, changed = done
            if kept is not state:
                cache.save_state(key, kept.value(), since=state.value())
            return report, Worked(kept.id, state.id, changed)
    del state  # not needed by a full check: a large vault's is a hundred megabytes
    apart = apart and len(walked.notes) < APART_MAX_NOTES
    source = PoolSource(root, options, cache, jobs=jobs, progress=progress, later=apart)
    keep = keep_context or lint.keeps_links(rules)
    loaded = load(root, options, source=source, walked=walked, rules=rules, keep_links=keep)
    report = lint.report_of(root, loaded, lint.run_rules(loaded, rules, options), keep_context)
    state_id = new_id()
    made = partial(_state_value, report, loaded, walked, cache, files, state_id)
    if apart and cache.states.save_apart(key, made):  # while the report prints
        source.store()
        return report, Worked(state_id)
    del made  # it holds the notes, let go below
    source.store()
    facts = vault_facts(loaded)
    del loaded  # without keep_context, the notes can go before the state is made and written
    cache.save_state(key, state_of(report, facts, walked, cache, files, state_id).value())
    return report, Worked(state_id)


def _state_value(
    report: lint.Report, loaded: Loaded[RuleContext], walked: WalkResult, cache: VaultCache, files: str, state_id: str
) -> tuple[Any, ...]:
    """The state a full check leaves (with id ``state_id``), as the cache stores it."""
    return state_of(report, vault_facts(loaded), walked, cache, files, state_id).value()


def check_draft(
    root: Path,
    path: str,
    data: bytes,
    options: Options | None = None,
    cache: VaultCache | None = None,
    *,
    jobs: int = 0,
) -> lint.Report:
    """:func:`vaulttool.engine.lint.check_draft`, the other notes from ``cache`` (read, never written)
    where their files are unchanged."""
    options = options or options_for(root)
    source = PoolSource(root, options, cache, jobs=jobs, writes=False)
    return lint.check_draft(root, path, data, options, source=source)


def load_vault(
    root: Path, options: Options, rules: Iterable[ModuleType] = (), *, codes: bool = False
) -> Loaded[VaultContext]:
    """:func:`vaulttool.engine.load.load_vault`, a large vault's notes parsed by worker processes."""
    return load_whole(root, options, source=PoolSource(root, options), rules=rules, codes=codes)


def load_resolved(root: Path, options: Options, *, codes: bool = False) -> Loaded[RuleContext]:
    """The vault loaded without its links (:func:`vaulttool.engine.load.load` without ``keep_links``):
    what each link resolves to and the links that resolve to nothing are all a large vault keeps
    (and, with ``codes``, the line and kind of each link)."""
    return load(root, options, source=PoolSource(root, options), keep_links=False, codes=codes)


def _say(problem: str) -> None:
    """One line on stderr: the cache is not used, and every note is checked."""
    print(f"vaulttool: {problem}; checking every note", file=sys.stderr)
