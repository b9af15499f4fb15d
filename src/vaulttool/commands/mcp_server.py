"""``vaulttool mcp``: the vault served to MCP clients (editors, agents) over standard input and output.

Every tool is a thin layer over the engine that the command line uses: ``check_note`` is
``check --stdin-filename``, ``check_vault`` is ``check``, ``create_stubs`` is ``stub``
(same plan, same safe writer, same refusals). Paths are vault-relative and checked
before use, so no tool reads or names a file outside the vault; every answer is capped
in size; a bad request gets a tool error that says what was wrong, and the server goes on.
Nothing is written unless the server was started with ``--allow-write``, and then only
stubs, through :mod:`vaulttool.files.writers`. Needs the ``mcp`` extra (the official MCP SDK).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails

from vaulttool.engine.lint import Report, run_rules
from vaulttool.engine.load import Loaded, load_vault
from vaulttool.engine.options import Options, enabled_rules, options_for
from vaulttool.incremental.check import check_draft
from vaulttool.incremental.source import PoolSource
from vaulttool.model.values import Diagnostic
from vaulttool.version import __version__

if TYPE_CHECKING:
    from vaulttool.incremental.cache import VaultCache
    from vaulttool.rules.context import VaultContext

MAX_TEXT_BYTES = 4 * 1024 * 1024  # the largest draft check_note takes (UTF-8 bytes)
MAX_ANSWER_CHARS = 256 * 1024  # no answer is longer than this as JSON
MAX_ITEMS = 200  # no list in an answer is longer
MAX_LINK_CHARS = 4096
MAX_SOURCES = 20  # the notes shown for each next note

ReadOnly = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
Paths = Annotated[list[str], Field(max_length=MAX_ITEMS)]
_T = TypeVar("_T")


class Summary(BaseModel):
    """Counts of a report: notes and links checked, diagnostics by severity."""

    notes: int
    links: int
    error: int
    warning: int
    info: int


class NoteReport(BaseModel):
    """What a draft note would get from ``vaulttool check``."""

    path: str
    summary: Summary
    diagnostics: list[dict[str, Any]] = Field(description="as in `vaulttool check --format json`, fixes included")
    truncated: bool = Field(description="true when diagnostics were left out to keep the answer small")


class VaultReport(BaseModel):
    """One page of the diagnostics of the vault (or of some of its paths), with counts by rule."""

    summary: Summary
    by_rule: dict[str, int]
    total: int
    offset: int
    next_offset: int | None
    diagnostics: list[dict[str, Any]]


class Template(BaseModel):
    """A template: its frontmatter's JSON Schema and an empty note that follows it."""

    name: str
    description: str
    json_schema: dict[str, Any]
    skeleton: str


class NextNote(BaseModel):
    """A topic or MOC to write next."""

    title: str
    kind: Literal["topic", "moc", "link"]
    stub: str | None = Field(description="the stub note it has, or null when it has no note")
    importance: float = Field(description="highest score (k/n as a fraction) among the notes naming it")
    linked_from: int = Field(description="how many notes name it or link to it")
    named_by: list[str]


class NextNotes(BaseModel):
    """The notes to write next, most wanted first."""

    notes: list[NextNote]
    total: int


class Resolution(BaseModel):
    """What a link opens, or why it opens nothing."""

    link: str
    target: str
    subpath: str
    resolved: str | None
    candidates: list[str] = Field(description="every file the link could mean, the one it opens first")
    problem: str | None = Field(description="why the link, or its #heading or #^block, does not resolve")


class PlannedStub(BaseModel):
    """One stub of a plan: where it goes, what it is for, who named it, and its text."""

    path: str
    kind: Literal["topic", "moc", "link"]
    named_by: list[str]
    text: str


class Refused(BaseModel):
    """A target that gets no stub, and why."""

    path: str
    line: int
    message: str


class Written(BaseModel):
    """What happened to one stub file."""

    path: str
    created: bool
    reason: str


class StubsAnswer(BaseModel):
    """The plan of ``vaulttool stub`` and, when it was carried out, what was written."""

    written: bool
    stubs: list[PlannedStub]
    refused: list[Refused]
    results: list[Written]
    truncated: bool


def _capped(items: list[_T], size: Callable[[_T], int], budget: int = MAX_ANSWER_CHARS) -> tuple[list[_T], bool]:
    """The first of ``items`` that fit in ``budget`` characters and ``MAX_ITEMS``, and whether any were left out."""
    kept: list[_T] = []
    for item in items[:MAX_ITEMS]:
        budget -= size(item)
        if budget < 0:
            break
        kept.append(item)
    return kept, len(kept) < len(items)


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    from vaulttool.output.formatters import diagnostic_json

    return diagnostic_json(d)


def _diagnostics(
    found: list[Diagnostic] | tuple[Diagnostic, ...], options: Options
) -> tuple[list[dict[str, Any]], bool]:
    """``found`` as JSON items (within the answer's caps), with the fixes ``check`` would offer."""
    from vaulttool.actions.fixer import FixSettings, offered

    shown = offered(found, FixSettings(options.unsafe_fixes, options.fixable, options.unfixable))[0]
    return _capped([_diagnostic(d) for d in shown], lambda item: len(json.dumps(item)) + 2)


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
        from vaulttool.incremental.cache import VaultCache, default_cache_dir

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
        kept, _ = _capped(notes, lambda n: len(n.model_dump_json()) + 2)
        return NextNotes(notes=kept, total=len(found))

    def resolve(self, link: str, from_path: str) -> Resolution:
        """What `link` (`[[Note#Heading|alias]]`, `[text](Note.md)` or a bare `Note`) opens when written in
        the note at `from_path`, resolved as Obsidian does; or why it opens nothing."""
        from vaulttool.model.wikilinks import scan_body
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
        kept, truncated = _capped(stubs, lambda s: len(s.model_dump_json()) + 2, MAX_ANSWER_CHARS // 2)
        refused = [Refused(path=path, line=line, message=message) for path, line, message in failed[:MAX_ITEMS]]
        written = [Written(path=r.path, created=r.written, reason=r.reason) for r in results[:MAX_ITEMS]]
        truncated = truncated or len(failed) > MAX_ITEMS or len(results) > MAX_ITEMS
        return StubsAnswer(written=not dry_run, stubs=kept, refused=refused, results=written, truncated=truncated)


def _under(path: str, wanted: str) -> bool:
    """Whether ``path`` is ``wanted`` or lies in folder ``wanted``."""
    return path == wanted or path.startswith(wanted.rstrip("/") + "/")


def build_server(tools: VaultTools) -> MCPServer:
    """An MCP server offering ``tools``."""
    server: MCPServer = MCPServer(
        "vaulttool",
        version=__version__,
        log_level="WARNING",
        instructions=(
            "Checks notes of one Obsidian vault against their templates and the vault's links. Draft a note, "
            "check it with check_note, repair it until it gets no diagnostics, write it, then ask next_notes "
            "what to write next. Paths are relative to the vault."
        ),
    )
    server.add_tool(tools.check_note, annotations=ReadOnly)
    server.add_tool(tools.check_vault, annotations=ReadOnly)
    server.add_tool(tools.template, annotations=ReadOnly)
    server.add_tool(tools.next_notes, annotations=ReadOnly)
    server.add_tool(tools.resolve, annotations=ReadOnly)
    writes = ToolAnnotations(read_only_hint=not tools.allow_write, destructive_hint=False, idempotent_hint=True)
    server.add_tool(tools.create_stubs, annotations=writes)
    return server


_SURROGATE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{0,2}")
_ID_RE = re.compile(r'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,256}")')


def _request_id(errors: list[ErrorDetails]) -> int | str | None:
    """The id of a request that could not be read, when it can be made out (else None, as JSON-RPC says)."""
    for error in errors:
        given = error.get("input")
        if isinstance(given, dict) and isinstance(given.get("id"), int | str) and not isinstance(given["id"], bool):
            found: int | str = given["id"]
            return found
        if isinstance(given, str) and (match := _ID_RE.search(given)):
            with suppress(ValueError):
                value = json.loads(match[1])
                return value if isinstance(value, int | str) else None
    return None


def unreadable_request(exc: Exception) -> JSONRPCError:
    """The JSON-RPC error answering a line that is not a valid message (bad JSON, bad Unicode, bad shape)."""
    errors = exc.errors() if isinstance(exc, ValidationError) else []
    parse = any(error["type"] == "json_invalid" for error in errors) or not errors
    reason = errors[0]["msg"] if errors else type(exc).__name__
    given = errors[0].get("input") if errors else None
    if parse and isinstance(given, str) and _SURROGATE_RE.search(given[-12:]):
        reason = "a lone surrogate escape: the text is not valid Unicode; send it as UTF-8"
    code, what = (PARSE_ERROR, "not valid JSON") if parse else (INVALID_REQUEST, "not a valid JSON-RPC message")
    message = f"request is {what} ({reason}); requests are JSON-RPC 2.0 messages, one UTF-8 line each"
    return JSONRPCError(jsonrpc="2.0", id=_request_id(errors), error=ErrorData(code=code, message=message))


async def _serve_stdio(server: MCPServer) -> None:
    """Serve over stdio, answering every line the SDK's transport cannot read with a JSON-RPC error
    (the transport passes those on as exceptions, which the server would otherwise leave unanswered)."""
    import anyio
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage

    lowlevel = server._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        relay_in, relay_out = anyio.create_memory_object_stream[SessionMessage | Exception](0)

        async def relay() -> None:
            async with relay_in:
                async for item in read_stream:
                    if isinstance(item, Exception):
                        await write_stream.send(SessionMessage(unreadable_request(item)))
                    else:
                        await relay_in.send(item)

        async with anyio.create_task_group() as group:
            group.start_soon(relay)
            await lowlevel.run(relay_out, write_stream, lowlevel.create_initialization_options())


def serve(tools: VaultTools) -> None:
    """Serve ``tools`` over standard input and output until the client closes the connection."""
    import anyio

    anyio.run(_serve_stdio, build_server(tools))
