"""Housekeeping of the cache folder: one folder per vault, the least recently checked removed first.

A vault's folder goes when the vault was not checked for :data:`MAX_AGE_DAYS` days, and
the least recently checked ones go while the whole cache is larger than :data:`MAX_BYTES`
(:func:`prune`, before a run's first write). Only folders named like a vault's entry are
ever removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from vaulttool.incremental.cachefiles import read_file

# A vault's folder goes when the vault was not checked for this long, and the
# least recently checked ones go while the cache is larger than this.
MAX_AGE_DAYS = 30
MAX_BYTES = 1 << 30
VAULT_FILE = "vault.txt"
_ENTRY_NAME = re.compile(r"[0-9a-f]{32}")  # only folders named like this are ever removed


def default_cache_dir() -> Path:
    """The platform's cache folder for vaulttool (``~/.cache/vaulttool`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vaulttool", appauthor=False))


class CacheEntry(NamedTuple):
    """One vault's folder in the cache."""

    folder: Path
    vault: str | None  # the vault's real path (None: not recorded)
    size: int  # bytes
    used: float  # when a check last wrote or read it (seconds since the epoch)


def cache_entries(base: Path) -> list[CacheEntry]:
    """The vault folders under ``base``, least recently used first (none when ``base`` does not exist)."""
    entries = []
    try:
        folders = [e for e in os.scandir(base) if _ENTRY_NAME.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    for folder in folders:
        size, used, vault = 0, 0.0, None
        with contextlib.suppress(OSError):
            for item in os.scandir(folder.path):
                if item.is_file(follow_symlinks=False):
                    st = item.stat(follow_symlinks=False)
                    size, used = size + st.st_size, max(used, st.st_mtime)
            vault = read_file(Path(folder.path, VAULT_FILE)).decode("utf-8", "surrogateescape")
        entries.append(CacheEntry(Path(folder.path), vault, size, used))
    return sorted(entries, key=lambda entry: (entry.used, entry.folder.name))


def remove_entry(entry: CacheEntry) -> None:
    """Remove one vault's folder from the cache (what cannot be removed stays)."""
    shutil.rmtree(entry.folder, ignore_errors=True)


def prune(base: Path, keep: Path, now: float | None = None) -> list[CacheEntry]:
    """Remove the folders under ``base`` of vaults not used for :data:`MAX_AGE_DAYS` days, then the least
    recently used ones while all of them together exceed :data:`MAX_BYTES`; never ``keep``. Returns those removed.
    """
    limit = (time.time() if now is None else now) - MAX_AGE_DAYS * 86400
    entries = cache_entries(base)
    total = sum(entry.size for entry in entries)
    removed = []
    for entry in entries:  # least recently used first
        if entry.folder == keep or (entry.used >= limit and total <= MAX_BYTES):
            continue
        remove_entry(entry)
        total -= entry.size
        removed.append(entry)
    return removed
