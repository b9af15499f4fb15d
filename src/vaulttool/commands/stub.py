"""``vaulttool stub``: plan stubs, check them against their schema, then print or create them."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Literal

import click

from vaulttool.actions.stubs import RULE, SKIPPED, PlannedStub, StubPlan, load_template, plan_stubs, render
from vaulttool.engine.lint import Options, RuleContext, load_vault
from vaulttool.files.writers import WriteResult, create_files
from vaulttool.model.notes import parse_note
from vaulttool.model.schema import schema_for
from vaulttool.output.formatters import escape_text

Mode = Literal["write", "dry-run", "diff", "check"]


def _self_check(ctx: RuleContext, stub: PlannedStub) -> str | None:
    """Why a rendered stub would break its own schema (None when it passes)."""
    note = parse_note(stub.path, stub.text.encode("utf-8"))
    if note.problems:
        return note.problems[0].message
    schema = schema_for(ctx.schemas, stub.path, note.frontmatter)
    if schema is None:
        return None
    problems = schema.validate(note.frontmatter or {})
    return problems[0].message if problems else None


def _describe(stub: PlannedStub) -> str:
    named = ", ".join(stub.sources)
    return f"{escape_text(stub.path)} ({stub.kind}, named by {escape_text(named)})"


def _diff(stub: PlannedStub) -> str:
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
    ctx: RuleContext | None = None,
) -> tuple[list[PlannedStub], list[Refusal], list[Refusal]]:
    """The stubs ready to create (rendered, each passing its own schema), the refusals and the
    targets skipped on purpose (aliases of existing notes), sorted.

    ``ctx``: the vault loaded already with ``options`` (else it is loaded here).
    """
    ctx = ctx or load_vault(vault, options)
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
