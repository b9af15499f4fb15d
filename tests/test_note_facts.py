"""What a note's check works out for the vault-wide rules (its schema, the topics it names) is what
those rules would work out themselves: found as the note is parsed, in a worker or read from the cache."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED
from tests.test_fidelity import OVERVIEW
from tests.test_frontmatter_links import write_vault
from vaulttool.engine.lint import run_rules
from vaulttool.engine.load import Loaded, load
from vaulttool.engine.options import Options, enabled_rules, options_for
from vaulttool.incremental import pool
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.source import PoolSource
from vaulttool.rules.context import RuleContext

LANGS = OVERVIEW.replace(
    "  - Go\n", "  - Go\n  - ./Rust\n  - '[[Zig|the Zig language]]'\n  - diagram.PNG\n  - rust.md\n"
)
FILES = {
    "a/Langs.md": LANGS,  # Rust and Zig are listed and linked by the table, Go only listed
    "b/Langs.md": LANGS.replace("[[Rust]]", "[[Go]]").replace("  - Rust\n", "  - RUST\n"),
    "c/Langs.md": LANGS.replace("  - ./Rust\n", "  - ../Go\n  - Notes/Rust\n"),
    "Broken.md": SEED.read_text(encoding="utf-8").replace("aliases: [Concurrency,", "aliases: [Concurrency, [", 1),
    "Diagram.png": "",
    "Notes/rust.md": "[[a/Langs]] [[b/Langs]] [[c/Langs]] [[Broken]] [[Plain]]\n",
    "Plain.md": "---\ntopics: [Rust]\n---\nNo template.\n",
}


def loaded_with_facts(vault: Path, options: Options, source: PoolSource | None = None) -> Loaded[RuleContext]:
    """The vault loaded as a check loads it, each note's facts found as it was parsed."""
    return load(vault, options, source=source, rules=enabled_rules(options), keep_links=False)


def without_facts(vault: Path, options: Options) -> Loaded[RuleContext]:
    """The vault loaded whole (each note with its headings), the vault-wide rules left to work out
    each note's facts themselves."""
    loaded = load(vault, options, rules=enabled_rules(options))
    return dataclasses.replace(loaded, context=dataclasses.replace(loaded.context, facts={}))


def test_a_note_s_facts_are_those_the_vault_wide_rules_work_out(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, FILES)
    options = options_for(vault)
    ctx, bare = loaded_with_facts(vault, options).context, without_facts(vault, options).context
    assert set(ctx.facts) == set(ctx.notes)
    assert ctx.schema_of == bare.schema_of and set(ctx.schema_of) == {
        "a/Langs.md",
        "b/Langs.md",
        "c/Langs.md",
        "Broken.md",
    }
    for path in ctx.notes:
        assert set(ctx.topic_keys(path)) == set(bare.topic_keys(path)), path
    assert set(ctx.topic_keys("a/Langs.md")) == {"rust", "go", "./rust", "zig", "diagram.png", "rust.md"}
    assert "threading" in ctx.topic_keys("Broken.md")  # from its topics table: its properties do not parse
    assert ctx.topic_keys("Plain.md") == ()  # a topics list without a template names no topics


def test_the_vault_wide_rules_report_alike_with_and_without_the_facts(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, FILES)
    options = options_for(vault)
    rules = enabled_rules(options)
    found = run_rules(loaded_with_facts(vault, options), rules, options)
    assert found == run_rules(without_facts(vault, options), rules, options)
    missing = sorted((d.path, d.target) for d in found if d.rule == "missing-topic")
    # Rust has a note (Notes/rust.md) from everywhere, ./Rust only beside it; diagram.PNG is a file;
    # each note's table link to Rust, Go or Zig is a broken link of its own, not a missing topic
    assert missing == [
        ("a/Langs.md", "./Rust"),
        ("a/Langs.md", "Go"),
        ("b/Langs.md", "./Rust"),
        ("c/Langs.md", "../Go"),
        ("c/Langs.md", "Go"),
    ]
    hinted = {(d.path, d.target) for d in found if d.rule == "broken-link" and "topic of this note" in d.message}
    assert {("a/Langs.md", "Zig"), ("b/Langs.md", "Go"), ("Broken.md", "Threading")} <= hinted


def test_a_check_of_the_vault_wide_rules_alone_reads_the_same_facts(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, FILES)
    options = options_for(vault)
    alone = dataclasses.replace(options, select=("broken-link",))  # no per-note rule runs
    whole = run_rules(loaded_with_facts(vault, options), enabled_rules(options), options)
    found = run_rules(loaded_with_facts(vault, alone), enabled_rules(alone), alone)
    assert found == [d for d in whole if d.rule == "broken-link"]
    # Broken.md's properties do not parse: only its topics table, whose heading the lean load drops, names Threading
    assert any(d.path == "Broken.md" and d.target == "Threading" and "topic of this note" in d.message for d in found)


def test_facts_from_workers_and_from_the_cache_are_those_found_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fillers = {f"More/Filler {at}.md": f"[[a/Langs]] [[Filler {at + 1}]]\n" for at in range(40)}
    vault = write_vault(tmp_path / "vault", FILES | fillers)
    options = options_for(vault)
    here = loaded_with_facts(vault, options).context.facts
    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 0)  # workers for a vault this small
    answers: list[bytes] = []
    work = pool.in_workers

    def counted(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        for answer in work(*args, **kwargs):
            answers.append(answer)
            yield answer

    monkeypatch.setattr(pool, "in_workers", counted)
    cache = VaultCache(tmp_path / "cache", vault, content=True)  # content stamps: cached at once
    parsed = []
    for _ in range(2):  # the cache written by workers, then read
        source = PoolSource(vault, options, cache, jobs=2)
        assert loaded_with_facts(vault, options, source).context.facts == here
        parsed.append(len(source._parsed))
    assert answers  # the workers parsed them
    assert parsed == [len(here), 0]  # every note parsed by the workers, then every one read from the cache
