"""The progress bar of long runs: on stderr, for a person watching a terminal, drawn by rich.

rich is imported only when a bar is actually drawn, so short runs and machine-readable
output never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaulttool.incremental.pool import Progress

PROGRESS_MIN_NOTES = 2000  # fewer notes are read in about a second: no bar


def show_progress(stream: object) -> bool:
    """A progress bar only for a person watching: stderr is a terminal, not CI, not pre-commit."""
    if os.environ.get("CI") or os.environ.get("PRE_COMMIT"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(wanted: bool) -> Iterator[Progress | None]:
    """A progress callback drawing a bar on stderr once a run has many notes to read, or None."""
    if not wanted or not show_progress(sys.stderr):
        yield None
        return
    bar: list[Any] = []

    def advance(done: int, total: int) -> None:
        if not bar:
            if total < PROGRESS_MIN_NOTES:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            shown = Progress(
                TextColumn("Reading notes"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            shown.start()
            bar[:] = [shown, shown.add_task("notes", total=total)]
        bar[0].update(bar[1], completed=done)

    try:
        yield advance
    finally:
        if bar:
            bar[0].stop()
