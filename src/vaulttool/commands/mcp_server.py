"""``vaulttool mcp``: the vault's tools (:mod:`vaulttool.commands.mcp_tools`) served to MCP clients (editors,
agents) over standard input and output, with a JSON-RPC error for every line that cannot be read.
Needs the ``mcp`` extra (the official MCP SDK).
"""

from __future__ import annotations

import json
import re
from contextlib import suppress

from mcp.server.mcpserver import MCPServer
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError, ToolAnnotations
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from vaulttool.commands.mcp_tools import VaultTools
from vaulttool.version import __version__

ReadOnly = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)


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
