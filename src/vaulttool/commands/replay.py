"""The check's last printed report, kept in the cache: printed again as is when nothing changed,
and reused file by file when the new report was worked out from the state it was printed from.

Only text and JSON reports are kept, never a report of standard input (it is not the file's).
An unchanged vault is answered from the files the settings come from and the stamp of every
file, without loading the rules, the schemas or a single note.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaulttool.incremental.cache import Output, VaultCache
    from vaulttool.model.config import Settings
    from vaulttool.model.vault import WalkResult
    from vaulttool.output.formatters import Printed


class Replay:
    """The keys of the printed report of a vault under the check's settings, and what the cache holds."""

    def __init__(
        self, cache: VaultCache, key: str, settings: str, walked: WalkResult, exclude: tuple[str, ...]
    ) -> None:
        """Prefer :meth:`open`."""
        self.cache = cache
        self.key = key  # the settings, the vault's path as given (the JSON report names it) and the stamp of every file
        self.settings = settings  # the settings alone: a report printed under them has the same text for each file
        self.walked = walked
        self.exclude = exclude
        self.stored: tuple[Output, str] | None = cache.load_output()

    @classmethod
    def open(cls, cache: VaultCache, vault: Path, read: Settings, settings: tuple[str, ...]) -> Replay | None:
        """The replay of ``vault`` under the settings ``read`` and the options ``settings``, the vault's
        files and the exclusions.

        Made from the bytes the settings were read from, not from validated settings, so that
        an unchanged vault is answered without validating them (None when they cannot be used).
        """
        from vaulttool.incremental.cache import fingerprint
        from vaulttool.model.vault import walk_vault

        found = read.digest(*settings)
        if found is None:
            return None
        digest, exclude = found
        walked = walk_vault(vault, exclude)
        settings_key = fingerprint(b"output", digest.encode())
        key = cache.result_key(f"{settings_key}\0{os.fspath(vault)}", walked)
        return cls(cache, key, settings_key, walked, exclude)

    def answer(self) -> tuple[Output, str] | None:
        """The stored report and its text when it was printed from exactly these files and settings."""
        stored = self.stored
        return stored if stored is not None and stored[0].key == self.key else None

    def walked_for(self, exclude: tuple[str, ...]) -> WalkResult | None:
        """The vault's files as walked here, when the validated settings exclude the same folders."""
        return self.walked if self.exclude == exclude else None

    def previous(self) -> Printed | None:
        """The stored report as printed, when it was printed under the same settings from a known state;
        the stored text is let go either way (the new report replaces it)."""
        from vaulttool.output.formatters import Printed

        stored, self.stored = self.stored, None
        if stored is not None and stored[0].settings == self.settings and stored[0].state:
            return Printed([stored[1]], stored[0].spans, stored[0].state)
        return None

    def save(self, printed: Printed, errors: int, warnings: int) -> None:
        """Keep ``printed`` for the next run; under no key when files changed just now (never printed again as is)."""
        from vaulttool.incremental.cache import Output

        key = self.key if self.cache.all_settled() else ""
        self.cache.save_output(
            Output(key, self.settings, errors, warnings, printed.spans, printed.state or ""), printed.parts
        )
