"""Reports that match Obsidian on vaults nobody here wrote: stubs, templates, one report per cause."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.test_frontmatter_links import diagnostics, write_vault
from vaulttool.commands.cli import cli
from vaulttool.incremental.check import check


def test_stub_all_skips_the_alias_of_an_existing_note(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path,
        {
            "Concurrency Basics.md": "---\naliases: [Concurrency]\n---\n[[Home]]\n",
            "Home.md": "[[Concurrency]] and [[Locks]]\n",
        },
    )
    (broken,) = [d for d in diagnostics(vault, "broken-link") if d.target == "Concurrency"]
    assert "alias of 'Concurrency Basics.md'" in broken.message
    result = CliRunner().invoke(cli, ["stub", "--all", str(vault)])
    assert result.exit_code == 0, result.output
    assert (
        "Home.md:1: stub-skipped no stub for 'Concurrency': it is an alias of 'Concurrency Basics.md'; "
        "link [[Concurrency Basics|Concurrency]] instead" in result.output
    )
    assert "created Locks.md" in result.output
    assert not (vault / "Concurrency.md").exists()


TOPICS_ONLY = "---\ntopics: [Rust, Go]\n---\n# Languages\n\nNotes on [[Other]].\n"
TEMPLATE_RULES = ("frontmatter-missing", "frontmatter-type", "section-missing", "missing-topic", "topics-mismatch")


def test_a_topics_key_alone_is_no_sign_of_the_built_in_template(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Languages.md": TOPICS_ONLY, "Other.md": "[[Languages]]\n"})
    assert diagnostics(vault, *TEMPLATE_RULES) == []


def test_a_note_naming_the_template_follows_it(tmp_path: Path) -> None:
    named = TOPICS_ONLY.replace("---\ntopics:", "---\ntemplate: topic-overview\ntopics:")
    vault = write_vault(tmp_path, {"Languages.md": named, "Other.md": "[[Languages]]\n"})
    assert "frontmatter-missing" in {d.rule for d in diagnostics(vault)}


def test_the_configuration_enables_a_built_in_template(tmp_path: Path) -> None:
    files = {
        "Languages.md": TOPICS_ONLY,
        "Other.md": "[[Languages]]\n",
        ".vaulttool.toml": 'templates = ["topic-overview"]\n',
    }
    found = {(d.rule, d.field) for d in diagnostics(write_vault(tmp_path, files), "frontmatter-missing")}
    assert ("frontmatter-missing", "title") in found


def test_a_note_with_every_required_property_follows_the_template(tmp_path: Path) -> None:
    whole = TOPICS_ONLY.replace(
        "---\ntopics:",
        '---\ntitle: L\ntags: [x]\nlinks: ["[[Other]]"]\nimportance: 3/5\nstatus: draft\ncreated: 2026-01-02\ntopics:',
    )
    vault = write_vault(tmp_path, {"Languages.md": whole, "Other.md": "[[Languages]]\n"})
    assert "section-missing" in {d.rule for d in diagnostics(vault)}
    assert check(vault).context.schema_of["Languages.md"].name == "topic-overview"  # type: ignore[union-attr]


def test_an_unknown_template_in_the_configuration_is_a_usage_error(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"A.md": "x\n", ".vaulttool.toml": 'templates = ["topic-overveiw"]\n'})
    result = CliRunner().invoke(cli, ["check", str(vault)])
    assert result.exit_code == 2
    assert "templates names 'topic-overveiw'" in result.output and "topic-overview" in result.output


def test_the_raw_seed_alone_follows_topic_overview(seed_vault: Path) -> None:
    report = check(seed_vault)
    assert {s.name for s in report.context.schema_of.values()} == {"topic-overview"}  # type: ignore[union-attr]
    assert "forbidden-content" in {d.rule for d in report.diagnostics}


OVERVIEW = """---
template: topic-overview
title: Langs
tags: [lang]
topics:
  - Rust
  - Go
links: ["[[Other]]"]
importance: 3/5
status: draft
created: 2026-01-02
---
## Overview (Mentor Advice)

Learn one language well before the next.

## Topics Table (Clickable Wiki-Style)

|Topic|Brief Description|
|---|---|
|**[[Rust]]**|Rust is a systems language.|

### Keywords

Rust, language, lifetimes
"""


def test_a_topic_the_note_links_is_reported_once_by_its_link(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Langs.md": OVERVIEW, "Other.md": "[[Langs]]\n"})
    found = [d for d in diagnostics(vault, "broken-link", "missing-topic")]
    assert [(d.rule, d.target, d.line, d.column) for d in found] == [
        ("missing-topic", "Go", 7, 5),  # no link names Go: the list item, at the topic
        ("broken-link", "Rust", 21, 4),  # the table's link is the one report for Rust
    ]
    assert "vaulttool stub --topics" in found[1].message


def test_each_note_s_topics_are_resolved_from_that_note(tmp_path: Path) -> None:
    # the same topics in two folders: ./Rust has a note beside a/Langs.md only; Go has one at the top
    relative = OVERVIEW.replace("  - Rust\n", "  - ./Rust\n")
    files = {
        "a/Langs.md": relative,
        "a/Rust.md": "[[Langs]]\n",
        "b/Langs.md": relative,
        "c/Langs.md": relative.replace("  - ./Rust\n", "  - Java\n"),
        "Go.md": "[[a/Langs]] [[b/Langs]] [[c/Langs]]\n",
    }
    found = [(d.path, d.target, d.line) for d in diagnostics(write_vault(tmp_path, files), "missing-topic")]
    assert found == [("b/Langs.md", "./Rust", 6), ("c/Langs.md", "Java", 6)]


def test_a_topic_several_notes_list_is_reported_where_no_link_of_the_note_names_it(tmp_path: Path) -> None:
    # both notes list Rust and Go, neither has a note; a/Langs.md's table links Rust, b/Langs.md's links Go
    files = {
        "a/Langs.md": OVERVIEW,
        "b/Langs.md": OVERVIEW.replace("[[Rust]]", "[[Go]]"),
        "c/Langs.md": OVERVIEW.replace("  - Rust\n", "  - Python\n"),
        "Python.md": "[[a/Langs]] [[b/Langs]] [[c/Langs]]\n",
    }
    found = [(d.path, d.target) for d in diagnostics(write_vault(tmp_path, files), "missing-topic")]
    assert found == [("a/Langs.md", "Go"), ("b/Langs.md", "Rust"), ("c/Langs.md", "Go")]


def test_columns_point_at_the_offending_text(tmp_path: Path) -> None:
    note = OVERVIEW.replace("importance: 3/5", "importance: 7/5").replace("title: Langs", "title: Langs â€“ all")
    vault = write_vault(tmp_path, {"Langs.md": note, "Other.md": "[[Langs]]\n", "Rust.md": "x\n", "Go.md": "x\n"})
    by_rule = {d.rule: d for d in diagnostics(vault, "frontmatter-type", "mojibake", "keyword-not-in-text")}
    assert (by_rule["frontmatter-type"].line, by_rule["frontmatter-type"].column) == (9, 13)
    assert (by_rule["mojibake"].line, by_rule["mojibake"].column) == (3, 14)
    assert by_rule["keyword-not-in-text"].target == "lifetimes"
    assert (by_rule["keyword-not-in-text"].line, by_rule["keyword-not-in-text"].column) == (25, 17)
