"""The command line: a click group whose commands parse options, call one function, return an int.

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaulttool import __version__

if TYPE_CHECKING:
    from vaulttool.lint import Options

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMAT_NAMES = ("text", "json")


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


CONFIG_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)


def configured_options(
    vault: Path, config_file: Path | None, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> Options:
    """Options from the configuration and schemas; their errors become usage errors (exit 2)."""
    from vaulttool.config import ConfigError
    from vaulttool.lint import options_for
    from vaulttool.schema import SchemaError

    try:
        return options_for(vault, config_file, select, ignore)
    except (ConfigError, SchemaError) as exc:
        raise click.UsageError(str(exc)) from exc


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
@click.option("--config", "config_file", type=CONFIG_PATH, help="Use this configuration file.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Report larger notes as unreadable instead of reading them (default: max-file-size, 16 MiB).",
)
def check_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
    config_file: Path | None,
    max_file_size: int | None,
) -> int:
    """Check every note of VAULT (default: the current folder)."""
    import dataclasses

    from vaulttool.formatters import FORMATTERS
    from vaulttool.lint import check
    from vaulttool.models import Severity

    options = configured_options(vault, config_file, _split_rules(select), _split_rules(ignore))
    if max_file_size is not None:
        options = dataclasses.replace(options, max_file_size=max_file_size)
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


@cli.group("schema")
def schema_group() -> None:
    """Work with template schemas."""


@schema_group.command("export")
@click.argument("name")
@click.option(
    "--vault",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="Vault whose configuration picks the schemas (default: the current folder).",
)
@click.option("--config", "config_file", type=CONFIG_PATH, help="Use this configuration file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
def schema_export_command(name: str, vault: Path, config_file: Path | None, output: Path | None) -> int:
    """Write the JSON Schema of schema NAME's frontmatter (for editors)."""
    import json

    options = configured_options(vault, config_file)
    schema = next((s for s in options.schemas if s.name == name), None)
    if schema is None:
        known = ", ".join(s.name for s in options.schemas) or "none"
        raise click.UsageError(f"no schema named '{name}' (known: {known})")
    document = schema.model.model_json_schema(by_alias=True)
    emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", output)
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
        from vaulttool.formatters import escape_text, inert_line

        reason = inert_line(escape_text(f"{type(exc).__name__}: {exc}"))
        click.echo(
            f"vaulttool: internal error ({reason}); this is a bug, "
            "please report it (rerun with --debug for the traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK
