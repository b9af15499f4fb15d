"""The engine checks a vault on its own; the cache and the workers only make it faster, never different."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.vaultgen import make_vault
from vaulttool import rules
from vaulttool.commands.cli import main
from vaulttool.engine import lint
from vaulttool.engine import options as engine_options
from vaulttool.engine.options import options_for
from vaulttool.incremental import cache
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output.formatters import format_json
from vaulttool.rules import ALL_RULES
from vaulttool.rules.context import RuleContext


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cache, "RACY_NS", 0)  # files written a moment ago count as settled
    return make_vault(tmp_path / "vault")


def test_the_engine_alone_reports_what_the_cached_check_does(vault: Path, tmp_path: Path) -> None:
    alone = format_json(lint.check(vault))  # notes read one by one here: no cache, no workers
    assert alone == format_json(check(vault, jobs=1))
    assert alone == format_json(check(vault, cache=VaultCache(tmp_path / "cache", vault)))
    (vault / "Note 3.md").write_text("# Changed\n\n[[Note 4#Nowhere]] [[Gone]]\n", encoding="utf-8")
    assert format_json(lint.check(vault)) == format_json(check(vault, cache=VaultCache(tmp_path / "cache", vault)))


def test_a_cache_that_cannot_be_read_is_one_line_and_a_full_check(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tmp_path / "cache")
    assert main(["check", str(vault), "--cache-dir", folder, "--format", "json", "-o", str(tmp_path / "first")]) == 1
    capsys.readouterr()

    def unreadable(self: VaultCache, key: str) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(VaultCache, "load_state", unreadable)
    (vault / "Note 3.md").write_text("# Changed\n\n[[Gone]]\n", encoding="utf-8")
    assert main(["check", str(vault), "--cache-dir", folder, "--format", "json"]) == 1
    cached = capsys.readouterr()
    assert main(["check", str(vault), "--no-cache", "--format", "json"]) == 1
    assert cached.out == capsys.readouterr().out
    assert '"path": "Note 3.md"' in cached.out
    line = "vaulttool: the cache cannot be used ([Errno 5] Input/output error); checking every note\n"
    assert cached.err == line


def test_a_rule_reads_what_its_scope_names_from_a_library_call_too(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[type] = []
    rule = ModuleType("peek", "peek: records the context it is given.")
    rule.ID, rule.DEFAULT_SEVERITY, rule.SCOPE = "peek", Severity.INFO, "links"  # type: ignore[attr-defined]

    def peek(ctx: RuleContext) -> Iterator[Diagnostic]:
        seen.append(type(ctx))
        yield from ()

    rule.check = peek  # type: ignore[attr-defined]
    registry = (*ALL_RULES, rule)
    monkeypatch.setattr(rules, "ALL_RULES", registry)
    monkeypatch.setattr(engine_options, "ALL_RULES", registry)
    report = check(vault, options_for(vault, select=("peek",)))  # the report keeps the whole vault ...
    assert report.context is not None and report.context.graph.graph.number_of_nodes() > 0
    assert seen == [RuleContext]  # ... but a "links" rule sees no graph, as on the command line
