"""``vaulttool cache``: where the cache is and how large; ``cache clean`` empties it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from vaulttool.commands.common import CACHE_DIR_OPTION, EXIT_OK


@click.group("cache", invoke_without_command=True)
@CACHE_DIR_OPTION
@click.pass_context
def cache_group(ctx: click.Context, cache_dir: Path | None) -> int:
    """Show where the cache is and how large, per vault (``cache clean`` empties it)."""
    from vaulttool.incremental.housekeeping import cache_entries, default_cache_dir

    ctx.obj = base = cache_dir or default_cache_dir()
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    entries = cache_entries(base)
    total = sum(entry.size for entry in entries)
    click.echo(f"{base}: {_size(total)} in {len(entries)} vault{'' if len(entries) == 1 else 's'}")
    for entry in reversed(entries):  # most recently checked first
        when = datetime.fromtimestamp(entry.used).strftime("%Y-%m-%d %H:%M")
        click.echo(f"  {_size(entry.size):>9}  {when}  {entry.vault or '(vault not recorded)'}")
    return EXIT_OK


def _size(count: int) -> str:
    """A byte count the way people read it (``12.3 MB``)."""
    if count < 1000:
        return f"{count} B"
    size = count / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


@cache_group.command("clean")
@CACHE_DIR_OPTION
@click.pass_obj
def cache_clean_command(base: Path, cache_dir: Path | None) -> int:
    """Remove every vault's entry from the cache."""
    from vaulttool.incremental.housekeeping import cache_entries, remove_entry

    base = cache_dir or base
    entries = cache_entries(base)
    for entry in entries:
        remove_entry(entry)
    freed = sum(entry.size for entry in entries)
    click.echo(f"{base}: removed {len(entries)} vault entr{'y' if len(entries) == 1 else 'ies'} ({_size(freed)})")
    return EXIT_OK
