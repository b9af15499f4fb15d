"""Temporary files named after their writer's process, and removing those a killed run left behind.

vaulttool writes every file whole: to a temporary file first, then linked or renamed to
its name. A run killed in between leaves the temporary file; its name holds the
writer's process id, so a later run removes it once that process is gone (a live
writer's files are left alone).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (its temporary files are then in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def stale(names: Iterable[str], pattern: re.Pattern[str]) -> list[str]:
    """Those of ``names`` that ``pattern`` matches, its first group being the writer's process
    id, whose writer no longer runs."""
    return [name for name in names if (match := pattern.fullmatch(name)) and not running(int(match.group(1)))]


def remove_stale(folder: str | os.PathLike[str], pattern: re.Pattern[str]) -> None:
    """Remove the files in ``folder`` that :func:`stale` picks (a folder that cannot be listed: none)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in stale(names, pattern):
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
