"""The command line: a click group whose commands parse options, call one function, return an int.

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from vaulttool import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMAT_NAMES = ("auto", "text", "json", "github", "sarif")


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


def resolve_format(fmt: str) -> str:
    """``auto`` is ``github`` under GitHub Actions (``GITHUB_ACTIONS=true``) and ``text`` elsewhere."""
    if fmt != "auto":
        return fmt
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (a file) or standard output."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.FileError(os.fspath(output), exc.strerror) from exc


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
    default="auto",
    show_default=True,
    help="Output format; auto is github under GitHub Actions, text elsewhere.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (comma-separated; repeatable).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option(
    "--changed-from",
    metavar="REF",
    help="github format: annotate files changed since REF first (default: origin/$GITHUB_BASE_REF).",
)
def check_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
    changed_from: str | None,
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
    fmt = resolve_format(fmt)
    if fmt == "github":
        from vaulttool import ci

        repo = ci.RepoContext.detect(vault, changed_from)
        emit(ci.format_github(report, repo), output)
        problem = ci.append_step_summary(report, repo)
        if problem:
            click.echo(f"vaulttool: {problem}", err=True)
    else:
        color = fmt == "text" and output is None and use_color(sys.stdout)
        emit(FORMATTERS[fmt](report, color), output)
    failing = report.count(Severity.ERROR) + (report.count(Severity.WARNING) if strict else 0)
    return EXIT_PROBLEMS if failing and not exit_zero else EXIT_OK


@cli.command("rules")
def rules_command() -> int:
    """List every rule with its id, default severity and documentation."""
    from vaulttool.rules import ALL_RULES, describe

    for rule in ALL_RULES:
        click.echo(f"{rule.ID} ({rule.DEFAULT_SEVERITY.value})")
        summary, body = describe(rule)
        click.echo(f"    {summary}")
        for line in body.splitlines():
            click.echo(f"    {line}".rstrip())
        click.echo()
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
