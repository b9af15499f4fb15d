"""`vaulttool mcp` end to end: the server runs as a subprocess and the official SDK's stdio client calls it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_VAULT, SEED, SEED_TOPICS
from vaulttool.commands.cli import cli

pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install -e '.[dev]' (or '.[mcp]')")

import anyio  # installed with the SDK
from mcp import ClientSession, StdioServerParameters, stdio_client

TOPICS = SEED_TOPICS
TOOLS = {"check_note", "check_vault", "template", "next_notes", "resolve", "create_stubs"}
REPAIRED = (SAMPLE_VAULT / "Python Concurrency Patterns.md").read_text(encoding="utf-8")


@asynccontextmanager
async def server(vault: Path, *options: str) -> AsyncIterator[ClientSession]:
    """A session with `vaulttool mcp VAULT` started as a subprocess."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "vaulttool", "mcp", str(vault), *options])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def call(session: ClientSession, name: str, /, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(session: ClientSession, name: str, /, **arguments: Any) -> str:
    result = await session.call_tool(name, arguments)
    assert result.is_error
    return " ".join(getattr(block, "text", "") for block in result.content)


def check_json(vault: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["check", str(vault), "--no-cache", "--format", "json"], standalone_mode=False)
    assert result.exception is None, result.output
    return json.loads(result.stdout)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_tool_on_the_raw_seed(seed_vault: Path, tmp_path: Path) -> None:
    before = files_of(seed_vault)
    expected = check_json(seed_vault)
    cache = tmp_path / "cache"  # the cache `check` keeps: the server reads it and never writes it
    CliRunner().invoke(cli, ["check", str(seed_vault), "--cache-dir", str(cache)], standalone_mode=False)
    stored = files_of(cache)
    assert stored

    async def session() -> None:
        async with server(seed_vault, "--cache-dir", str(cache)) as s:
            assert {tool.name for tool in (await s.list_tools()).tools} == TOOLS
            draft = await call(s, "check_note", path=SEED.name, text=SEED.read_text(encoding="utf-8"))
            assert draft["diagnostics"] == expected["diagnostics"]
            assert draft["summary"] == expected["summary"] and not draft["truncated"]

            page = await call(s, "check_vault", limit=5)
            assert page["diagnostics"] == expected["diagnostics"][:5] and page["next_offset"] == 5
            assert page["total"] == len(expected["diagnostics"]) and page["by_rule"]["broken-link"] == 7
            rest = await call(s, "check_vault", limit=200, offset=5, rules=["broken-link"])
            assert rest["total"] == 7 and len(rest["diagnostics"]) == 2 and rest["next_offset"] is None

            wanted = await call(s, "next_notes")
            assert {n["title"] for n in wanted["notes"]} == {*TOPICS, "Python MOC"}
            assert all(n["stub"] is None and n["named_by"] == [SEED.name] for n in wanted["notes"])
            assert {n["kind"] for n in wanted["notes"] if n["title"] == "Python MOC"} == {"moc"}

            template = await call(s, "template", name="topic-overview")
            required = ["title", "tags", "topics", "links", "importance", "status", "created"]
            assert template["json_schema"]["required"] == required
            assert "## Topics Table (Clickable Wiki-Style)\n\n|Topic|Brief Description|" in template["skeleton"]
            skeleton = await call(s, "check_note", path="Skeleton.md", text=template["skeleton"])
            # the skeleton follows the template: what is left to do is filling it in
            left = {d["rule"] for d in skeleton["diagnostics"]}
            assert left == {"orphan-note", "frontmatter-type", "section-missing"}
            assert all("is empty" in d["message"] for d in skeleton["diagnostics"] if d["rule"] == "section-missing")

            link = await call(s, "resolve", link="[[Threading#Overview]]", from_path=SEED.name)
            assert link["resolved"] is None and "no note has that name" in link["problem"]
            # the heading starts with an emoji (mojibake here), which anchors keep: [[#Keywords]] opens nothing
            itself = await call(s, "resolve", link="[[#Keywords]]", from_path=SEED.name)
            assert itself["resolved"] == SEED.name and itself["problem"].startswith("heading 'Keywords' not found")

            message = await refused(s, "create_stubs", kind=["topics", "mocs"])
            assert "writes are disabled" in message and "--allow-write" in message
            plan = await call(s, "create_stubs", kind=["topics", "mocs"], dry_run=True)
            assert sorted(p["path"] for p in plan["stubs"]) == sorted(f"{t}.md" for t in [*TOPICS, "Python MOC"])

    anyio.run(session)
    assert files_of(seed_vault) == before
    assert files_of(cache) == stored


def test_the_loop_draft_check_repair_write_next(seed_vault: Path, tmp_path: Path) -> None:
    """create_stubs writes exactly what `stub --topics --mocs` writes; then the repaired note checks clean."""
    by_command = tmp_path / "by-command"
    shutil.copytree(seed_vault, by_command)
    result = CliRunner().invoke(cli, ["stub", "--topics", "--mocs", str(by_command)], standalone_mode=False)
    assert result.return_value == 0, result.output

    async def session() -> None:
        async with server(seed_vault, "--allow-write") as s:
            raw = await call(s, "check_note", path=SEED.name, text=SEED.read_text(encoding="utf-8"))
            assert raw["summary"]["error"] == 11  # each topic without a note once, by its link
            made = await call(s, "create_stubs", kind=["topics", "mocs"])
            assert made["written"] and all(r["created"] for r in made["results"]) and len(made["results"]) == 8
            assert files_of(seed_vault) == files_of(by_command)
            again = await call(s, "create_stubs", kind=["topics", "mocs"])
            assert again["stubs"] == [] and again["results"] == []

            repaired = await call(s, "check_note", path=SEED.name, text=REPAIRED)
            assert repaired["diagnostics"] == [] and repaired["summary"]["notes"] == 1
            (seed_vault / SEED.name).write_text(REPAIRED, encoding="utf-8")  # the agent writes the note
            wanted = await call(s, "next_notes", limit=3)
            assert wanted["total"] == 8 and len(wanted["notes"]) == 3
            assert all(n["stub"] == f"{n['title']}.md" for n in wanted["notes"])
            link = await call(s, "resolve", link="Threading#Nowhere", from_path=SEED.name)
            assert link["resolved"] == "Threading.md"
            assert link["problem"] == "heading 'Nowhere' not found in 'Threading.md'"

    anyio.run(session)
    vault = check_json(seed_vault)
    assert not [d for d in vault["diagnostics"] if d["path"] == SEED.name]


def test_the_repaired_note_gets_nothing_in_the_sample_vault() -> None:
    async def session() -> None:
        async with server(SAMPLE_VAULT) as s:
            repaired = await call(s, "check_note", path="Python Concurrency Patterns.md", text=REPAIRED)
            assert repaired["diagnostics"] == []
            itself = await call(s, "resolve", link="[[#🔑 Keywords]]", from_path="Python Concurrency Patterns.md")
            assert itself["resolved"] == "Python Concurrency Patterns.md" and itself["problem"] is None
            wanted = await call(s, "next_notes")
            assert {n["title"] for n in wanted["notes"]} == {*TOPICS, "Python MOC"}  # all eight are stubs still
            assert all(n["stub"] == f"{n['title']}.md" for n in wanted["notes"])

    anyio.run(session)


def test_hostile_requests_get_clear_errors_and_nothing_is_written(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    (vault / "Hostile.md").write_text(
        "---\ntemplate: topic-overview\ntopics:\n  - ../../escape\n  - /etc/owned\n---\n", encoding="utf-8"
    )
    outside = files_of(tmp_path)

    async def session() -> None:
        async with server(vault, "--allow-write") as s:
            for path in ("../x.md", "a/../../x.md", "/etc/passwd.md", "C:/x.md", ".obsidian/x.md", "x.txt"):
                assert repr(path) in await refused(s, "check_note", path=path, text="# x\n")
                assert repr(path) in await refused(s, "resolve", link="Threading", from_path=path)
            assert "'..'" in await refused(s, "check_vault", paths=["../"])
            huge = "word " * (1024 * 1024)
            assert "at most" in await refused(s, "check_note", path="x.md", text=huge)
            assert "Unknown tool" in await refused(s, "delete_vault")
            assert "text" in await refused(s, "check_note", path="x.md")
            assert "limit" in await refused(s, "check_vault", limit="lots")
            assert "unknown rule" in await refused(s, "check_vault", rules=["no-such-rule"])
            assert "no template named" in await refused(s, "template", name="../../etc/passwd")
            assert "one wiki link" in await refused(s, "resolve", link="[[a]] [[b]]", from_path="x.md")
            made = await call(s, "create_stubs", kind=["topics"])
            refusals = " ".join(r["message"] for r in made["refused"])
            assert "../../escape" in refusals and "/etc/owned" in refusals and made["results"] == []
            # still serving after all that
            assert (await call(s, "check_note", path="x.md", text=REPAIRED))["path"] == "x.md"

    anyio.run(session)
    assert files_of(tmp_path) == {**outside}


def test_bytes_that_are_not_utf8_on_the_wire_get_an_error_not_a_crash(seed_vault: Path) -> None:
    """Raw JSON-RPC lines: invalid UTF-8, a line that is not JSON, a message without a method, a lone
    surrogate (a file read as if it were UTF-8) in a draft. Each gets a JSON-RPC error, with the request's
    id when it can be made out; invalid UTF-8 inside a string is read as U+FFFD by the SDK's transport.
    The server goes on serving and ends cleanly when the client closes the connection."""
    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}
    draft = {"name": "check_note", "arguments": {"path": "x.md", "text": "\ud800"}}
    lines = [
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello}).encode(),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(),
        b'{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"x": "\xff\xfe"}}',
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": draft}).encode(),
        b"\xff\xfe not JSON at all",
        b'{"jsonrpc": "2.0", "id": 7}',
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}).encode(),
    ]
    command = [sys.executable, "-m", "vaulttool", "mcp", str(seed_vault)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"\n".join(lines) + b"\n")
        process.stdin.flush()
        answers: dict[int | None, dict[str, Any]] = {}
        while 4 not in answers and (line := process.stdout.readline()):
            answer = json.loads(line)
            answers[answer["id"]] = answer
        process.stdin.close()
        stderr = process.stderr.read().decode() if process.stderr is not None else ""
        assert process.wait() == 0
    finally:
        watchdog.cancel()
        process.kill()
    assert {t["name"] for t in answers[2]["result"]["tools"]} == {t["name"] for t in answers[4]["result"]["tools"]}
    assert {t["name"] for t in answers[4]["result"]["tools"]} == TOOLS
    assert answers[3]["error"]["code"] == -32700 and "not valid Unicode" in answers[3]["error"]["message"]
    assert answers[None]["error"]["code"] == -32700 and "not valid JSON" in answers[None]["error"]["message"]
    assert answers[7]["error"]["code"] == -32600 and "not a valid JSON-RPC message" in answers[7]["error"]["message"]
    assert "Traceback" not in stderr


def test_text_that_is_not_unicode_is_refused_in_process(seed_vault: Path) -> None:
    """A lone surrogate cannot cross the wire, but a caller of the tools in Python gets a clear error."""
    from mcp.server.mcpserver.exceptions import ToolError

    from vaulttool.commands.mcp_tools import VaultTools

    with pytest.raises(ToolError, match="not valid Unicode"):
        VaultTools(seed_vault).check_note("x.md", "caf\udce9")


def test_without_the_sdk_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mcp" else real(name, *a))
    result = CliRunner().invoke(cli, ["mcp", str(SAMPLE_VAULT)], standalone_mode=False)
    assert "pip install 'vaulttool[mcp]'" in str(result.exception)
