"""``vaulttool stats``: count the notes, links, orphans, hubs and components of a vault."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from vaulttool.commands.common import (
    EXIT_OK,
    OUTPUT_PATH,
    STATS_FORMAT_NAMES,
    Choice,
    configured_options,
    emit,
    output_file,
    use_color,
)


@click.command("stats")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=Choice(STATS_FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
@click.option(
    "-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write the statistics to FILE (-: standard output)."
)
def stats_command(vault: Path, fmt: str, output: Path | None) -> int:
    """Count the notes, links, orphans, hubs and components of VAULT (default: the current folder)."""
    import shutil

    from vaulttool.incremental.check import load_resolved
    from vaulttool.output.stats import stats_json, stats_text, vault_stats

    target = output_file(output, vault)
    stats = vault_stats(load_resolved(vault, configured_options(vault, None)).context, os.fspath(vault))
    if fmt == "json":
        emit(stats_json(stats), target)
    else:
        terminal = target is None and sys.stdout.isatty()
        width = shutil.get_terminal_size((120, 24)).columns if terminal else 120
        emit(stats_text(stats, target is None and use_color(sys.stdout), width), target)
    return EXIT_OK
