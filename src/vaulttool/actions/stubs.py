"""Plan stub notes for topics, MOCs and links that resolve to nothing, and render them.

A plan is data: which file each missing target becomes, which notes named it, and the
text it will hold. ``writers.create_files`` applies it. Content comes from a Markdown
template with ``{{placeholders}}`` (``stub.md`` and ``moc-stub.md`` beside the schemas);
frontmatter is filled in and written with ruamel.yaml, so it reads the way a person
would write it.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from vaulttool.files.writers import UnsafeName, safe_relpath
from vaulttool.model.graph import ResolvedLink
from vaulttool.model.markdown import repair_mojibake
from vaulttool.model.template import frontmatter_list, item_line
from vaulttool.model.values import Diagnostic, Severity, note_name
from vaulttool.model.vault import link_key
from vaulttool.rules.context import VaultContext

StubKind = Literal["topic", "moc", "link"]
RULE = "stub-refused"
SKIPPED = "stub-skipped"
_PLACEHOLDER_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_SCORE_RE = re.compile(r"(\d+)\s*/\s*(\d+)")
STUB_STATUS = "stub"  # the status the stub templates write, and the stub schema matches


@dataclass
class Mention:
    """A note naming a missing target, where, and what it says about it."""

    source: str
    line: int
    description: str = ""


@dataclass
class PlannedStub:
    """One stub to create: its vault path, title, kind and the notes that named it."""

    path: str
    title: str
    kind: StubKind
    mentions: list[Mention] = field(default_factory=list)
    text: str = ""

    @property
    def sources(self) -> list[str]:
        """The distinct notes that named this target, sorted."""
        return sorted({m.source for m in self.mentions})


@dataclass
class StubPlan:
    """Stubs to create, targets refused (with a diagnostic saying why) and targets skipped on purpose.

    A target is skipped, not refused, when it is the alias of an existing note: the link
    should name that note, and a new note would only hide the mistake.
    """

    stubs: list[PlannedStub]
    refused: list[Diagnostic]
    skipped: list[Diagnostic] = field(default_factory=list)


def _topic_mentions(ctx: VaultContext) -> list[tuple[str, Mention]]:
    found: list[tuple[str, Mention]] = []
    for path, schema in ctx.schema_of.items():
        note = ctx.notes[path]
        spec = schema.spec
        if spec.table is not None:
            for row in ctx.topic_rows.get(path, []):
                if row.target is not None:
                    found.append((row.target, Mention(path, row.line, row.description)))
        if spec.topics_field is not None and note.frontmatter is not None:
            for topic in frontmatter_list(note, spec.topics_field):
                found.append((topic, Mention(path, item_line(note, spec.topics_field, topic))))
    return found


def _link_mentions(ctx: VaultContext, mocs: bool) -> list[tuple[str, Mention]]:
    """The unresolved links that name maps of content (``mocs``), or the other ones to notes."""
    found = []
    for item in ctx.resolved:
        link = item.link
        if item.resolved is not None or not link.target or ctx.is_moc_link(link) != mocs:
            continue
        if not mocs and _EXTENSION_RE.search(link.target) and not link.target.lower().endswith(".md"):
            continue  # a missing attachment, not a note
        target = link.target
        if target.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(item.source), target))
            if target.startswith("../"):
                target = link.target  # climbs out of the vault: refused below
        found.append((target, Mention(item.source, link.line)))
    return found


def plan_stubs(
    ctx: VaultContext, *, topics: bool = True, mocs: bool = False, links: bool = False, folder: str | None = None
) -> StubPlan:
    """Plan one stub per missing target (however many notes name it); refuse unsafe names."""
    wanted: list[tuple[str, StubKind, Mention]] = []
    if topics:
        wanted += [(t, "topic", m) for t, m in _topic_mentions(ctx)]
    if mocs:
        wanted += [(t, "moc", m) for t, m in _link_mentions(ctx, mocs=True)]
    if links:
        wanted += [(t, "link", m) for t, m in _link_mentions(ctx, mocs=False)]
    planned: dict[str, PlannedStub] = {}
    refused: dict[str, Diagnostic] = {}
    skipped: dict[str, Diagnostic] = {}
    for target, kind, mention in sorted(wanted, key=lambda w: (w[2].source, w[2].line, w[0])):
        if ctx.index.resolve(target, mention.source) is not None:
            continue
        key = link_key(target.removesuffix(".md") if target.lower().endswith(".md") else target)
        if key in planned:
            planned[key].mentions.append(mention)
            continue
        if key in refused or key in skipped:
            continue
        owner = ctx.alias_owners.get(link_key(target.strip()))
        if owner is not None:
            name = note_name(owner)
            message = f"no stub for '{target}': it is an alias of '{owner}'; link [[{name}|{target}]] instead"
            skipped[key] = Diagnostic(mention.source, mention.line, 1, SKIPPED, Severity.INFO, message, target=target)
            continue
        try:
            path = _placement(ctx, target, mention.source, folder)
        except UnsafeName as exc:
            hint = f"; suggested name: '{exc.suggestion}'" if exc.suggestion else ""
            refused[key] = Diagnostic(
                path=mention.source,
                line=mention.line,
                column=1,
                rule=RULE,
                severity=Severity.ERROR,
                message=f"no stub for '{target}': {exc.reason}{hint}",
                target=target,
            )
            continue
        title = target.rsplit("/", 1)[-1]
        title = title[:-3] if title.lower().endswith(".md") else title
        planned[key] = PlannedStub(path, title, kind, [mention])
    return StubPlan(
        sorted(planned.values(), key=lambda s: s.path),
        sorted(refused.values(), key=Diagnostic.sort_key),
        sorted(skipped.values(), key=Diagnostic.sort_key),
    )


@dataclass
class NextNote:
    """A topic or MOC the vault names that has no note yet, or only a stub (``path``: the stub)."""

    title: str
    kind: StubKind
    path: str | None
    sources: list[str]  # the notes that name it or link to it, sorted
    importance: float  # the highest score (k/n as a fraction) among the notes naming it; 0 for none


def is_stub(ctx: VaultContext, path: str) -> bool:
    """Whether the note at ``path`` is a stub still waiting to be written (``status: stub``)."""
    note = ctx.notes.get(path)
    return note is not None and (note.frontmatter or {}).get("status") == STUB_STATUS


def _importance(ctx: VaultContext, path: str) -> float:
    """The note's first score property that its schema defines (``importance: 4/5`` is 0.8), else 0."""
    schema = ctx.schema_of.get(path)
    frontmatter = ctx.notes[path].frontmatter or {}
    for name, spec in schema.spec.fields.items() if schema is not None else ():
        value = frontmatter.get(name)
        if spec.type == "score" and isinstance(value, str) and (found := _SCORE_RE.fullmatch(value.strip())):
            return int(found[1]) / int(found[2]) if int(found[2]) else 0.0
    return 0.0


def next_notes(ctx: VaultContext) -> list[NextNote]:
    """The topics and MOCs to write next: those without a note or with only a stub.

    Ordered by how many notes name or link to them, then by the importance of those notes,
    then by title. Topics come from topic lists and tables, MOCs from frontmatter links.
    """
    named: list[tuple[str, StubKind, Mention]] = [(t, "topic", m) for t, m in _topic_mentions(ctx)]
    named += [(item.link.target, "moc", Mention(item.source, item.link.line)) for item in _frontmatter_links(ctx)]
    found: dict[str, NextNote] = {}
    for target, kind, mention in named:
        path = ctx.index.resolve(target, mention.source)
        if path is not None and not is_stub(ctx, path):
            continue
        key = path or link_key(target.removesuffix(".md"))
        entry = found.setdefault(key, NextNote(target.rsplit("/", 1)[-1].removesuffix(".md"), kind, path, [], 0.0))
        entry.sources.append(mention.source)
    for item in ctx.resolved:  # every other note linking to it counts too
        key = item.resolved or link_key(item.link.target.removesuffix(".md"))
        if key in found and item.source != item.resolved:
            found[key].sources.append(item.source)
    for entry in found.values():
        entry.sources = sorted(set(entry.sources) - {entry.path})
        entry.importance = max((_importance(ctx, source) for source in entry.sources), default=0.0)
    return sorted(found.values(), key=lambda e: (-len(e.sources), -e.importance, e.title.casefold(), e.title))


def _frontmatter_links(ctx: VaultContext) -> list[ResolvedLink]:
    return [item for item in ctx.resolved if item.link.kind == "frontmatter" and item.link.target]


def _placement(ctx: VaultContext, target: str, source: str, folder: str | None) -> str:
    """The vault path a stub for ``target`` gets; raises :class:`UnsafeName`."""
    safe_relpath(target[:-3] if target.lower().endswith(".md") else target)
    name = target if target.lower().endswith(".md") else f"{target}.md"
    if "/" in target:
        base = ""
    elif folder is not None:
        base = folder.strip("/")
    else:
        base = posixpath.dirname(source)
    path = safe_relpath(posixpath.join(base, name) if base else name)
    if ctx.index.contains_key(path):
        raise UnsafeName("a note whose name differs only in case or accents exists", f"{target} (2)")
    return path


def _split_template(text: str) -> tuple[str, str]:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[4 : end + 1], text[end + 5 :]
    return "", text


def load_template(folder: Path | None, name: str) -> str:
    """The stub template ``name`` from ``folder`` (the schemas folder), else the built-in one."""
    from vaulttool.model.config import builtin_schema_dir

    for base in (folder, builtin_schema_dir()):
        if base is not None and (base / name).is_file():
            return (base / name).read_text(encoding="utf-8")
    raise FileNotFoundError(f"stub template '{name}' not found")


def _inherited_tags(ctx: VaultContext, stub: PlannedStub) -> list[str]:
    if stub.kind == "moc":
        return ["moc"]
    note = ctx.notes[stub.sources[0]]
    tags = (note.frontmatter or {}).get("tags")
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list):
        return []
    return [t.strip() for t in tags if isinstance(t, str) and t.strip()]


def render(ctx: VaultContext, stub: PlannedStub, template: str, created: date) -> str:
    """The full text of ``stub`` from ``template`` (frontmatter through ruamel.yaml)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def link(path: str) -> str:
        name = path.rsplit("/", 1)[-1]
        return f"[[{name[:-3] if name.endswith('.md') else name}]]"

    description = next((m.description for m in stub.mentions if m.description), "")
    values: dict[str, Any] = {
        "title": stub.title,
        "tags": _inherited_tags(ctx, stub),
        "date": created,
        "links": [DoubleQuotedScalarString(link(s)) for s in stub.sources],
        "parent": link(stub.sources[0]),
        "parents": ", ".join(link(s) for s in stub.sources),
        "description": repair_mojibake(description),
        "backlinks": "\n".join(f"- {link(s)}" for s in stub.sources),
    }

    def text(value: str) -> str:
        return _PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), m.group())), value)

    head, body = _split_template(template)
    out = ""
    if head:
        yaml = YAML()
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.preserve_quotes = True
        data = yaml.load(head)
        for key, value in list(data.items()):
            if isinstance(value, str):
                whole = _PLACEHOLDER_RE.fullmatch(value.strip())
                data[key] = values.get(whole.group(1), value) if whole else text(value)
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        out = f"---\n{buffer.getvalue()}---\n"
    return out + re.sub(r"\n{3,}", "\n\n", text(body))
