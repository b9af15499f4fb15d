"""Many checks at once on one vault and one cache: each report right, each note stored once."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.hostile.harness import cli_env
from tests.vaultgen import make_vault, random_edit
from vaulttool.incremental.packfiles import stored_notes

PROCESSES = 8


def check_script(vault: Path, base: Path | None, out: Path) -> str:
    """A ``check`` of ``vault`` with the cache under ``base`` (None: no cache), its JSON report to
    ``out``; the cache trusts files written a moment ago (the test has just written them)."""
    cache = ["--no-cache"] if base is None else ["--cache-dir", str(base)]
    argv = ["check", str(vault), "--format", "json", "-o", str(out), *cache]
    return (
        "import sys\nfrom vaulttool.incremental import cache\nfrom vaulttool.commands.cli import main\n"
        f"cache.RACY_NS = 0\nsys.exit(main({argv!r}))\n"
    )


def run_at_once(scripts: list[str]) -> list[int]:
    """Start a process for each script together; their exit codes."""
    env = cli_env()
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for script in scripts]
    return [proc.wait(timeout=300) for proc in procs]


def folder_bytes(base: Path) -> int:
    """The bytes of the files under ``base``."""
    return sum(path.stat().st_size for path in base.rglob("*") if path.is_file())


def test_eight_checks_at_once_store_each_note_once_and_report_as_without_a_cache(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", notes=40, seed=3)
    base, out = tmp_path / "cache", tmp_path / "out"
    out.mkdir()
    rng = random.Random(7)
    for round_ in range(3):
        for _ in range(3 if round_ else 0):
            random_edit(vault, rng)
        codes = run_at_once([check_script(vault, base, out / f"{n}.json") for n in range(PROCESSES)])
        (expected_code,) = run_at_once([check_script(vault, None, out / "expected.json")])
        expected = (out / "expected.json").read_bytes()
        assert b'"diagnostics"' in expected
        for n, code in enumerate(codes):
            assert (code, (out / f"{n}.json").read_bytes()) == (expected_code, expected), f"round {round_}, run {n}"
        (folder,) = [entry for entry in base.iterdir() if entry.is_dir()]
        copies = Counter(path for path, _ in stored_notes(folder))
        notes = {str(p.relative_to(vault).as_posix()) for p in vault.rglob("*.md") if "_schemas" not in p.parts}
        assert set(copies) == notes, f"round {round_}: every note is stored"
        assert max(copies.values()) == 1, f"round {round_}: {copies.most_common(3)}"
    alone = tmp_path / "alone"
    assert run_at_once([check_script(vault, alone, out / "alone.json")]) == [expected_code]
    assert folder_bytes(base) < 2 * folder_bytes(alone)
