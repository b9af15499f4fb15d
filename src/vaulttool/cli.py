"""The command line: a click group whose commands parse options, call one function, return an int.

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from vaulttool import __version__

if TYPE_CHECKING:
    from vaulttool.cache import VaultCache

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


def _open_cache(vault: Path, cache_dir: Path | None) -> VaultCache | None:
    """The vault's cache: under ``cache_dir`` when given, else the platform's (unless inside the vault)."""
    from vaulttool.cache import VaultCache, default_cache_dir

    if cache_dir is not None:
        return VaultCache(cache_dir, vault)
    return VaultCache.outside(default_cache_dir(), vault)


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
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes that parse a large vault (0: one per CPU; 1: no worker processes).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VAULTTOOL_CACHE_DIR",
    help="Keep the cache here (default: the platform's cache folder, never inside the vault).",
)
def check_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
    jobs: int,
    no_cache: bool,
    cache_dir: Path | None,
) -> int:
    """Check every note of VAULT (default: the current folder)."""
    from vaulttool.formatters import FORMATTERS
    from vaulttool.lint import Options, check
    from vaulttool.models import Severity
    from vaulttool.progress import progress_bar

    options = Options(select=_split_rules(select), ignore=_split_rules(ignore))
    cache = None if no_cache else _open_cache(vault, cache_dir)
    try:
        with progress_bar(fmt == "text") as progress:
            report = check(vault, options, jobs=jobs, cache=cache, progress=progress)
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


def run() -> NoReturn:
    """The ``vaulttool`` program: :func:`main`, then exit at once with its code.

    A check of a large vault leaves millions of objects behind; collecting and freeing
    them one by one (as the interpreter does when it exits) takes longer than a re-run
    of the whole check, and the process is ending anyway. Output is flushed first.
    """
    gc.disable()  # nothing here lives long enough to need the cycle collector
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a broken pipe
            stream.flush()
    os._exit(code)
