"""What every subcommand shares: exit codes, option types, the output destination, configured options.

Kept light: importing it loads click and nothing of the engine, so that a re-run answered
from the cache starts fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from vaulttool.engine.options import Options
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.model.config import Settings

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
STATS_FORMAT_NAMES = ("text", "json")


class _Kept:
    """What the program keeps until it ends, when it ends at once (see :func:`keep_to_the_end`)."""

    values: list[object] | None = None  # None: the process goes on after the command (main called in it)


def ends_at_once() -> None:
    """From now on, what :func:`keep_to_the_end` is given is kept: the program ends with ``os._exit``."""
    _Kept.values = []


def keep_to_the_end(*values: object) -> None:
    """Keep ``values`` until the program ends, when it ends at once (:func:`ends_at_once`): a large check's
    report and printed text then go with the process instead of being freed one object at a time
    (tens of milliseconds at 10,000 notes). In a process that goes on after the command (``main`` called
    by a program, or a command that serves requests until it is stopped), it must keep nothing: only
    :func:`vaulttool.commands.cli.run` calls :func:`ends_at_once`, and only commands that end once done
    call this."""
    if _Kept.values is not None:
        _Kept.values.extend(values)


def split_rules(values: tuple[str, ...]) -> tuple[str, ...]:
    """Rule ids given as repeated, comma-separated values, in order."""
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


def emit(text: str | Iterable[str], target: Path | None) -> None:
    """Write ``text`` (or its parts in order) to ``target`` (see :func:`vaulttool.output.destination.output_target`)
    or, when None, to standard output."""
    from vaulttool.output.destination import write_output

    write_output(text, target)


def output_file(output: Path | None, vault: Path | None) -> Path | None:
    """The file ``-o``/``--html`` names (None: standard output); one that would touch the vault is refused."""
    from vaulttool.output.destination import output_target

    return output_target(output, vault)


class Choice(click.Choice):  # type: ignore[type-arg]
    """A choice whose error suggests the choices near what was given."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The choice ``value`` names; a bad one fails with the near choices."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            from vaulttool.model.suggest import did_you_mean

            hint = did_you_mean(str(value), map(str, self.choices))
            raise click.BadParameter(exc.message.rstrip(".") + hint, ctx, param) from None


CONFIG_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)
# checked by output_file, which refuses a folder or a vault file in one line
OUTPUT_PATH = click.Path(path_type=Path)


def configured_options(
    vault: Path,
    config_file: Path | None,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    settings: Settings | None = None,
) -> Options:
    """Options from the configuration (``settings`` when read already) and schemas; their errors
    become usage errors (exit 2)."""
    from vaulttool.engine.options import options_for
    from vaulttool.model.config import ConfigError
    from vaulttool.model.schema_files import SchemaError
    from vaulttool.rules import UnknownRule

    try:
        return options_for(vault, config_file, select, ignore, settings=settings)
    except (ConfigError, SchemaError, UnknownRule) as exc:
        raise SettingsError(str(exc)) from exc


def read_settings(vault: Path, config_file: Path | None) -> Settings:
    """The vault's settings, read once (a configuration file that cannot be read is a usage error, exit 2);
    each Obsidian settings file that was ignored is named on standard error."""
    from vaulttool.model.config import ConfigError, load_settings

    try:
        settings = load_settings(vault, config_file)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from exc
    for problem in settings.obsidian.problems:
        click.echo(f"vaulttool: info: {problem}", err=True)
    return settings


class SettingsError(click.ClickException):
    """A configuration file, schema or rule id that cannot be used: one line, exit 2, no usage block."""

    exit_code = EXIT_USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``vaulttool: error: MESSAGE`` on standard error."""
        click.echo(f"vaulttool: error: {self.format_message()}", err=True)


def open_cache(vault: Path, cache_dir: Path | None, content: bool) -> VaultCache | None:
    """The vault's cache: under ``cache_dir`` when given (refused inside the vault), else the platform's
    (unless inside the vault); ``content``: stamp notes by their bytes (see :mod:`vaulttool.files.stamps`)."""
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.incremental.housekeeping import default_cache_dir

    if cache_dir is None:
        return VaultCache.outside(default_cache_dir(), vault, content)
    if cache_dir.exists() and not cache_dir.is_dir():
        raise click.UsageError(f"--cache-dir '{cache_dir}' is a file, not a folder")
    cache = VaultCache.outside(cache_dir, vault, content)
    if cache is None:
        raise click.UsageError(f"--cache-dir '{cache_dir}' is inside the vault: vaulttool never writes its cache there")
    return cache


def cache_dir_option(file_okay: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--cache-dir`` (or ``VAULTTOOL_CACHE_DIR``); ``file_okay``: a file is refused only when the cache is used."""
    return click.option(
        "--cache-dir",
        type=click.Path(file_okay=file_okay, path_type=Path),
        metavar="DIR",
        envvar="VAULTTOOL_CACHE_DIR",
        help="Keep the cache here (default: the platform's cache folder, never inside the vault).",
    )


CACHE_DIR_OPTION = cache_dir_option()
