"""The check's last printed report, kept in the cache: printed again as is when nothing changed,
and reused file by file when the new report was worked out from the state it was printed from.

Only text and JSON reports are kept, never a report of standard input (it is not the file's).
An unchanged vault is answered from the files the settings come from and the stamp of every
file, without loading the rules, the schemas or a single note: this module imports none of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from vaulttool.engine.lint import Report
    from vaulttool.engine.options import Options
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.incremental.cachefiles import Output
    from vaulttool.incremental.check import Worked
    from vaulttool.incremental.pool import Progress
    from vaulttool.model.config import Settings
    from vaulttool.model.vault import WalkResult

Reuse = Callable[[str], "str | None"]  # the text printed last time for a file's diagnostics, when it still holds


class Printed(Protocol):
    """A report as printed: its text in parts, and where each file's diagnostics sit in it."""

    @property
    def parts(self) -> list[str]:
        """The text, in the order written."""

    @property
    def spans(self) -> dict[str, tuple[int, int]]:
        """Where each file's diagnostics sit in the text (offsets into the parts joined)."""

    def blocks(self) -> Iterator[str]:
        """The text in order, in blocks of a few parts joined, as it is written."""


Text = TypeVar("Text", bound=Printed)


class Replay:
    """The keys of the printed report of a vault under the check's settings, what the cache holds,
    and how the check about to be printed was worked out."""

    def __init__(
        self,
        cache: VaultCache,
        vault: Path,
        settings: str,
        walked: WalkResult,
        exclude: tuple[str, ...],
        stamping: bool = False,
        header: Output | None = None,
    ) -> None:
        """Prefer :meth:`open` (``header``: what the cache keeps with its printed report, read there)."""
        self.cache = cache
        self.vault = vault
        self.settings = settings  # the settings alone: a report printed under them has the same text for each file
        self.walked = walked
        self.exclude = exclude
        self.stamping = stamping  # a child process takes the stamps of the notes until the key needs them
        self.header = None if header is None else header._replace(spans={})  # its text read when used; no spans held
        self.worked: Worked | None = None

    @classmethod
    def open(cls, cache: VaultCache, vault: Path, read: Settings, settings: tuple[str, ...]) -> Replay | None:
        """The replay of ``vault`` under the settings ``read`` and the options ``settings``, the vault's
        files and the exclusions.

        Made from the bytes the settings were read from, not from validated settings, so that
        an unchanged vault is answered without validating them (None when they cannot be used).
        """
        from vaulttool.incremental.keys import fingerprint
        from vaulttool.model.vault import walk_vault

        found = read.digest(*settings)
        if found is None:
            return None
        digest, exclude = found
        walked = walk_vault(vault, exclude)
        header = cache.output_header()
        # the key is made when it is needed, the run goes on meanwhile; with no printed report to answer
        # from (a first run), file-time stamps are not needed before the options are built either
        stamping = cache.stamp_apart(walked.notes, times=header is None)
        return cls(cache, vault, fingerprint(b"output", digest.encode()), walked, exclude, stamping, header)

    @cached_property
    def key(self) -> str:
        """The key of the report: the settings, the vault's path as given (the JSON report names it)
        and the stamp of every file."""
        return self.cache.result_key(f"{self.settings}\0{os.fspath(self.vault)}", self.walked)

    def answer(self) -> tuple[Output, str] | None:
        """The stored report and its text when it was printed from exactly these files and settings."""
        if self.header is None or self.header.key != self.key:
            return None
        stored = self.cache.load_output()
        return stored if stored is not None and stored[0].key == self.key else None

    def check(self, options: Options, *, jobs: int = 0, progress: Progress | None = None) -> Report:
        """The vault checked with the cache (see :func:`vaulttool.incremental.check.check`; no context kept),
        from the files walked here when the validated settings exclude the same folders."""
        from vaulttool.incremental.check import worked_out

        walked = self.walked if self.exclude == options.exclude else None
        report, self.worked = worked_out(
            self.vault, options, self.cache, jobs=jobs, progress=progress, walked=walked, keep_context=False, apart=True
        )
        return report

    def print(self, report: Report, render: Callable[[Reuse | None], Text]) -> Text:
        """``render`` the checked ``report`` (reusing what was printed last time for the files not
        checked again) and keep it for the next run; under no key when files changed just now
        (never printed again as is)."""
        from vaulttool.incremental.cachefiles import Output
        from vaulttool.model.values import Severity

        printed = render(self._reuse())  # the old text goes once the new one is made
        key = self.key if self.cache.all_settled() else ""
        errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
        state = self.worked.state if self.worked is not None else None
        output = Output(key, self.settings, errors, warnings, printed.spans, state or "")
        self.cache.save_output(output, printed.blocks())
        return printed

    def _reuse(self) -> Reuse | None:
        """What was printed last time for each file the check did not check again (None: nothing)."""
        worked, header = self.worked, self.header
        if worked is None or worked.since is None or header is None:
            return None
        if header.settings != self.settings or header.state != worked.since:
            return None  # printed under other settings, or from another state: not read at all
        stored = self.cache.load_output()
        if stored is None or stored[0].settings != self.settings or stored[0].state != worked.since:
            return None
        text, spans, changed = stored[1], stored[0].spans, worked.changed

        def reuse(path: str) -> str | None:
            span = spans.get(path) if path not in changed else None
            return text[span[0] : span[1]] if span is not None else None

        return reuse
