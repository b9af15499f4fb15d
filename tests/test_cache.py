"""The cache: same report as without it, only changed notes read again, never in the vault."""

from __future__ import annotations

import marshal
import os
import shutil
import threading
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.commands.cli import cli, main
from vaulttool.engine.options import Options
from vaulttool.incremental import cache, housekeeping
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check, state_key
from vaulttool.output.formatters import format_json

NOTES = {
    "Home.md": (
        "---\nlinks: ['[[Index MOC]]', '[[Missing MOC]]']\naliases: [Start]\n---\n"
        "[[A]] [[B#Intro]] [[B#Nope]] [[Nowhere]]\n"
    ),
    "A.md": "# A\nBack to [[Home]].\n",
    "B.md": "## Intro\nSee [[A]] and [[Start]].\n",
    "Lonely.md": "Nothing links here.\n",
    "Index MOC.md": "[[Home]]\n",
    "sub/Deep.md": "---\ntags: [deep]\n---\n[[../A]] ![[pic.png]]\n",
    "sub/pic.png": "",
}


def make_vault(root: Path) -> Path:
    """Write the notes of :data:`NOTES` into a new vault at ``root``."""
    for rel, text in NOTES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path / "vault")


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust files written a moment ago (the tests write their vaults just before checking)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def report(vault: Path, folder: Path | None, options: Options | None = None) -> str:
    """The JSON report of ``vault``, with a cache under ``folder`` (None: no cache)."""
    return format_json(check(vault, options, cache=None if folder is None else VaultCache(folder, vault)))


def test_unchanged_vault_reads_no_note(vault: Path, tmp_path: Path, settled: None, reads: list[str]) -> None:
    first = report(vault, tmp_path / "cache")
    assert len(reads) == 6
    reads.clear()
    second = report(vault, tmp_path / "cache")
    assert reads == []
    assert second == first == report(vault, None)


def test_an_edited_note_is_the_only_one_read_again(
    vault: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    report(vault, tmp_path / "cache")
    with (vault / "A.md").open("a", encoding="utf-8") as note:
        note.write("Now also [[Elsewhere]].\n")
    reads.clear()
    edited = report(vault, tmp_path / "cache")
    assert reads == ["A.md"]
    assert "Elsewhere" in edited
    assert edited == report(vault, None)


def test_added_and_removed_notes_change_resolution(
    vault: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    report(vault, tmp_path / "cache")
    (vault / "B.md").unlink()
    (vault / "Nowhere.md").write_text("[[Home]]\n", encoding="utf-8")
    reads.clear()
    changed = report(vault, tmp_path / "cache")
    assert reads == ["Nowhere.md"]
    assert changed == report(vault, None)
    assert '"target": "B#Intro"' in changed
    assert '"target": "Nowhere"' not in changed


def test_other_options_are_not_served_the_cached_report(vault: Path, tmp_path: Path, settled: None) -> None:
    report(vault, tmp_path / "cache")
    only = Options(select=("orphan-note",))
    assert report(vault, tmp_path / "cache", only) == report(vault, None, only)


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "bad checksum":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif how == "foreign":  # a well-formed file holding something else
        payload = marshal.dumps({"not": ["what", "was", "stored"]})
        path.write_bytes(b"vaulttool cache\n" + zlib.crc32(payload).to_bytes(4, "little") + payload)


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "bad checksum", "foreign"])
def test_a_damaged_cache_is_ignored_and_rebuilt(
    vault: Path, tmp_path: Path, settled: None, reads: list[str], how: str
) -> None:
    expected = report(vault, tmp_path / "cache")
    files = sorted((tmp_path / "cache").rglob("*.bin"))
    assert {f.name for f in files} >= {"state.bin", "resolved.bin"}
    for file in files:
        damage(file, how)
    reads.clear()
    assert report(vault, tmp_path / "cache") == expected
    if how in ("truncated", "bad checksum"):  # each note in a pack has its own checksum: the others are good
        assert 0 < len(reads) < 6
    else:
        assert len(reads) == 6
    reads.clear()
    assert report(vault, tmp_path / "cache") == expected
    assert reads == []


def test_notes_changed_a_moment_ago_are_read_again(vault: Path, tmp_path: Path, reads: list[str]) -> None:
    first = report(vault, tmp_path / "cache")
    reads.clear()
    assert report(vault, tmp_path / "cache") == first
    assert len(reads) == 6  # same size and mtime, but too recent to trust
    reads.clear()
    assert report(vault, tmp_path / "cache") == first
    assert len(reads) == 6


def test_values_marshal_cannot_store_leave_only_their_note_uncached(
    vault: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    (vault / "Dated.md").write_text("---\ncreated: !!timestamp 2024-01-15\n---\n[[Home]]\n", encoding="utf-8")
    first = report(vault, tmp_path / "cache")
    (vault / "A.md").write_text("# A\nchanged\n", encoding="utf-8")
    reads.clear()
    second = report(vault, tmp_path / "cache")
    assert sorted(reads) == ["A.md", "Dated.md"]
    assert second == report(vault, None) != first


def test_concurrent_runs_share_one_cache(vault: Path, tmp_path: Path, settled: None) -> None:
    expected = report(vault, None)
    results: list[str] = []
    runs = [threading.Thread(target=lambda: results.append(report(vault, tmp_path / "cache"))) for _ in range(4)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert results == [expected] * 4
    assert report(vault, tmp_path / "cache") == expected


def test_fingerprint_covers_options_and_extra_inputs() -> None:
    base = state_key(Options())
    assert base == state_key(Options())
    assert base != state_key(Options(select=("broken-link",)))
    assert state_key(Options(), b"schema: a") != state_key(Options(), b"schema: b") != base


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_check_never_writes_into_the_vault(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    default = tmp_path / "user-cache"
    monkeypatch.delenv("VAULTTOOL_CACHE_DIR", raising=False)
    monkeypatch.setattr(housekeeping, "default_cache_dir", lambda: default)
    before = snapshot(vault)
    for _ in range(2):
        CliRunner().invoke(cli, ["check", str(vault), "--format", "json"], standalone_mode=False)
    assert snapshot(vault) == before
    assert any(default.rglob("state.bin"))


def test_a_default_cache_folder_inside_the_vault_is_not_used(
    vault: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    monkeypatch.delenv("VAULTTOOL_CACHE_DIR", raising=False)
    monkeypatch.setattr(housekeeping, "default_cache_dir", lambda: vault / ".cache" / "vaulttool")
    before = snapshot(vault)
    result = CliRunner().invoke(cli, ["check", str(vault)], standalone_mode=False)
    assert result.exception is None
    assert snapshot(vault) == before


def test_no_cache_writes_nothing(vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None) -> None:
    default = tmp_path / "user-cache"
    monkeypatch.delenv("VAULTTOOL_CACHE_DIR", raising=False)
    monkeypatch.setattr(housekeeping, "default_cache_dir", lambda: default)
    for args in (["--no-cache"], ["--no-cache", "--cache-dir", str(tmp_path / "explicit")]):
        result = CliRunner().invoke(cli, ["check", str(vault), *args], standalone_mode=False)
        assert result.exception is None
    assert not default.exists()
    assert not (tmp_path / "explicit").exists()


def test_cache_dir_option_and_environment(vault: Path, tmp_path: Path, settled: None) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["check", str(vault), "--cache-dir", str(tmp_path / "opt")], standalone_mode=False)
    runner.invoke(cli, ["check", str(vault)], env={"VAULTTOOL_CACHE_DIR": str(tmp_path / "env")}, standalone_mode=False)
    assert any((tmp_path / "opt").rglob("state.bin"))
    assert any((tmp_path / "env").rglob("state.bin"))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the sample vault, whose notes follow the built-in template schemas."""
    from tests.conftest import SAMPLE_VAULT

    return Path(shutil.copytree(SAMPLE_VAULT, tmp_path / "sample"))


MAIN_NOTE = "Python Concurrency Patterns.md"


def test_template_findings_are_reused_and_follow_an_edit(
    sample: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    assert '"diagnostics": []' in report(sample, tmp_path / "cache")
    note = sample / MAIN_NOTE
    text = note.read_text(encoding="utf-8")
    start = text.index("|Threading enables") + 1
    note.write_text(text[:start] + "Threads share memory." + text[text.index("|", start) :], encoding="utf-8")
    reads.clear()
    edited = report(sample, tmp_path / "cache")
    assert reads == [MAIN_NOTE]
    assert '"rule": "description-too-short"' in edited
    assert edited == report(sample, None)
    note.write_text(text, encoding="utf-8")
    assert '"diagnostics": []' in report(sample, tmp_path / "cache")


def test_a_changed_schema_checks_every_note_again(
    sample: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    from vaulttool.model.config import builtin_schema_dir
    from vaulttool.model.schema_files import load_schemas

    folder = Path(shutil.copytree(builtin_schema_dir(), tmp_path / "schemas"))
    first = Options(schemas=tuple(load_schemas(folder)))
    assert '"diagnostics": []' in report(sample, tmp_path / "cache", first)
    schema = folder / "topic-overview.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("min_words: 26", "min_words: 60"), encoding="utf-8")
    stricter = Options(schemas=tuple(load_schemas(folder)))
    reads.clear()
    checked = report(sample, tmp_path / "cache", stricter)
    assert sorted(reads) == sorted(p.name for p in sample.glob("*.md"))
    assert checked.count('"rule": "description-too-short"') == 7
    assert checked == report(sample, None, stricter)


def cli_check(vault: Path, folder: Path, *args: str) -> tuple[int, str]:
    """Exit code and output of ``vaulttool check`` on ``vault`` with its cache under ``folder``."""
    out = folder.parent / "report.out"
    code = main(["check", str(vault), "--cache-dir", str(folder), "-o", str(out), *args])
    return code, out.read_text(encoding="utf-8")


def test_an_unchanged_vault_gets_the_printed_report_again_with_its_exit_code(
    vault: Path, tmp_path: Path, settled: None, reads: list[str]
) -> None:
    folder = tmp_path / "cache"
    for args in (["--format", "json"], ["--format", "text"], ["--format", "text", "--exit-zero"]):
        first = cli_check(vault, folder, *args)
        reads.clear()
        assert cli_check(vault, folder, *args) == first
        assert reads == []
    assert cli_check(vault, folder, "--format", "text")[0] == 1
    assert cli_check(vault, folder, "--format", "text", "--exit-zero")[0] == 0
    assert cli_check(vault, folder, "--format", "json")[1].startswith("{")
    code, only_orphans = cli_check(vault, folder, "--format", "text", "--select", "orphan-note")
    assert code == 0 and "orphan-note" in only_orphans and "broken-link" not in only_orphans


def test_warnings_fail_a_strict_rerun(tmp_path: Path, settled: None) -> None:
    root = tmp_path / "warn"
    root.mkdir()
    (root / "Lonely.md").write_text("No links.\n", encoding="utf-8")
    (root / "Twin.md").write_text("[[twin]]\n", encoding="utf-8")
    (root / "twin.md").write_text("[[Twin]]\n", encoding="utf-8")
    folder = tmp_path / "cache"
    for _ in range(2):  # the second run of each is answered from the cache
        assert cli_check(root, folder, "--format", "text")[0] == 0
        assert cli_check(root, folder, "--format", "text", "--strict")[0] == 1


def test_changed_settings_files_are_not_served_the_printed_report(sample: Path, tmp_path: Path, settled: None) -> None:
    from vaulttool.model.config import builtin_schema_dir

    folder, schemas = tmp_path / "cache", Path(shutil.copytree(builtin_schema_dir(), tmp_path / "schemas"))
    config = tmp_path / "vaulttool.toml"
    config.write_text(f"schemas = '{schemas.name}'\n", encoding="utf-8")
    assert cli_check(sample, folder, "--config", str(config)) == (
        0,
        cli_check(sample, folder, "--config", str(config))[1],
    )
    schema = schemas / "topic-overview.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("min_words: 26", "min_words: 60"), encoding="utf-8")
    code, output = cli_check(sample, folder, "--config", str(config))
    assert code == 1 and output.count("description-too-short") == 7
    config.write_text(f"schemas = '{schemas.name}'\nignore = ['description-too-short']\n", encoding="utf-8")
    assert cli_check(sample, folder, "--config", str(config))[0] == 0


def test_a_rerun_from_the_cache_loads_no_schema(vault: Path, tmp_path: Path, settled: None) -> None:
    import subprocess
    import sys

    script = (
        "import sys\nfrom vaulttool.incremental import cache\n"
        "from vaulttool.commands.cli import main\ncache.RACY_NS = 0\n"
        f"main(['check', {str(vault)!r}, '--cache-dir', {str(tmp_path / 'cache')!r}, "
        f"'-o', {str(tmp_path / 'out')!r}])\n"
        "print(sorted(m for m in ('pydantic', 'vaulttool.engine.lint', 'yaml') if m in sys.modules))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True) for _ in "12"]
    assert runs[0].stdout.strip() == "['pydantic', 'vaulttool.engine.lint', 'yaml']"
    assert runs[1].stdout.strip() == "[]"


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "bad checksum", "foreign"])
def test_a_damaged_printed_report_is_not_printed(vault: Path, tmp_path: Path, settled: None, how: str) -> None:
    folder = tmp_path / "cache"
    expected = cli_check(vault, folder, "--format", "json")
    (stored,) = folder.rglob("output.bin")
    damage(stored, how)
    assert cli_check(vault, folder, "--format", "json") == expected
    assert cli_check(vault, folder, "--format", "json") == expected
