"""The command line: a click group whose commands parse options, call one function, return an int.

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from vaulttool import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMAT_NAMES = ("text", "json")
GRAPH_FORMAT_NAMES = ("json", "graphml", "gexf", "dot", "mermaid")


def _split_rules(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def use_color(stream: object) -> bool:
    """Colour only on a terminal; NO_COLOR turns it off, FORCE_COLOR on."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (a file) or standard output."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaulttool")
@click.option("--debug", is_flag=True, help="Show a full traceback when vaulttool itself fails.")
def cli(debug: bool) -> None:
    """Check Obsidian vaults: templates, links, MOCs; create stub notes for missing topics."""


@cli.command("check")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "--output-format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    envvar="VAULTTOOL_OUTPUT_FORMAT",
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (comma-separated; repeatable).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
def check_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
) -> int:
    """Check every note of VAULT (default: the current folder)."""
    from vaulttool.formatters import FORMATTERS
    from vaulttool.lint import Options, check
    from vaulttool.models import Severity

    options = Options(select=_split_rules(select), ignore=_split_rules(ignore))
    try:
        report = check(vault, options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    color = fmt == "text" and output is None and use_color(sys.stdout)
    emit(FORMATTERS[fmt](report, color), output)
    failing = report.count(Severity.ERROR) + (report.count(Severity.WARNING) if strict else 0)
    return EXIT_PROBLEMS if failing and not exit_zero else EXIT_OK


@cli.command("rules")
def rules_command() -> int:
    """List every rule with its id, default severity and documentation."""
    from vaulttool.rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.ID} ({rule.DEFAULT_SEVERITY.value})")
        doc = (rule.__doc__ or "").strip().split("\n", 1)
        body = doc[1].strip() if len(doc) > 1 else ""
        click.echo(f"    {doc[0].split(':', 1)[-1].strip()}")
        for line in body.splitlines():
            click.echo(f"    {line}".rstrip())
        click.echo()
    return EXIT_OK


def _refuse_vault_file(vault: Path, output: Path | None) -> None:
    """Refuse to write over an existing file inside the vault (a note or attachment would be lost)."""
    if output is None or not output.exists():
        return
    root, target = os.path.realpath(vault), os.path.realpath(output)
    if os.path.commonpath([root, target]) == root:
        raise click.UsageError(f"refusing to overwrite '{output}': it is a file inside the vault")


@cli.command("graph")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(GRAPH_FORMAT_NAMES), default="json", show_default=True, help="Export format."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the export to FILE.")
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an interactive, self-contained HTML page to FILE instead of an export.",
)
@click.option("--no-attachments", is_flag=True, help="Leave attachments out.")
@click.option("--folder", metavar="PATH", help="Keep only the files under this vault folder.")
@click.option("--around", metavar="NOTE", help="Keep only the nodes within --depth links of NOTE.")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True, help="Link distance for --around.")
def graph_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    html: Path | None,
    no_attachments: bool,
    folder: str | None,
    around: str | None,
    depth: int,
) -> int:
    """Export the link graph of VAULT (default: the current folder) as data or as a page."""
    from vaulttool.graph_export import GRAPH_FORMATS, GraphSelectionError, graph_data
    from vaulttool.lint import Options, enabled_rules, load_vault, run_rules

    given = click.get_current_context().get_parameter_source
    if html is not None and (output is not None or given("fmt") is not ParameterSource.DEFAULT):
        raise click.UsageError("--html writes the page to its own FILE: leave out --format and -o/--output")
    if around is None and given("depth") is not ParameterSource.DEFAULT:
        raise click.UsageError("--depth needs --around NOTE")
    _refuse_vault_file(vault, html or output)
    options = Options()
    ctx = load_vault(vault, options)
    try:
        data = graph_data(ctx, attachments=not no_attachments, folder=folder, around=around, depth=depth)
    except GraphSelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    if html is None:
        emit(GRAPH_FORMATS[fmt](data), output)
        return EXIT_OK
    from vaulttool.graph_html import render_page

    emit(render_page(data, run_rules(ctx, enabled_rules(options), options), os.fspath(vault)), html)
    return EXIT_OK


@cli.command("stats")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the statistics to FILE.")
def stats_command(vault: Path, fmt: str, output: Path | None) -> int:
    """Count the notes, links, orphans, hubs and components of VAULT (default: the current folder)."""
    import shutil

    from vaulttool.lint import Options, load_vault
    from vaulttool.stats import stats_json, stats_text, vault_stats

    _refuse_vault_file(vault, output)
    stats = vault_stats(load_vault(vault, Options()), os.fspath(vault))
    if fmt == "json":
        emit(stats_json(stats), output)
    else:
        terminal = output is None and sys.stdout.isatty()
        width = shutil.get_terminal_size((120, 24)).columns if terminal else 120
        emit(stats_text(stats, output is None and use_color(sys.stdout), width), output)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; the one error boundary of the program."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = cli.main(args=args, prog_name="vaulttool", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # the error boundary: anything else is a bug
        if "--debug" in args:
            raise
        click.echo(
            f"vaulttool: internal error ({type(exc).__name__}: {exc}); this is a bug, "
            "please report it (rerun with --debug for the traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK
