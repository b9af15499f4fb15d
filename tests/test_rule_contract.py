"""Every rule declares what it reads, and no rule's cached re-run differs from a full check.

Each rule runs alone here, so that a re-run checks again only what that rule's own
``SCOPE`` says it must: a rule that reads more than it declares shows up as a difference
between the cached re-run and a check without a cache.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.vaultgen import make_vault, random_edit
from vaulttool import rules
from vaulttool.commands.cli import main
from vaulttool.engine import options as engine_options
from vaulttool.engine.options import options_for
from vaulttool.incremental import cache
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check, state_key, worked_out
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output.formatters import format_json
from vaulttool.rules import ALL_RULES, SCOPES, rule_scope
from vaulttool.rules.context import RuleContext, VaultContext

ROUNDS = 14


def _shared_title_rule(scope: str) -> ModuleType:
    """A vault-wide rule as a rule author would write it: warn when two notes share a ``title``."""
    rule = ModuleType("shared_title", "shared-title: two notes with the same frontmatter title.")
    rule.ID = "shared-title"  # type: ignore[attr-defined]
    rule.DEFAULT_SEVERITY = Severity.WARNING  # type: ignore[attr-defined]
    rule.SCOPE = scope  # type: ignore[attr-defined]

    def check_rule(ctx: RuleContext) -> Iterator[Diagnostic]:
        owners: dict[str, list[str]] = {}
        for path, note in ctx.notes.items():
            title = (note.frontmatter or {}).get("title")
            if isinstance(title, str):
                owners.setdefault(title, []).append(path)
        for title, paths in owners.items():
            for path in paths[1:]:
                message = f"title '{title}' is also the title of {paths[0]}"
                yield Diagnostic(path, 1, 1, "shared-title", Severity.WARNING, message)

    rule.check = check_rule  # type: ignore[attr-defined]
    return rule


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written a moment ago count as settled, so that every round can be a re-run."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def _register(monkeypatch: pytest.MonkeyPatch, rule: ModuleType) -> None:
    registry = (*ALL_RULES, rule)
    monkeypatch.setattr(rules, "ALL_RULES", registry)
    monkeypatch.setattr(engine_options, "ALL_RULES", registry)


def _rounds(vault: Path, folder: Path, rule_id: str, seed: int) -> tuple[list[str], int]:
    """Edit ``vault`` at random; return where a cached re-run differs from a full check, and how
    many re-runs checked only part of the vault."""
    rng = random.Random(seed)
    differences: list[str] = []
    partial = 0
    for round_no in range(ROUNDS):
        what = random_edit(vault, rng) if round_no else "first check"
        options = options_for(vault, select=(rule_id,))
        rerun, worked = worked_out(vault, options, VaultCache(folder, vault), jobs=1)  # one cache object per run
        full = check(vault, options, jobs=1)
        if format_json(rerun) != format_json(full):
            differences.append(what)
        partial += bool(worked.changed)
    return differences, partial


@pytest.mark.parametrize("rule_id", [rule.ID for rule in ALL_RULES] + ["shared-title"])
def test_cached_rerun_equals_full_check(
    rule_id: str, tmp_path: Path, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(monkeypatch, _shared_title_rule("vault"))
    vault = make_vault(tmp_path / "vault")
    differences, partial = _rounds(vault, tmp_path / "cache", rule_id, seed=len(rule_id))
    assert differences == []
    if rule_id != "shared-title":  # a vault-wide rule makes every re-run a full one
        assert partial > 0, "no round was a partial re-run: the test would not notice a wrong SCOPE"


def test_a_rule_that_reads_more_than_its_scope_is_caught(
    tmp_path: Path, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(monkeypatch, _shared_title_rule("links"))  # it reads other notes' titles: not "links"
    vault = make_vault(tmp_path / "vault")
    found = [_rounds(vault, tmp_path / f"cache{seed}", "shared-title", seed)[0] for seed in range(3)]
    assert any(differences for differences in found)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_every_rule_declares_its_scope(rule: ModuleType) -> None:
    assert getattr(rule, "SCOPE", None) in SCOPES
    # a per-note rule runs where the note is parsed; every other rule over the vault
    assert hasattr(rule, "check_note") == (rule_scope(rule) == "note")
    assert hasattr(rule, "check") != (rule_scope(rule) == "note")


def test_an_unknown_scope_is_named() -> None:
    rule = _shared_title_rule("everything")
    with pytest.raises(ValueError, match=r"shared-title.*'everything'"):
        rule_scope(rule)


def test_a_state_that_does_not_fit_is_a_warning_and_a_full_check(
    tmp_path: Path, trusted: None, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = make_vault(tmp_path / "vault")
    options = options_for(vault)
    check(vault, options, cache=VaultCache(tmp_path / "cache", vault), jobs=1)
    key, store = state_key(options), VaultCache(tmp_path / "cache", vault)
    value = list(store.load_state(key) or ())
    value[7] = {f"gone/{path}": found for path, found in value[7].items()}  # targets of other notes
    store.save_state(key, tuple(value))
    (vault / "Note 0.md").write_text("# Changed\n\n[[Note 4]]\n", encoding="utf-8")
    rerun = check(vault, options, cache=VaultCache(tmp_path / "cache", vault), jobs=1)
    assert format_json(rerun) == format_json(check(vault, options, jobs=1))
    assert "cached state of the last check cannot be used" in capsys.readouterr().err


def test_a_vault_rule_may_use_the_graph_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = _shared_title_rule("vault")

    def dead_ends(ctx: VaultContext) -> Iterator[Diagnostic]:  # reads the link graph, as "vault" rules may
        for path in sorted(ctx.notes):
            if ctx.graph.graph.out_degree(path) == 0:
                yield Diagnostic(path, 1, 1, "shared-title", Severity.WARNING, "links nowhere")

    rule.check = dead_ends  # type: ignore[attr-defined]
    _register(monkeypatch, rule)
    vault = make_vault(tmp_path / "vault", notes=6)
    (vault / "Lonely.md").write_text("# Lonely\n", encoding="utf-8")
    assert main(["check", str(vault), "--select", "shared-title", "--no-cache", "--format", "json"]) == 0
    assert '"path": "Lonely.md"' in capsys.readouterr().out
