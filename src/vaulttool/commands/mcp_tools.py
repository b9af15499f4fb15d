"""The MCP tools of ``vaulttool mcp``, bound to one vault; :mod:`vaulttool.commands.mcp_server` serves them.

Every tool is a thin layer over the engine that the command line uses: ``check_note`` is
``check --stdin-filename``, ``check_vault`` is ``check``, ``create_stubs`` is ``stub``
(same plan, same safe writer, same refusals). Paths are vault-relative and checked
before use, so no tool reads or names a file outside the vault; every answer is capped
in size; a bad request gets a tool error that says what was wrong, and the server goes on.
Nothing is written unless the server was started with ``--allow-write``, and then only
stubs, through :mod:`vaulttool.files.writers`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from vaulttool.commands.mcp_answers import (
    MAX_ANSWER_CHARS,
    MAX_ITEMS,
    MAX_LINK_CHARS,
    MAX_SOURCES,
    MAX_TEXT_BYTES,
    NextNote,
    NextNotes,
    NoteReport,
    PlannedStub,
    Refused,
    Resolution,
    StubsAnswer,
    Summary,
    Template,
    VaultReport,
    Written,
    capped,
)
from vaulttool.engine.lint import Report, run_rules
from vaulttool.engine.load import Loaded, load_vault
from vaulttool.engine.options import Options, enabled_rules, options_for
from vaulttool.incremental.check import check_draft
from vaulttool.incremental.source import PoolSource
from vaulttool.model.values import Diagnostic

if TYPE_CHECKING:
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.rules.context import VaultContext

Paths = Annotated[list[str], Field(max_length=MAX_ITEMS)]


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    from vaulttool.output.formatters import diagnostic_json

    return diagnostic_json(d)


def _diagnostics(
    found: list[Diagnostic] | tuple[Diagnostic, ...], options: Options
) -> tuple[list[dict[str, Any]], bool]:
    """``found`` as JSON items (within the answer's caps), with the fixes ``check`` would offer."""
    from vaulttool.actions.fixer import FixSettings, offered

    shown = offered(found, FixSettings(options.unsafe_fixes, options.fixable, options.unfixable))[0]
    return capped([_diagnostic(d) for d in shown], lambda item: len(json.dumps(item)) + 2)


@contextmanager
def _tool_errors() -> Iterator[None]:
    """Engine and input errors become tool errors whose message the client shows."""
    from vaulttool.model.config import ConfigError
    from vaulttool.model.schema_files import SchemaError

    try:
        yield
    except (ValueError, OSError, ConfigError, SchemaError) as exc:
        raise ToolError(str(exc)) from exc


def _path(path: str, note: bool = True) -> str:
    from vaulttool.model.vault import note_path, vault_relpath

    try:
        return note_path(path) if note else vault_relpath(path)
    except ValueError as exc:
        raise ToolError(str(exc)) from exc


class VaultTools:
    """The tools, bound to one vault."""

    def __init__(
        self, vault: Path, config_file: Path | None = None, allow_write: bool = False, cache_dir: Path | None = None
    ) -> None:
        """Serve ``vault`` (its configuration from ``config_file`` when given); write stubs only when allowed.

        ``cache_dir``: the cache ``vaulttool check`` keeps (default: the platform's), only
        ever read here, to save parsing notes that have not changed since it was written.
        """
        self.vault = vault
        self.config_file = config_file
        self.allow_write = allow_write
        self.cache_dir = cache_dir

    def cache(self) -> VaultCache | None:
        """The vault's cache for one request (file stamps are taken once per request)."""
        from vaulttool.incremental.cache import VaultCache
        from vaulttool.incremental.housekeeping import default_cache_dir

        return VaultCache.outside(self.cache_dir or default_cache_dir(), self.vault)

    def options(self, select: tuple[str, ...] = ()) -> Options:
        """The vault's options, read again for every request (the configuration may change)."""
        with _tool_errors():
            return options_for(self.vault, self.config_file, select)

    def loaded(self, options: Options, rules: list[ModuleType] | None = None) -> Loaded[VaultContext]:
        """The vault loaded in this process (the server never starts worker processes), ``rules`` run on
        each note; the cache is read, never written."""
        source = PoolSource(self.vault, options, self.cache(), jobs=1, writes=False)
        with _tool_errors():
            return load_vault(self.vault, options, source=source, rules=rules or ())

    def check_note(self, path: str, text: str) -> NoteReport:
        """Check a draft as if it were the note at vault path `path`: the diagnostics `vaulttool check` would
        give the saved file (its template, its links resolved against the vault, vault-wide rules with the
        draft in the file's place). Writes nothing."""
        path = _path(path)
        if len(text) > MAX_TEXT_BYTES:
            raise ToolError(f"text is {len(text)} characters; check_note takes at most {MAX_TEXT_BYTES} bytes")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ToolError(f"text is not valid Unicode (a lone surrogate at character {exc.start})") from exc
        if len(data) > MAX_TEXT_BYTES:
            raise ToolError(f"text is {len(data)} bytes as UTF-8; check_note takes at most {MAX_TEXT_BYTES}")
        options = self.options()
        with _tool_errors():
            report = check_draft(self.vault, path, data, options, self.cache(), jobs=1)
        from vaulttool.output.formatters import summary

        diagnostics, truncated = _diagnostics(report.diagnostics, options)
        return NoteReport(path=path, summary=Summary(**summary(report)), diagnostics=diagnostics, truncated=truncated)

    def check_vault(
        self,
        rules: Paths | None = None,
        paths: Paths | None = None,
        limit: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> VaultReport:
        """Check the whole vault (only `rules` when given; only diagnostics of `paths`, notes or folders, when
        given): counts by rule and one page of diagnostics from `offset`; `next_offset` fetches the next page."""
        wanted = [_path(p, note=False) for p in paths or ()]
        options = self.options(tuple(rules or ()))
        with _tool_errors():
            enabled = enabled_rules(options)
            loaded = self.loaded(options, enabled)
            found_all = run_rules(loaded, enabled, options)
        report = Report(str(self.vault), len(loaded.context.notes), loaded.link_count, tuple(found_all))
        found = [d for d in found_all if not wanted or any(_under(d.path, p) for p in wanted)]
        from vaulttool.output.formatters import summary

        page = _diagnostics(found[offset : offset + limit], options)[0]  # cut short: next_offset goes on
        end = offset + len(page)
        return VaultReport(
            summary=Summary(**summary(report)),
            by_rule=dict(sorted(Counter(d.rule for d in found).items())),
            total=len(found),
            offset=offset,
            next_offset=end if end < len(found) else None,
            diagnostics=page,
        )

    def template(self, name: str) -> Template:
        """A template by name: the JSON Schema of its frontmatter and an empty skeleton note to fill in."""
        from vaulttool.model.template import skeleton

        schemas = self.options().schemas
        schema = next((s for s in schemas if s.name == name), None)
        if schema is None:
            known = ", ".join(s.name for s in schemas) or "none"
            raise ToolError(f"no template named {name[:100]!r} (known: {known})")
        answer = Template(
            name=schema.name,
            description=schema.spec.description,
            json_schema=schema.model.model_json_schema(by_alias=True),
            skeleton=skeleton(schema.spec),
        )
        if len(answer.model_dump_json()) > MAX_ANSWER_CHARS:
            raise ToolError(f"template {name!r} is larger than an answer may be ({MAX_ANSWER_CHARS} characters)")
        return answer

    def next_notes(self, limit: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = 20) -> NextNotes:
        """The topics and MOCs the vault names that have no note or only a stub, most wanted first: by how
        many notes name or link to them, then by the importance of those notes; with the notes naming them."""
        from vaulttool.actions.stubs import next_notes

        found = next_notes(self.loaded(self.options()).context)
        notes = [
            NextNote(
                title=entry.title,
                kind=entry.kind,
                stub=entry.path,
                importance=entry.importance,
                linked_from=len(entry.sources),
                named_by=entry.sources[:MAX_SOURCES],
            )
            for entry in found[:limit]
        ]
        kept, _ = capped(notes, lambda n: len(n.model_dump_json()) + 2)
        return NextNotes(notes=kept, total=len(found))

    def resolve(self, link: str, from_path: str) -> Resolution:
        """What `link` (`[[Note#Heading|alias]]`, `[text](Note.md)` or a bare `Note`) opens when written in
        the note at `from_path`, resolved as Obsidian does; or why it opens nothing."""
        from vaulttool.model.bodyscan import scan_body
        from vaulttool.rules.broken_anchor import AnchorIndex
        from vaulttool.rules.broken_link import attachment_stems, why_unresolved

        source = _path(from_path)
        if len(link) > MAX_LINK_CHARS or "\n" in link:
            raise ToolError(f"link must be one line of at most {MAX_LINK_CHARS} characters")
        text = link if link.startswith(("[", "![")) else f"[[{link}]]"
        parsed = scan_body([text], 1).links
        if len(parsed) != 1:
            raise ToolError(f"{link[:100]!r} is not one wiki link or Markdown link")
        found = parsed[0]
        ctx = self.loaded(self.options()).context
        resolved = ctx.index.resolve(found.target, source)
        problem = None
        if resolved is None:
            problem = why_unresolved(found, ctx.alias_owners, attachment_stems(ctx))
        elif found.subpath and resolved in ctx.notes:
            missing = AnchorIndex(ctx.notes[resolved]).missing(found.subpath)
            problem = None if missing is None else f"{missing} not found in '{resolved}'"
        return Resolution(
            link=text,
            target=found.target,
            subpath=found.subpath,
            resolved=resolved,
            candidates=ctx.index.candidates(found.target, source)[:MAX_SOURCES],
            problem=problem,
        )

    def create_stubs(
        self,
        kind: Annotated[list[Literal["topics", "mocs", "all"]], Field(min_length=1, max_length=3)],
        dry_run: bool = False,
    ) -> StubsAnswer:
        """What `vaulttool stub` plans for `kind` (topics: topics without a note; mocs: missing MOCs; all: every
        unresolved link to a note), and unless `dry_run`, creates those stubs: only when the server was started
        with --allow-write, never over an existing file, never outside the vault."""
        from vaulttool.commands.stub import prepare_stubs, write_stubs

        if not dry_run and not self.allow_write:
            raise ToolError("writes are disabled: start the server with --allow-write, or pass dry_run to see the plan")
        options = self.options()
        everything = "all" in kind
        with _tool_errors():
            ready, failed, skipped = prepare_stubs(
                self.vault,
                options,
                topics="topics" in kind or everything,
                mocs="mocs" in kind or everything,
                links=everything,
                created=date.today(),
                folder=None,
                ctx=self.loaded(options).context,
            )
            failed = sorted(failed + skipped)  # an alias of an existing note gets no stub either
            results = [] if dry_run else write_stubs(self.vault, ready)
        stubs = [PlannedStub(path=s.path, kind=s.kind, named_by=s.sources, text=s.text) for s in ready]
        kept, truncated = capped(stubs, lambda s: len(s.model_dump_json()) + 2, MAX_ANSWER_CHARS // 2)
        refused = [Refused(path=path, line=line, message=message) for path, line, message in failed[:MAX_ITEMS]]
        written = [Written(path=r.path, created=r.written, reason=r.reason) for r in results[:MAX_ITEMS]]
        truncated = truncated or len(failed) > MAX_ITEMS or len(results) > MAX_ITEMS
        return StubsAnswer(written=not dry_run, stubs=kept, refused=refused, results=written, truncated=truncated)


def _under(path: str, wanted: str) -> bool:
    """Whether ``path`` is ``wanted`` or lies in folder ``wanted``."""
    return path == wanted or path.startswith(wanted.rstrip("/") + "/")
