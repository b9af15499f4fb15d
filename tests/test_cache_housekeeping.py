"""Cache housekeeping: where the cache may live, how large it is, and what is pruned."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.commands.cli import main
from vaulttool.incremental import cache, housekeeping
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.housekeeping import cache_entries


@pytest.fixture
def vaults(tmp_path: Path) -> list[Path]:
    """Three small vaults, each a note linking to another."""
    found = []
    for name in ("alpha", "beta", "gamma"):
        root = tmp_path / name
        root.mkdir()
        (root / "A.md").write_text("[[B]]\n", encoding="utf-8")
        (root / "B.md").write_text("# B\n[[A]]\n", encoding="utf-8")
        found.append(root)
    return found


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust files written a moment ago (the tests write their vaults just before checking)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def run(*args: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, standard output and standard error."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(list(args))
        return code, out.getvalue().decode(), err.getvalue().decode()


def age(folder: Path, days: float) -> None:
    """Make every file of a cache folder look last used ``days`` ago."""
    when = time.time() - days * 86400
    for item in folder.iterdir():
        os.utime(item, (when, when))


def test_a_cache_dir_inside_the_vault_is_refused(vaults: list[Path]) -> None:
    vault = vaults[0]
    before = sorted(vault.rglob("*"))
    code, _, err = run("check", str(vault), "--cache-dir", str(vault / ".cache"))
    assert code == 2
    assert "inside the vault" in err
    assert sorted(vault.rglob("*")) == before
    code, _, err = run("check", str(vault), "--cache-dir", str(vault / ".cache"), "--no-cache")
    assert code == 0, err  # not used: not refused


def test_cache_shows_where_it_is_and_its_size_per_vault(vaults: list[Path], tmp_path: Path) -> None:
    base = tmp_path / "cache"
    for vault in vaults[:2]:
        assert run("check", str(vault), "--cache-dir", str(base))[0] == 0
    code, out, _ = run("cache", "--cache-dir", str(base))
    assert code == 0
    lines = out.splitlines()
    entries = cache_entries(base)
    total = sum(entry.size for entry in entries)
    assert lines[0].startswith(f"{base}: ") and "in 2 vaults" in lines[0]
    assert total > 1000 and f"{total / 1000:.1f} kB" in lines[0]
    assert {line.split()[-1] for line in lines[1:]} == {os.path.realpath(v) for v in vaults[:2]}


def test_cache_clean_empties_it_and_leaves_other_files(vaults: list[Path], tmp_path: Path) -> None:
    base = tmp_path / "cache"
    run("check", str(vaults[0]), "--cache-dir", str(base))
    (base / "notes.txt").write_text("mine\n", encoding="utf-8")  # not a vault entry: never removed
    code, out, _ = run("cache", "clean", "--cache-dir", str(base))
    assert code == 0 and "removed 1 vault entry" in out
    assert cache_entries(base) == []
    assert (base / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert run("cache", "--cache-dir", str(base))[1].startswith(f"{base}: 0 B in 0 vaults")


def test_vaults_not_checked_for_30_days_are_pruned_on_write(vaults: list[Path], tmp_path: Path) -> None:
    base = tmp_path / "cache"
    for vault in vaults[:2]:
        run("check", str(vault), "--cache-dir", str(base))
    old, recent = (VaultCache(base, vault).folder for vault in vaults[:2])
    age(old, 31)
    age(recent, 29)
    run("check", str(vaults[2]), "--cache-dir", str(base))
    assert not old.exists()
    assert recent.exists() and VaultCache(base, vaults[2]).folder.exists()


def test_a_rerun_served_from_the_cache_counts_as_a_check(vaults: list[Path], tmp_path: Path) -> None:
    base = tmp_path / "cache"
    run("check", str(vaults[0]), "--cache-dir", str(base))
    folder = VaultCache(base, vaults[0]).folder
    age(folder, 31)
    run("check", str(vaults[0]), "--cache-dir", str(base))  # answered from the printed report
    run("check", str(vaults[1]), "--cache-dir", str(base))
    assert folder.exists()


def test_the_least_recently_checked_vaults_go_beyond_the_size_cap(
    vaults: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "cache"
    for days, vault in zip((3, 2), vaults[:2], strict=True):
        run("check", str(vault), "--cache-dir", str(base))
        age(VaultCache(base, vault).folder, days)
    sizes = {entry.folder: entry.size for entry in cache_entries(base)}
    monkeypatch.setattr(housekeeping, "MAX_BYTES", sum(sizes.values()) - 1)
    run("check", str(vaults[2]), "--cache-dir", str(base))
    oldest, newer, current = (VaultCache(base, vault).folder for vault in vaults)
    assert not oldest.exists()
    assert newer.exists() and current.exists()
