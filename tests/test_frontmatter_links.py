"""Links in properties as Obsidian reads them: quoted ones are links, unquoted ones are nested lists."""

from __future__ import annotations

from pathlib import Path

from vaulttool.engine.load import load_vault
from vaulttool.engine.options import Options
from vaulttool.incremental.check import check
from vaulttool.model.values import Diagnostic
from vaulttool.output.graph_export import graph_data


def write_vault(root: Path, files: dict[str, str]) -> Path:
    """A vault at ``root`` holding ``files`` (vault path to text)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def diagnostics(root: Path, *rules: str) -> list[Diagnostic]:
    """The diagnostics of a check of ``root``, only those of ``rules`` when given."""
    return [d for d in check(root).diagnostics if not rules or d.rule in rules]


UNQUOTED = """---
up: [[Python MOC]]
links:
  - [[Go MOC]]
  - "[[Rust MOC]]"
---
Body.
"""


def test_unquoted_links_are_reported_and_make_no_link(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Note.md": UNQUOTED, "Go MOC.md": "# Go\n"})
    found = diagnostics(vault)
    unquoted = [
        (d.line, d.column, d.end_column, d.field, d.target) for d in found if d.rule == "frontmatter-link-unquoted"
    ]
    assert unquoted == [(2, 5, 19, "up", "Python MOC"), (4, 5, 15, "links", "Go MOC")]
    first = next(d for d in found if d.rule == "frontmatter-link-unquoted")
    assert first.severity.value == "warning"
    assert first.message.endswith('write "[[Python MOC]]"')
    # only the quoted link is a link: Rust MOC is missing, Python MOC is not reported as missing
    assert [(d.rule, d.target) for d in found if d.rule in ("missing-moc", "broken-link")] == [
        ("missing-moc", "Rust MOC")
    ]
    # and the unquoted one makes no backlink: Go MOC stays an orphan
    assert [d.path for d in found if d.rule == "orphan-note"] == ["Go MOC.md", "Note.md"]


def test_unquoted_links_make_no_graph_edge(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Note.md": UNQUOTED, "Go MOC.md": "# Go\n"})
    loaded = load_vault(vault, Options(), codes=True)
    edges = graph_data(loaded.context, loaded.codes).edges()
    assert [(e.source, e.target) for e in edges] == [("Note.md", "Rust MOC")]


def test_unquoted_links_are_reported_on_template_notes_without_a_second_report(tmp_path: Path) -> None:
    stub = "---\ntitle: A\ntags: [x]\nstatus: stub\ncreated: 2026-01-02\n" + UNQUOTED.removeprefix("---\n")
    vault = write_vault(tmp_path, {"Note.md": stub, "Go MOC.md": "[[Note]]\n", "Rust MOC.md": "[[Note]]\n"})
    assert check(vault).context.schema_of["Note.md"].name == "stub"  # type: ignore[union-attr]
    found = diagnostics(vault, "frontmatter-link-unquoted", "frontmatter-type")
    assert [(d.rule, d.field) for d in found] == [
        ("frontmatter-link-unquoted", "up"),
        ("frontmatter-link-unquoted", "links"),
    ]


def test_quoted_text_holding_a_link_is_not_unquoted(tmp_path: Path) -> None:
    text = '---\nsee: "read [[Go MOC]] first"\nrel: [[Go MOC]]\n---\n'
    vault = write_vault(tmp_path, {"Note.md": text, "Go MOC.md": "[[Note]]\n"})
    assert [(d.line, d.field) for d in diagnostics(vault, "frontmatter-link-unquoted")] == [(3, "rel")]


MOVIE = """---
up: "[[Films]]"
director: "[[Ridley Scott]]"
series: "[[Sci-fi MOC]]"
Links: ["[[Watchlist]]"]
---
[[Nowhere]]
"""


def test_only_links_that_name_a_moc_are_missing_mocs(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Alien.md": MOVIE})
    found = [(d.rule, d.line, d.field, d.target) for d in diagnostics(vault, "missing-moc", "broken-link")]
    assert found == [
        ("missing-moc", 2, "up", "Films"),
        ("broken-link", 3, "director", "Ridley Scott"),
        ("missing-moc", 4, "series", "Sci-fi MOC"),  # its name ends in MOC
        ("missing-moc", 5, "Links", "Watchlist"),  # property names compare without case
        ("broken-link", 7, None, "Nowhere"),
    ]
    director = next(d for d in diagnostics(vault, "broken-link") if d.field == "director")
    assert director.message.startswith("[[Ridley Scott]] in 'director' resolves to nothing")


def test_moc_fields_are_configurable(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Alien.md": MOVIE, ".vaulttool.toml": 'moc-fields = ["director"]\n'})
    found = [(d.rule, d.field) for d in diagnostics(vault, "missing-moc", "broken-link") if d.field]
    assert found == [
        ("broken-link", "up"),
        ("missing-moc", "director"),
        ("missing-moc", "series"),
        ("broken-link", "Links"),
    ]


def test_stub_mocs_follows_the_moc_definition(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vaulttool.commands.cli import cli

    vault = write_vault(tmp_path, {"Alien.md": MOVIE})
    result = CliRunner().invoke(cli, ["stub", "--mocs", "--dry-run", str(vault)])
    lines = result.output.splitlines()
    planned = sorted(line[len("would create ") :].split(" (")[0] for line in lines if line.startswith("would create"))
    assert planned == ["Films.md", "Sci-fi MOC.md", "Watchlist.md"]
    everything = CliRunner().invoke(cli, ["stub", "--all", "--dry-run", str(vault)]).output
    assert "would create Ridley Scott.md (link, named by Alien.md)" in everything
