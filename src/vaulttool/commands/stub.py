"""``vaulttool stub``: plan stubs, check them against their schema, then print or create them."""

from __future__ import annotations

import difflib
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from vaulttool.commands.common import CONFIG_PATH, configured_options, use_color

if TYPE_CHECKING:
    from vaulttool.actions.stubs import PlannedStub
    from vaulttool.engine.options import Options
    from vaulttool.files.writers import WriteResult
    from vaulttool.rules.context import VaultContext

Mode = Literal["write", "dry-run", "diff", "check"]


@click.command("stub")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--topics", is_flag=True, help="A stub for each topic a note names that has no note.")
@click.option(
    "--mocs",
    is_flag=True,
    help="A stub for each missing MOC (links in moc-fields properties or to names ending in MOC).",
)
@click.option("--all", "all_links", is_flag=True, help="A stub for every unresolved link to a note.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--diff", is_flag=True, help="Print the new files as a diff; write nothing.")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 when a stub would be created.")
@click.option(
    "--date",
    "created",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Date for 'created' (default: today).",
)
@click.option("--dir", "folder", metavar="FOLDER", help="Create stubs in this vault folder, not beside their notes.")
@click.option("--config", "config_file", type=CONFIG_PATH, metavar="FILE", help="Use this configuration file.")
def stub_command(
    vault: Path,
    topics: bool,
    mocs: bool,
    all_links: bool,
    dry_run: bool,
    diff: bool,
    check_only: bool,
    created: datetime | None,
    folder: str | None,
    config_file: Path | None,
) -> int:
    """Create stub notes for missing topics, MOCs or link targets in VAULT."""
    if not (topics or mocs or all_links):
        raise click.UsageError("say what to create stubs for: --topics, --mocs and/or --all")
    modes = [flag for flag, given in (("--dry-run", dry_run), ("--diff", diff), ("--check", check_only)) if given]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined: give one of --dry-run, --diff, --check")
    mode: Mode = "check" if check_only else "diff" if diff else "dry-run" if dry_run else "write"
    if folder is not None:
        folder = _vault_folder(vault, folder)
    options = configured_options(vault, config_file)
    return run_stub(
        vault,
        options,
        topics=topics or all_links,
        mocs=mocs or all_links,
        links=all_links,
        mode=mode,
        created=(created or datetime.now()).date(),
        folder=folder,
        color=use_color(sys.stdout),
    )


def _vault_folder(vault: Path, folder: str) -> str:
    """The vault-relative path of ``--dir FOLDER``: a vault folder, or an absolute path inside the vault."""
    import posixpath

    from vaulttool.files.writers import UnsafeName, safe_relpath
    from vaulttool.model.vault import is_inside

    root = os.path.realpath(vault)
    if os.path.isabs(folder):
        relative = os.path.relpath(os.path.realpath(folder), root).replace(os.sep, "/")
    else:
        relative = posixpath.normpath(folder.replace(os.sep, "/"))
    if relative == ".." or relative.startswith("../") or not is_inside(os.path.realpath(vault / relative), root):
        raise click.UsageError(f"--dir '{folder}' is outside the vault: stubs are only created inside it")
    if relative == ".":
        return ""
    try:
        return safe_relpath(relative)
    except UnsafeName as exc:
        raise click.UsageError(f"--dir '{folder}': {exc.reason}") from exc


def _self_check(ctx: VaultContext, stub: PlannedStub) -> str | None:
    """Why a rendered stub would break its own schema (None when it passes)."""
    from vaulttool.model.notes import parse_note
    from vaulttool.model.schema import schema_for

    note = parse_note(stub.path, stub.text.encode("utf-8"))
    if note.problems:
        return note.problems[0].message
    schema = schema_for(ctx.schemas, stub.path, note.frontmatter)
    if schema is None:
        return None
    problems = schema.validate(note.frontmatter or {})
    return problems[0].message if problems else None


def _describe(stub: PlannedStub) -> str:
    from vaulttool.output.formatters import escape_text

    named = ", ".join(stub.sources)
    return f"{escape_text(stub.path)} ({stub.kind}, named by {escape_text(named)})"


def _diff(stub: PlannedStub) -> str:
    from vaulttool.output.formatters import escape_text

    lines = difflib.unified_diff([], stub.text.splitlines(keepends=True), "/dev/null", f"b/{stub.path}")
    return escape_text("".join(lines)).replace("\\n", "\n")


Refusal = tuple[str, int, str]  # the note naming the target, its line, why no stub is made


def prepare_stubs(
    vault: Path,
    options: Options,
    *,
    topics: bool,
    mocs: bool,
    links: bool,
    created: date,
    folder: str | None,
    ctx: VaultContext | None = None,
) -> tuple[list[PlannedStub], list[Refusal], list[Refusal]]:
    """The stubs ready to create (rendered, each passing its own schema), the refusals and the
    targets skipped on purpose (aliases of existing notes), sorted.

    ``ctx``: the vault loaded already with ``options`` (else it is loaded here).
    """
    from vaulttool.actions.stubs import StubPlan, load_template, plan_stubs, render
    from vaulttool.incremental.check import load_vault

    ctx = ctx or load_vault(vault, options).context
    plan: StubPlan = plan_stubs(
        ctx, topics=topics, mocs=mocs, links=links, folder=options.stub_dir if folder is None else folder
    )
    failed = [(d.path, d.line, d.message) for d in plan.refused]
    ready: list[PlannedStub] = []
    templates = {name: load_template(options.schema_dir, name) for name in ("stub.md", "moc-stub.md")}
    for stub in plan.stubs:
        stub.text = render(ctx, stub, templates["moc-stub.md" if stub.kind == "moc" else "stub.md"], created)
        problem = _self_check(ctx, stub)
        if problem is None:
            ready.append(stub)
        else:
            failed.append((stub.sources[0], 1, f"stub {stub.path} would break its schema ({problem}); not created"))
    return ready, sorted(failed), [(d.path, d.line, d.message) for d in plan.skipped]


def write_stubs(vault: Path, ready: list[PlannedStub]) -> list[WriteResult]:
    """Create the ``ready`` stubs through the safe writer (never over an existing file, never outside the vault)."""
    from vaulttool.files.writers import create_files

    return create_files(str(vault), {s.path: s.text.encode("utf-8") for s in ready})


def run_stub(
    vault: Path,
    options: Options,
    *,
    topics: bool,
    mocs: bool,
    links: bool,
    mode: Mode,
    created: date,
    folder: str | None,
    color: bool,
) -> int:
    """Plan and (in ``write`` mode) create stubs; return the exit code."""
    from vaulttool.actions.stubs import RULE, SKIPPED
    from vaulttool.output.formatters import escape_text

    ready, failed, skipped = prepare_stubs(
        vault, options, topics=topics, mocs=mocs, links=links, created=created, folder=folder
    )
    for rule, found in ((SKIPPED, skipped), (RULE, failed)):
        for path, line, message in found:
            where = click.style(f"{escape_text(path)}:{line}:", bold=True) if color else f"{escape_text(path)}:{line}:"
            click.echo(f"{where} {rule} {escape_text(message)}")
    if mode != "write":
        for stub in ready:
            click.echo(_diff(stub) if mode == "diff" else f"would create {_describe(stub)}", nl=mode != "diff")
        click.echo(f"{len(ready)} stub{'s' if len(ready) != 1 else ''} to create." if ready else "Nothing to create.")
        return 1 if failed or (mode == "check" and ready) else 0
    results = write_stubs(vault, ready)
    made = [r for r in results if r.written]
    for result in results:
        if result.written:
            click.echo(f"created {escape_text(result.path)}")
        else:
            click.echo(f"{escape_text(result.path)}: not created: {escape_text(result.reason)}")
    if not ready and not failed and not skipped:
        click.echo("Nothing to create: every target has a note.")
    else:
        click.echo(f"Created {len(made)} stub{'s' if len(made) != 1 else ''}.")
    return 1 if failed or any(not r.written and not r.existed for r in results) else 0
