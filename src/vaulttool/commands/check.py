"""``vaulttool check``: check a vault, or one note read from standard input; with --fix or --diff, repair it.

Importing this module loads click alone: a re-run answered from the cache (:mod:`vaulttool.incremental.replay`)
never loads the rules, the schemas or the engine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaulttool.commands.check_options import CheckRequest, check_options, check_request
from vaulttool.commands.common import (
    CONFIG_PATH,
    EXIT_OK,
    EXIT_PROBLEMS,
    OUTPUT_PATH,
    Choice,
    cache_dir_option,
    emit,
    keep_to_the_end,
)

if TYPE_CHECKING:
    from vaulttool.actions.fixer import FixSettings
    from vaulttool.engine.lint import Report
    from vaulttool.engine.options import Options
    from vaulttool.incremental.replay import Replay
    from vaulttool.model.config import Settings
    from vaulttool.output.formatters import Printed

FORMAT_NAMES = ("auto", "text", "json", "github", "sarif")
STAMP_KINDS = ("auto", "content", "mtime")  # see vaulttool.files.stamps (not imported here: it loads hashlib)


@click.command("check")
@click.argument("sources", nargs=-1, metavar="[-] [VAULT]")
@click.option(
    "--format",
    "--output-format",
    "fmt",
    type=Choice(FORMAT_NAMES),
    envvar="VAULTTOOL_OUTPUT_FORMAT",
    default="auto",
    show_default=True,
    help="Output format; auto is github under GitHub Actions, text elsewhere.",
)
@click.option("-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write the report to FILE (-: standard output).")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (comma-separated; repeatable).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--statistics", is_flag=True, help="Print how many problems each rule found, not the problems.")
@click.option("--config", "config_file", type=CONFIG_PATH, metavar="FILE", help="Use this configuration file.")
@click.option(
    "--changed-from",
    metavar="REF",
    help="github format: annotate files changed since REF first (default: origin/$GITHUB_BASE_REF).",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Report larger notes as unreadable instead of reading them (default: max-file-size, 16 MiB).",
)
@click.option(
    "-j",
    "--jobs",
    metavar="N",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes that parse a large vault (0: one per CPU; 1: no worker processes).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache (--cache-dir is then ignored).")
@cache_dir_option(file_okay=True)  # --no-cache ignores it, whatever it names
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With '-': check standard input as the note at PATH in the vault (nothing is written).",
)
@click.option("--fix", is_flag=True, help="Apply the fixes, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing (exit 1 if any).")
@click.option("--unsafe-fixes", is_flag=True, default=None, help="Apply unsafe fixes too (they may change meaning).")
@click.option("--fixable", multiple=True, metavar="RULES", help="Only these rules' fixes apply (comma-separated).")
@click.option("--unfixable", multiple=True, metavar="RULES", help="These rules' fixes never apply (comma-separated).")
@click.option(
    "--stamp",
    type=click.Choice(STAMP_KINDS),
    help="How the cache tells a note is unchanged: content (its bytes; survives checkouts), "
    "mtime (file times; cheaper) or auto (content when CI is set) [default: the stamp setting, else auto].",
)
@click.option(
    "--no-obsidian-excludes",
    is_flag=True,
    help="Check the files Obsidian's 'Excluded files' setting names too (default: they are only link targets).",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the settings read (configuration, Obsidian template folders and excluded files); check nothing.",
)
def check_command(show_settings: bool, **given: Any) -> int:
    """Check every note of VAULT (default: the current folder), or with '-' one note read from standard input;
    with --fix or --diff, repair what can be repaired."""
    request = check_request(**given)
    if show_settings:
        emit(settings_text(request.settings, request.obsidian_excludes), request.target)
        return EXIT_OK
    try:
        return _check(request)
    finally:
        if request.cache is not None:
            request.cache.close()  # a child process still taking stamps ends with the run


def _check(request: CheckRequest) -> int:
    """The check of :func:`check_command`, its settings shown or not."""
    replay = replay_for(request)
    ahead: tuple[Options, FixSettings] | Exception | None = None
    if replay is not None and replay.stamping:
        # the options are worked out while another process stamps the notes: an error counts
        # only when the printed report does not answer the run, as it does without that process
        try:
            ahead = check_options(request)
        except Exception as exc:
            ahead = exc
    answered = replay.answer() if replay is not None else None
    if replay is not None and answered is not None:
        if not replay.walked.notes:
            _no_notes(request.vault, replay.exclude)
        emit(answered[1], request.target)
        return request.exit_code(answered[0].errors, answered[0].warnings)
    if isinstance(ahead, Exception):
        raise ahead
    options, fixing = ahead or check_options(request)
    report, done = checked_report(request, options, fixing, replay)
    if request.diff:
        return EXIT_PROBLEMS if done and done[1] and not request.exit_zero else EXIT_OK
    if not report.notes:
        _no_notes(request.vault, options.exclude)
    write_report(request, report, replay)
    if done is not None:
        _tell_fixed(request, done, len(report.diagnostics))
    from vaulttool.model.values import Severity

    keep_to_the_end(report, replay)
    return request.exit_code(report.count(Severity.ERROR), report.count(Severity.WARNING))


def settings_text(settings: Settings, excludes: bool) -> str:
    """What ``--show-settings`` prints: where each setting that decides what is checked was read."""
    obsidian = settings.obsidian
    lines = [f"configuration: {settings.source or 'none (defaults)'}", f"obsidian settings folder: {obsidian.folder}"]
    found = ", ".join(obsidian.files) or "none (Obsidian's defaults: no template folder, no excluded file)"
    lines.append(f"obsidian settings files: {found}")
    lines.append("template folders (placeholders: no frontmatter, template or link diagnostics; links make no edges):")
    lines += [f"  {folder}/  from {source}" for folder, source in obsidian.templates] or ["  none"]
    how = "link targets, not checked" if excludes else "checked (--no-obsidian-excludes)"
    lines.append(f"excluded files ({obsidian.folder}/app.json userIgnoreFilters; {how}):")
    lines += [f"  {entry}" for entry in obsidian.excludes] or ["  none"]
    lines += [f"ignored: {problem}" for problem in obsidian.problems]
    return "\n".join(lines) + "\n"


def replay_for(request: CheckRequest) -> Replay | None:
    """The replay of the report printed last, for a text or JSON report of the vault (None: none applies)."""
    # a draft's report is never replayed (nor stored): it is not the file's
    if request.cache is None or request.fmt not in ("text", "json") or request.draft is not None:
        return None
    if request.fix or request.diff or request.statistics:
        return None
    from vaulttool.incremental.replay import Replay

    settings = (request.fmt, str(request.color), *request.select, "\0", *request.ignore, "\0")
    settings += (
        str(request.max_file_size),
        "\0",
        str(request.unsafe_fixes),
        *request.fixable,
        "\0",
        *request.unfixable,
        "\0",
        str(request.obsidian_excludes),
    )
    return Replay.open(request.cache, request.vault, request.settings, settings)


def checked_report(
    request: CheckRequest, options: Options, fixing: FixSettings, replay: Replay | None
) -> tuple[Report, tuple[int, int] | None]:
    """The report (with the fixes on offer), after fixing with ``--fix``, and the problems and notes fixed
    (with ``--diff``: to be fixed, the diff printed; the report is then not for printing)."""
    from vaulttool.actions.fixer import offered
    from vaulttool.incremental.check import check, check_draft
    from vaulttool.output.progress import progress_bar

    vault, jobs, cache = request.vault, request.jobs, request.cache
    done: tuple[int, int] | None = None
    try:
        if request.draft is not None:
            data = request.draft.read(options.max_file_size)
            report = check_draft(vault, request.draft.path, data, options, cache, jobs=jobs)  # the cache only read
        else:
            with progress_bar(request.fmt == "text") as progress:
                started = time.time_ns()
                if replay is not None:  # never with --fix or --diff
                    report = replay.check(options, jobs=jobs, progress=progress)
                else:
                    report = check(vault, options, cache, jobs=jobs, progress=progress, keep_context=False)
                if request.fix or request.diff:
                    done = _fix_vault(vault, report, options, fixing, started, request.diff, request.target)
                    if request.diff:
                        return report, done
                    if done[1]:  # what remains; the cache learns every written note here
                        if cache is not None:
                            cache.restamp()
                        report = check(vault, options, cache, jobs=jobs, progress=progress, keep_context=False)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    shown, hidden = offered(report.diagnostics, fixing)
    return dataclasses.replace(report, diagnostics=tuple(shown), unsafe_fixes=fixing.unsafe, hidden_fixes=hidden), done


def write_report(request: CheckRequest, report: Report, replay: Replay | None) -> None:
    """Write ``report`` in the request's format (or its statistics) to the request's target."""
    if request.statistics:
        from vaulttool.output.formatters import format_statistics

        emit(format_statistics(report, request.fmt, request.color), request.target)
        return
    from vaulttool.output.formats import FORMATTERS, Printing

    def render(reuse: Callable[[str], str | None] | None) -> Printed:
        return FORMATTERS[request.fmt](report, Printing(request.vault, request.color, request.changed_from, reuse))

    printed = replay.print(report, render) if replay is not None else render(None)
    emit(printed.blocks(), request.target)  # block by block: a large report is never joined whole
    keep_to_the_end(printed)
    problem = printed.after() if printed.after is not None else None
    if problem:
        click.echo(f"vaulttool: {problem}", err=True)


def _tell_fixed(request: CheckRequest, done: tuple[int, int], remaining: int) -> None:
    """How many problems ``--fix`` fixed in how many notes: on standard output after a text report there."""
    from vaulttool.output.formatters import plural

    line = f"Fixed {plural(done[0], 'problem')} in {plural(done[1], 'note')}; {remaining} remain."
    click.echo(line, err=not (request.fmt == "text" and request.target is None))


def _no_notes(vault: Path, exclude: tuple[str, ...]) -> None:
    """Warn that the vault holds no note (an empty folder, a wrong path, everything excluded)."""
    hint = f" (the configuration excludes {', '.join(exclude)})" if exclude else ""
    click.echo(f"vaulttool: warning: no notes found under '{vault}'{hint}", err=True)


def _fix_vault(
    vault: Path, report: Report, options: Options, fixing: FixSettings, started: int, diff: bool, target: Path | None
) -> tuple[int, int]:
    """Fix what ``report`` found (with ``diff``, print the diff to ``target`` instead); problems and notes fixed.

    Notes left alone are named on stderr with the reason.
    """
    from vaulttool.actions.fixer import plan_fixes, write_fixes
    from vaulttool.output.formatters import escape_text, plural

    plan = plan_fixes(vault, report.diagnostics, options, fixing, started)
    skipped = dict(plan.skipped)
    if not diff:
        skipped.update((r.path, r.reason) for r in write_fixes(vault, plan) if not r.written)
    for path, reason in skipped.items():
        click.echo(f"{escape_text(path)}: not fixed: {escape_text(reason)}", err=True)
    fixed = [note for note in plan.notes if note.path not in skipped]
    problems = sum(sum(note.fixed.values()) for note in fixed)
    if diff:
        emit([note.diff() for note in fixed], target)
        click.echo(f"Would fix {plural(problems, 'problem')} in {plural(len(fixed), 'note')}.", err=True)
    return problems, len(fixed)
