"""The command line: a click group whose commands parse options, call one function, return an int.

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, NoReturn

import click
from click.core import ParameterSource

from vaulttool import __version__

if TYPE_CHECKING:
    from vaulttool.actions.fixer import FixSettings
    from vaulttool.engine.lint import Options, Report
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.model.vault import WalkResult

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
FORMAT_NAMES = ("auto", "text", "json", "github", "sarif")
STATS_FORMAT_NAMES = ("text", "json")
GRAPH_FORMAT_NAMES = ("json", "graphml", "gexf", "dot", "mermaid")
STAMP_KINDS = ("auto", "content", "mtime")  # see vaulttool.files.stamps (not imported here: it loads hashlib)


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
    vault: Path, config_file: Path | None, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> Options:
    """Options from the configuration and schemas; their errors become usage errors (exit 2)."""
    from vaulttool.engine.lint import options_for
    from vaulttool.model.config import ConfigError
    from vaulttool.model.schema import SchemaError
    from vaulttool.rules import UnknownRule

    try:
        return options_for(vault, config_file, select, ignore)
    except (ConfigError, SchemaError, UnknownRule) as exc:
        raise SettingsError(str(exc)) from exc


class SettingsError(click.ClickException):
    """A configuration file, schema or rule id that cannot be used: one line, exit 2, no usage block."""

    exit_code = EXIT_USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``vaulttool: error: MESSAGE`` on standard error."""
        click.echo(f"vaulttool: error: {self.format_message()}", err=True)


def _open_cache(vault: Path, cache_dir: Path | None, content: bool) -> VaultCache | None:
    """The vault's cache: under ``cache_dir`` when given (refused inside the vault), else the platform's
    (unless inside the vault); ``content``: stamp notes by their bytes (see :mod:`vaulttool.files.stamps`)."""
    from vaulttool.incremental.cache import VaultCache, default_cache_dir

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaulttool")
@click.option("--debug", is_flag=True, help="Show a full traceback when vaulttool itself fails.")
def cli(debug: bool) -> None:
    """Check Obsidian vaults: templates, links, MOCs; create stub notes for missing topics."""


@cli.command("check")
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
def check_command(
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
) -> int:
    """Check every note of VAULT (default: the current folder), or with '-' one note read from standard input;
    with --fix or --diff, repair what can be repaired."""
    from vaulttool.commands.draft_input import check_sources

    vault, draft = check_sources(sources, stdin_filename)
    if draft is not None and (fix or diff):
        raise click.UsageError("--fix and --diff repair the vault's files, not a note read from standard input")

    def exit_code(errors: int, warnings: int) -> int:
        failing = errors + (warnings if strict else 0)
        return EXIT_PROBLEMS if failing and not exit_zero else EXIT_OK

    target = output_file(output, vault)
    if changed_from is not None:
        from vaulttool.output.ci import base_problem

        unresolved = base_problem(vault, changed_from)
        if unresolved is not None and unresolved[1]:
            raise click.UsageError(unresolved[0])
        if unresolved is not None:
            click.echo(f"vaulttool: warning: {unresolved[0]}", err=True)
    cache = None
    if not no_cache:
        from vaulttool.files.stamps import wants_content
        from vaulttool.model.config import stamp_setting

        cache = _open_cache(vault, cache_dir, wants_content(stamp or stamp_setting(vault, config_file)))
    fmt = resolve_format(fmt)
    color = fmt == "text" and target is None and use_color(sys.stdout)
    replay, stored = None, None
    if fix and diff:
        raise click.UsageError("--fix writes the fixes and --diff only shows them: choose one")
    if statistics and fmt not in ("text", "json"):
        raise click.UsageError("--statistics is printed as text or json, not as " + fmt)
    # a draft's report is never replayed (nor stored): it is not the file's
    if cache is not None and fmt in ("text", "json") and not (fix or diff or statistics) and draft is None:
        settings = (fmt, str(color), *select, "\0", *ignore, "\0", str(max_file_size))
        settings += ("\0", str(unsafe_fixes), *fixable, "\0", *unfixable)
        replay = _replay_key(cache, vault, config_file, settings)
        stored = cache.load_output() if replay is not None else None
        if replay is not None and stored is not None and stored[0].key == replay.key:
            if not replay.walked.notes:
                _no_notes(vault, replay.exclude)
            emit(stored[1], target)
            return exit_code(stored[0].errors, stored[0].warnings)
    # imported only now: a re-run answered from the cache never loads the rules and schemas
    import dataclasses

    from vaulttool.actions.fixer import FixSettings, offered
    from vaulttool.engine.lint import check, check_draft
    from vaulttool.model.values import Severity
    from vaulttool.output.formatters import FORMATTERS, plural
    from vaulttool.output.progress import progress_bar

    options = configured_options(vault, config_file, _split_rules(select), _split_rules(ignore))
    if max_file_size is not None:
        options = dataclasses.replace(options, max_file_size=max_file_size)
    options = dataclasses.replace(
        options,
        fixable=_split_rules(fixable) or options.fixable,
        unfixable=(*_split_rules(unfixable), *options.unfixable),
        unsafe_fixes=options.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
    )
    fixing = FixSettings(options.unsafe_fixes, options.fixable, options.unfixable)
    walked = replay.walked if replay is not None and replay.exclude == options.exclude else None
    done: tuple[int, int] | None = None  # problems and notes fixed
    try:
        if draft is not None:
            data = draft.read(options.max_file_size)
            report = check_draft(vault, draft.path, data, options, jobs=jobs, cache=cache)  # the cache only read
        else:
            with progress_bar(fmt == "text") as progress:
                started = time.time_ns()
                report = check(
                    vault, options, jobs=jobs, cache=cache, progress=progress, walked=walked, keep_context=False
                )
                if fix or diff:
                    done = _fix_vault(vault, report, options, fixing, started, diff, target)
                    if diff:
                        return EXIT_PROBLEMS if done[1] and not exit_zero else EXIT_OK
                    if done[1]:  # what remains; the cache learns every written note here
                        report = check(vault, options, jobs=jobs, cache=cache, progress=progress, keep_context=False)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    shown, hidden = offered(report.diagnostics, fixing)
    report = dataclasses.replace(report, diagnostics=tuple(shown), unsafe_fixes=fixing.unsafe, hidden_fixes=hidden)
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if not report.notes:
        _no_notes(vault, options.exclude)
    if statistics:
        from vaulttool.output.formatters import format_statistics

        emit(format_statistics(report, fmt, color), target)
    elif fmt == "github":
        from vaulttool.output import ci

        repo = ci.RepoContext.detect(vault, changed_from)
        emit(ci.format_github(report, repo), target)
        problem = ci.append_step_summary(report, repo)
        if problem:
            click.echo(f"vaulttool: {problem}", err=True)
    elif fmt not in ("text", "json"):
        emit(FORMATTERS[fmt](report, color), target)
    else:
        from vaulttool.output.formatters import Printed, print_report

        previous = None
        if replay is not None and stored is not None and stored[0].settings == replay.settings and stored[0].state:
            previous = Printed([stored[1]], stored[0].spans, stored[0].state)
        stored = None  # the old text can go once the new one is made
        printed = print_report(fmt, report, color, previous)
        emit(printed.parts, target)  # part by part: a large report is never joined whole
        if cache is not None and replay is not None:
            from vaulttool.incremental.cache import Output

            key = replay.key if cache.all_settled() else ""  # files changed just now: never printed again as is
            kept = Output(key, replay.settings, errors, warnings, printed.spans, printed.state or "")
            cache.save_output(kept, printed.parts)
    if done is not None:
        line = f"Fixed {plural(done[0], 'problem')} in {plural(done[1], 'note')}; {len(report.diagnostics)} remain."
        if fmt == "text" and target is None:
            click.echo(line)
        else:
            click.echo(line, err=True)
    return exit_code(errors, warnings)


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


class _Replay(NamedTuple):
    key: str  # the settings, the vault's path as given (the JSON report names it) and the stamp of every file
    settings: str  # the settings alone: a report printed under them has the same text for each file
    walked: WalkResult
    exclude: tuple[str, ...]


def _replay_key(cache: VaultCache, vault: Path, config_file: Path | None, settings: tuple[str, ...]) -> _Replay | None:
    """The keys of the printed report of ``vault`` under these settings, the vault's files and the exclusions.

    Made from the files the settings come from, not from validated settings, so that an
    unchanged vault is answered without loading them (None when they cannot be read).
    """
    from vaulttool.incremental.cache import fingerprint
    from vaulttool.model.config import settings_digest
    from vaulttool.model.vault import walk_vault

    found = settings_digest(vault, config_file, *settings)
    if found is None:
        return None
    digest, exclude = found
    walked = walk_vault(vault, exclude)
    settings_key = fingerprint(b"output", digest.encode())
    key = cache.result_key(f"{settings_key}\0{os.fspath(vault)}", walked)
    return _Replay(key, settings_key, walked, exclude)


@cli.command("stub")
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
    from vaulttool.commands.stub import Mode, run_stub

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


@cli.command("mv")
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
    from vaulttool.commands.mv import MoveMode, run_mv

    if dry_run and diff:
        raise click.UsageError("--dry-run and --diff cannot be combined")
    mode: MoveMode = "diff" if diff else "dry-run" if dry_run else "write"
    return run_mv(vault, source, destination, mode)


@cli.command("rules")
@click.argument("rule_id", metavar="[RULE]", required=False)
@click.option(
    "--format", "fmt", type=Choice(STATS_FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
def rules_command(rule_id: str | None, fmt: str) -> int:
    """List the rules (id, default severity, scope, summary), or print RULE's documentation."""
    import json
    import shutil
    import textwrap

    from vaulttool.rules import ALL_RULES, SCOPE_WORDS, UnknownRule, describe, rule_named, rule_scope

    try:
        chosen = [rule_named(rule_id)] if rule_id is not None else list(ALL_RULES)
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc
    entries = []
    for rule in chosen:
        summary, body = describe(rule)
        entry = {"id": rule.ID, "severity": rule.DEFAULT_SEVERITY.value, "scope": rule_scope(rule), "summary": summary}
        entries.append(entry if rule_id is None else {**entry, "documentation": body})
    if fmt == "json":
        click.echo(json.dumps(entries[0] if rule_id is not None else entries, indent=2, ensure_ascii=False))
    elif rule_id is None:
        width = max(len(entry["id"]) for entry in entries)
        for entry in entries:
            click.echo(f"{entry['id']:<{width}}  {entry['severity']:<7}  {entry['scope']:<5}  {entry['summary']}")
    else:
        entry = entries[0]
        width = min(shutil.get_terminal_size((88, 24)).columns, 88) if sys.stdout.isatty() else 88
        click.echo(f"{entry['id']}: {entry['summary']}")
        click.echo(f"Default severity: {entry['severity']}")
        click.echo(f"Scope: {entry['scope']} ({SCOPE_WORDS[entry['scope']]})")
        for paragraph in entry["documentation"].split("\n\n"):
            click.echo()
            click.echo(textwrap.fill(paragraph, width, break_long_words=False, break_on_hyphens=False))
    return EXIT_OK


@cli.group("cache", invoke_without_command=True)
@CACHE_DIR_OPTION
@click.pass_context
def cache_group(ctx: click.Context, cache_dir: Path | None) -> int:
    """Show where the cache is and how large, per vault (``cache clean`` empties it)."""
    from vaulttool.incremental.cache import cache_entries, default_cache_dir

    ctx.obj = base = cache_dir or default_cache_dir()
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    entries = cache_entries(base)
    total = sum(entry.size for entry in entries)
    click.echo(f"{base}: {_size(total)} in {len(entries)} vault{'' if len(entries) == 1 else 's'}")
    for entry in reversed(entries):  # most recently checked first
        when = datetime.fromtimestamp(entry.used).strftime("%Y-%m-%d %H:%M")
        click.echo(f"  {_size(entry.size):>9}  {when}  {entry.vault or '(vault not recorded)'}")
    return EXIT_OK


def _size(count: int) -> str:
    """A byte count the way people read it (``12.3 MB``)."""
    if count < 1000:
        return f"{count} B"
    size = count / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


@cache_group.command("clean")
@CACHE_DIR_OPTION
@click.pass_obj
def cache_clean_command(base: Path, cache_dir: Path | None) -> int:
    """Remove every vault's entry from the cache."""
    from vaulttool.incremental.cache import cache_entries, remove_entry

    base = cache_dir or base
    entries = cache_entries(base)
    for entry in entries:
        remove_entry(entry)
    freed = sum(entry.size for entry in entries)
    click.echo(f"{base}: removed {len(entries)} vault entr{'y' if len(entries) == 1 else 'ies'} ({_size(freed)})")
    return EXIT_OK


@cli.group("schema")
def schema_group() -> None:
    """Work with template schemas."""


@schema_group.command("export")
@click.argument("name")
@click.option(
    "--vault",
    metavar="VAULT",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="Vault whose configuration picks the schemas (default: the current folder).",
)
@click.option("--config", "config_file", type=CONFIG_PATH, metavar="FILE", help="Use this configuration file.")
@click.option("-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write to FILE (-: standard output).")
def schema_export_command(name: str, vault: Path, config_file: Path | None, output: Path | None) -> int:
    """Write the JSON Schema of schema NAME's frontmatter (for editors)."""
    import json

    target = output_file(output, vault)
    options = configured_options(vault, config_file)
    schema = next((s for s in options.schemas if s.name == name), None)
    if schema is None:
        from vaulttool.model.suggest import did_you_mean

        names = [s.name for s in options.schemas]
        hint = did_you_mean(name, names)
        raise click.UsageError(f"no schema named '{name}'{hint}; the schemas are {', '.join(names) or 'none'}")
    document = schema.model.model_json_schema(by_alias=True)
    emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", target)
    return EXIT_OK


@cli.command("graph")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=Choice(GRAPH_FORMAT_NAMES), default="json", show_default=True, help="Export format."
)
@click.option("-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write the export to FILE (-: standard output).")
@click.option(
    "--html",
    type=OUTPUT_PATH,
    metavar="FILE",
    help="Write an interactive, self-contained HTML page to FILE instead of an export.",
)
@click.option("--no-attachments", is_flag=True, help="Leave attachments out.")
@click.option("--folder", metavar="PATH", help="Keep only the files under this vault folder.")
@click.option("--around", metavar="NOTE", help="Keep only the nodes within --depth links of NOTE.")
@click.option(
    "--depth", type=click.IntRange(min=0), default=1, metavar="N", show_default=True, help="Link distance for --around."
)
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
    from vaulttool.engine.lint import enabled_rules, load_vault, run_rules
    from vaulttool.output.graph_export import GRAPH_FORMATS, GraphSelectionError, graph_data

    given = click.get_current_context().get_parameter_source
    if html is not None and (output is not None or given("fmt") is not ParameterSource.DEFAULT):
        raise click.UsageError("--html writes the page to its own FILE: leave out --format and -o/--output")
    if around is None and given("depth") is not ParameterSource.DEFAULT:
        raise click.UsageError("--depth needs --around NOTE")
    target = output_file(html or output, vault)
    options = configured_options(vault, None)
    rules = enabled_rules(options) if html is not None else []
    ctx = load_vault(vault, options, rules=rules)
    try:
        data = graph_data(ctx, attachments=not no_attachments, folder=folder, around=around, depth=depth)
    except GraphSelectionError as exc:
        raise click.UsageError(str(exc)) from exc
    if html is None:
        emit(GRAPH_FORMATS[fmt](data), target)
        return EXIT_OK
    from vaulttool.output.graph_html import render_page

    emit(render_page(data, run_rules(ctx, rules, options), os.fspath(vault)), target)
    return EXIT_OK


@cli.command("stats")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=Choice(STATS_FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
@click.option(
    "-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write the statistics to FILE (-: standard output)."
)
def stats_command(vault: Path, fmt: str, output: Path | None) -> int:
    """Count the notes, links, orphans, hubs and components of VAULT (default: the current folder)."""
    import shutil

    from vaulttool.engine.lint import load_vault
    from vaulttool.output.stats import stats_json, stats_text, vault_stats

    target = output_file(output, vault)
    stats = vault_stats(load_vault(vault, configured_options(vault, None)), os.fspath(vault))
    if fmt == "json":
        emit(stats_json(stats), target)
    else:
        terminal = target is None and sys.stdout.isatty()
        width = shutil.get_terminal_size((120, 24)).columns if terminal else 120
        emit(stats_text(stats, target is None and use_color(sys.stdout), width), target)
    return EXIT_OK


def _add_mcp_command() -> None:
    from vaulttool.commands.mcp import mcp_command

    cli.add_command(mcp_command)


_add_mcp_command()


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; the one error boundary of the program."""
    from vaulttool.output.destination import OutputError, ensure_stdout

    args = sys.argv[1:] if argv is None else argv
    ensure_stdout()
    try:
        result = cli.main(args=args, prog_name="vaulttool", standalone_mode=False)
        sys.stdout.flush()  # what is still buffered fails here, not unseen at exit
    except SystemExit:  # click's answer to a closed pipe (``| head``): the reader has all it wanted
        return EXIT_OK
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted()
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OutputError as exc:
        return _fail(str(exc))
    except OSError as exc:
        if exc.filename is None and exc.errno in _OUTPUT_ERRNOS:  # standard output is full, closed or failing
            return _fail(f"cannot write the report: {exc.strerror or exc}")
        return _internal_error(exc, args)
    except MemoryError:
        command = next((arg for arg in args if not arg.startswith("-")), "")
        return _fail(f"out of memory while running 'vaulttool {command}'; free some memory or check less at once")
    except Exception as exc:  # the error boundary: anything else is a bug
        return _internal_error(exc, args)
    return result if isinstance(result, int) else EXIT_OK


# errors of a write to standard output (file names are not involved)
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _fail(message: str) -> int:
    """One line on standard error for a run that could not do its job, and the usage exit code."""
    click.echo(f"vaulttool: error: {message}", err=True)
    return EXIT_USAGE


def _internal_error(exc: BaseException, args: list[str]) -> int:
    """A bug: one line on standard error (the traceback with ``--debug``), exit 3."""
    if "--debug" in args:
        raise exc
    from vaulttool.output.formatters import escape_text, inert_line

    reason = inert_line(escape_text(f"{type(exc).__name__}: {exc}"))
    click.echo(
        f"vaulttool: internal error ({reason}); this is a bug, please report it (rerun with --debug for the traceback)",
        err=True,
    )
    return EXIT_INTERNAL


def _interrupted() -> int:
    """Ctrl-C: one line, and the shell's code for a run stopped by SIGINT (128 + 2)."""
    click.echo("vaulttool: interrupted", err=True)
    return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The ``vaulttool`` program: :func:`main`, then exit at once with its code.

    A check of a large vault leaves millions of objects behind; collecting and freeing
    them one by one (as the interpreter does when it exits) takes longer than a re-run
    of the whole check, and the process is ending anyway. Output is flushed first.
    """
    gc.disable()  # nothing here lives long enough to need the cycle collector
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is over: a late Ctrl-C changes nothing
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a broken pipe
            stream.flush()
    os._exit(code)
