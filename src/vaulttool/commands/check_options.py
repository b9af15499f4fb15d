"""The options of ``vaulttool check``, checked against each other: a request, then the engine's options."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaulttool.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    configured_options,
    open_cache,
    output_file,
    read_settings,
    resolve_format,
    split_rules,
    use_color,
)

if TYPE_CHECKING:
    from vaulttool.actions.fixer import FixSettings
    from vaulttool.commands.draft_input import StdinNote
    from vaulttool.engine.options import Options
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.model.config import Settings


@dataclass(frozen=True)
class CheckRequest:
    """What the check was asked to do, once its options are checked against each other."""

    vault: Path
    draft: StdinNote | None  # the note standard input stands for
    target: Path | None  # the report's file (None: standard output)
    fmt: str  # never auto
    color: bool
    cache: VaultCache | None
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    fixable: tuple[str, ...]
    unfixable: tuple[str, ...]
    unsafe_fixes: bool | None
    max_file_size: int | None
    config_file: Path | None
    settings: Settings  # read once, for the cache, the replay and the options
    obsidian_excludes: bool  # Obsidian's excluded files go unchecked
    changed_from: str | None
    jobs: int
    strict: bool
    exit_zero: bool
    statistics: bool
    fix: bool
    diff: bool

    def exit_code(self, errors: int, warnings: int) -> int:
        """1 when problems fail the check (warnings too with ``--strict``), unless ``--exit-zero``."""
        failing = errors + (warnings if self.strict else 0)
        return EXIT_PROBLEMS if failing and not self.exit_zero else EXIT_OK


def check_request(
    *,
    sources: tuple[str, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    exit_zero: bool,
    statistics: bool,
    config_file: Path | None,
    changed_from: str | None,
    max_file_size: int | None,
    jobs: int,
    no_cache: bool,
    cache_dir: Path | None,
    stdin_filename: str | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool | None,
    fixable: tuple[str, ...],
    unfixable: tuple[str, ...],
    stamp: str | None,
    no_obsidian_excludes: bool,
) -> CheckRequest:
    """The check's options as one request; options that contradict each other are usage errors."""
    from vaulttool.commands.draft_input import check_sources

    vault, draft = check_sources(sources, stdin_filename)
    if draft is not None and (fix or diff):
        raise click.UsageError("--fix and --diff repair the vault's files, not a note read from standard input")
    target = output_file(output, vault)
    if changed_from is not None:
        from vaulttool.output.ci import base_problem

        unresolved = base_problem(vault, changed_from)
        if unresolved is not None and unresolved[1]:
            raise click.UsageError(unresolved[0])
        if unresolved is not None:
            click.echo(f"vaulttool: warning: {unresolved[0]}", err=True)
    settings = read_settings(vault, config_file)
    cache = None
    if not no_cache:
        from vaulttool.files.stamps import wants_content

        cache = open_cache(vault, cache_dir, wants_content(stamp or settings.stamp))
    fmt = resolve_format(fmt)
    color = fmt == "text" and target is None and use_color(sys.stdout)
    if fix and diff:
        raise click.UsageError("--fix writes the fixes and --diff only shows them: choose one")
    if statistics and fmt not in ("text", "json"):
        raise click.UsageError("--statistics is printed as text or json, not as " + fmt)
    return CheckRequest(
        vault=vault,
        draft=draft,
        target=target,
        fmt=fmt,
        color=color,
        cache=cache,
        select=select,
        ignore=ignore,
        fixable=fixable,
        unfixable=unfixable,
        unsafe_fixes=unsafe_fixes,
        max_file_size=max_file_size,
        config_file=config_file,
        settings=settings,
        obsidian_excludes=not no_obsidian_excludes,
        changed_from=changed_from,
        jobs=jobs,
        strict=strict,
        exit_zero=exit_zero,
        statistics=statistics,
        fix=fix,
        diff=diff,
    )


def check_options(request: CheckRequest) -> tuple[Options, FixSettings]:
    """The configuration's options with the command line's on top, and the fixes that apply."""
    # imported only now: a re-run answered from the cache never loads the rules and schemas
    from vaulttool.actions.fixer import FixSettings

    options = configured_options(
        request.vault, request.config_file, split_rules(request.select), split_rules(request.ignore), request.settings
    )
    if not request.obsidian_excludes:
        options = dataclasses.replace(options, obsidian=options.obsidian.without_excludes())
    if request.max_file_size is not None:
        options = dataclasses.replace(options, max_file_size=request.max_file_size)
    options = dataclasses.replace(
        options,
        fixable=split_rules(request.fixable) or options.fixable,
        unfixable=(*split_rules(request.unfixable), *options.unfixable),
        unsafe_fixes=options.unsafe_fixes if request.unsafe_fixes is None else request.unsafe_fixes,
    )
    return options, FixSettings(options.unsafe_fixes, options.fixable, options.unfixable)
