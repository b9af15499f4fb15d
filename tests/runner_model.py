"""A model of how the GitHub Actions runner reads workflow commands from a step's output.

It follows actions/runner (``ActionCommand.TryParseV2`` and ``TryParse``, and the
stop-commands handling of ``ActionCommandManager``): output is split into lines at CR, LF
or CRLF; a line is a command when, after leading whitespace, it starts with ``::name`` and
has a second ``::``, or when it holds ``##[name]`` anywhere; only registered names count;
while commands are stopped, every command but the resume token is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = frozenset(
    {
        "add-mask",
        "add-matcher",
        "add-path",
        "debug",
        "echo",
        "endgroup",
        "error",
        "group",
        "notice",
        "remove-matcher",
        "save-state",
        "set-env",
        "set-output",
        "stop-commands",
        "warning",
    }
)
_DATA_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_LEGACY_UNESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


@dataclass
class Command:
    """One workflow command as the runner parsed it."""

    name: str
    properties: dict[str, str] = field(default_factory=dict)
    data: str = ""
    legacy: bool = False


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, raw in table:
        text = text.replace(escaped, raw)
    return text


def _pairs(text: str, sep: str) -> list[tuple[str, str]]:
    out = []
    for part in (p for p in text.split(sep) if p):
        pieces = [p for p in part.split("=", 1) if p]
        if len(pieces) == 2:
            out.append((pieces[0], pieces[1]))
    return out


def parse_v2(line: str, registered: set[str]) -> Command | None:
    """``::name k=v,k=v::data``."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    command = Command(name.lower(), data=_unescape(line[end + 2 :], _DATA_UNESCAPES))
    if space > 0:
        for key, value in _pairs(info[space + 1 :].strip(), ","):
            command.properties[key] = _unescape(value, _PROPERTY_UNESCAPES)
    return command


def parse_legacy(line: str, registered: set[str]) -> Command | None:
    """``##[name k=v;k=v]data`` anywhere in the line."""
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    command = Command(name.lower(), data=_unescape(line[close + 1 :], _LEGACY_UNESCAPES), legacy=True)
    if space > 0:
        for key, value in _pairs(info[space + 1 :], ";"):
            command.properties[key] = _unescape(value, _LEGACY_UNESCAPES)
    return command


def processed_commands(output: str) -> list[Command]:
    """The commands a runner would act on, in order (stop and resume included)."""
    registered = set(REGISTERED)
    token: str | None = None
    done = []
    for line in re.split(r"\r\n|\r|\n", output):
        command = parse_v2(line, registered) or parse_legacy(line, registered)
        if command is None:
            continue
        if token is not None:
            if command.name == token.lower():
                registered.discard(token.lower())
                token = None
                done.append(command)
            continue
        if command.name == "stop-commands":
            token = command.data
            registered.add(token.lower())
        done.append(command)
    return done
