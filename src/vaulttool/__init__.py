"""vaulttool: an Obsidian vault toolkit and note validator.

The public API is :func:`check`, which returns a report of diagnostics for a vault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaulttool.version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from vaulttool.engine.lint import Report
    from vaulttool.engine.options import Options

__all__ = ["__version__", "check"]


def check(vault: Path, options: Options | None = None) -> Report:
    """Check the vault folder ``vault`` and return its :class:`~vaulttool.engine.lint.Report`."""
    from vaulttool.incremental.check import check as run_check

    return run_check(vault, options)
