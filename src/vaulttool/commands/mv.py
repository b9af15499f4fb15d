"""``vaulttool mv``: move or rename a note, attachment or folder, and rewrite every link to follow it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from vaulttool.commands.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

if TYPE_CHECKING:
    from vaulttool.actions.move import MovePlan

MoveMode = Literal["write", "dry-run", "diff"]
EXIT_REFUSED = EXIT_PROBLEMS


@click.command("mv")
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.option(
    "--vault",
    default=".",
    metavar="VAULT",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The vault.",
)
@click.option("--dry-run", is_flag=True, help="Print the renames and link rewrites; write nothing.")
@click.option("--diff", is_flag=True, help="Print the move as a git diff; write nothing.")
def mv_command(source: str, destination: str, vault: Path, dry_run: bool, diff: bool) -> int:
    """Move or rename note, attachment or folder SRC to DST; every link to it follows."""
    if dry_run and diff:
        raise click.UsageError("--dry-run and --diff cannot be combined")
    mode: MoveMode = "diff" if diff else "dry-run" if dry_run else "write"
    return run_mv(vault, source, destination, mode)


def _describe(plan: MovePlan) -> list[str]:
    """The plan as lines: each rename, then each link given new text."""
    from vaulttool.output.formatters import escape_text

    lines = [f"move {escape_text(old)} -> {escape_text(new)}" for old, new in sorted(plan.moves.items())]
    for item in plan.rewrites:
        where = f"{escape_text(item.path)}:{item.line}:{item.column}"
        lines.append(f"link {where}: {escape_text(item.before)} -> {escape_text(item.after)}")
    return lines


def run_mv(vault: Path, source: str, destination: str, mode: MoveMode) -> int:
    """Plan the move of ``source`` to ``destination`` (paths as typed) in ``vault``; carry it out in
    ``write`` mode. Returns the exit code: 0 done (or planned), 1 refused or failed, 2 not a move."""
    from vaulttool.actions.move import MoveError, apply_move, plan_move, vault_path
    from vaulttool.output.formatters import escape_text

    try:
        plan = plan_move(vault, vault_path(vault, source), vault_path(vault, destination))
    except MoveError as exc:
        click.echo(f"vaulttool mv: {escape_text(str(exc))}", err=True)
        return EXIT_USAGE
    if plan.problems:
        click.echo("vaulttool mv: refused: these links would change what they open; nothing was moved", err=True)
        for problem in plan.problems:
            click.echo(f"  {escape_text(problem)}", err=True)
        return EXIT_REFUSED
    if mode == "diff":
        click.echo(plan.diff(), nl=False)
        return EXIT_OK
    if mode == "dry-run":
        for line in _describe(plan):
            click.echo(line)
        return EXIT_OK
    result = apply_move(plan)
    if result.failures:
        click.echo("vaulttool mv: failed, and every change made was undone:", err=True)
        for failure in result.failures:
            click.echo(f"  {escape_text(failure)}", err=True)
        return EXIT_REFUSED
    notes = len(result.rewritten)
    click.echo(
        f"Moved {escape_text(plan.source)} -> {escape_text(plan.destination)} ({len(plan.moves)} files); "
        f"rewrote {len(plan.rewrites)} links in {notes} note{'s' if notes != 1 else ''}."
    )
    return EXIT_OK
