"""The answers of the MCP tools (:mod:`vaulttool.commands.mcp_tools`): their shapes, and the caps on their size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

MAX_TEXT_BYTES = 4 * 1024 * 1024  # the largest draft check_note takes (UTF-8 bytes)
MAX_ANSWER_CHARS = 256 * 1024  # no answer is longer than this as JSON
MAX_ITEMS = 200  # no list in an answer is longer
MAX_LINK_CHARS = 4096
MAX_SOURCES = 20  # the notes shown for each next note

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


def capped(items: list[_T], size: Callable[[_T], int], budget: int = MAX_ANSWER_CHARS) -> tuple[list[_T], bool]:
    """The first of ``items`` that fit in ``budget`` characters and ``MAX_ITEMS``, and whether any were left out."""
    kept: list[_T] = []
    for item in items[:MAX_ITEMS]:
        budget -= size(item)
        if budget < 0:
            break
        kept.append(item)
    return kept, len(kept) < len(items)
