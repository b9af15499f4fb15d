"""`vaulttool check --fix` / `--diff`: every fix byte for byte, nothing else touched, nothing half-done."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft4Validator

from tests.conftest import FIXTURES, REPO, SEED
from vaulttool.actions.fixer import FixSettings, plan_fixes, write_fixes
from vaulttool.commands.cli import cli
from vaulttool.engine.options import options_for
from vaulttool.incremental import cache as cache_module
from vaulttool.incremental.check import check

FIX = FIXTURES / "fix"
NOON = datetime(2024, 3, 15, 12, tzinfo=timezone.utc).timestamp()  # the same day in every time zone
TEMPLATE_RULES = {
    "frontmatter-missing",
    "frontmatter-type",
    "section-missing",
    "section-order",
    "description-too-short",
    "topics-mismatch",
    "keyword-not-in-text",
    "forbidden-content",
    "mojibake",
}


def fix_vault(tmp_path: Path) -> Path:
    """A copy of the fix fixture vault; the note without ``created`` was last changed on 2024-03-15."""
    vault = tmp_path / "vault"
    shutil.copytree(FIX / "vault", vault)
    os.utime(vault / "Missing Created.md", (NOON, NOON))
    return vault


def run(vault: Path, *args: str) -> Result:
    """``vaulttool check VAULT --no-cache ARGS``; the exit code is ``result.return_value``."""
    return CliRunner().invoke(cli, ["check", str(vault), "--no-cache", *args], standalone_mode=False)


def notes(vault: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(vault.glob("*.md"))}


def expected(folder: str) -> dict[str, bytes]:
    """The fixture notes as a fix must leave them: the changed ones from ``folder``, the others as they were."""
    return {name: (FIX / folder / name).read_bytes() if (FIX / folder / name).exists() else data
            for name, data in notes(FIX / "vault").items()}  # fmt: skip


@pytest.mark.parametrize(("args", "folder"), [((), "expected-safe"), (("--unsafe-fixes",), "expected")])
def test_every_fix_byte_for_byte(tmp_path: Path, args: tuple[str, ...], folder: str) -> None:
    vault = fix_vault(tmp_path)
    result = run(vault, "--fix", *args)
    assert notes(vault) == expected(folder)
    fixed = 13 if not args else 22
    changed = 6 if not args else 9
    assert result.output.splitlines()[-1].startswith(f"Fixed {fixed} problems in {changed} notes; ")
    assert result.return_value == 1  # broken links and others remain
    again = run(vault, "--fix", *args)
    assert notes(vault) == expected(folder)  # fixing twice is fixing once
    assert again.output.splitlines()[-1].startswith("Fixed 0 problems in 0 notes; ") and "[*]" not in again.output


def test_text_marks_what_fix_repairs_and_counts_it(tmp_path: Path) -> None:
    vault = fix_vault(tmp_path)
    lines = run(vault).output.splitlines()
    score = "Score And Enum.md:4:13: error frontmatter-type [*] 'importance' is 4; note wants a score k/5"
    assert any(line.startswith(score) for line in lines)
    remark = "Closing Remarks.md:9:1: error forbidden-content '"
    assert any(line.startswith(remark) for line in lines)  # an unsafe fix: no mark
    assert lines[-2] == "[*] 13 fixable with --fix (9 more with --unsafe-fixes)."
    unsafe = run(vault, "--unsafe-fixes").output.splitlines()
    assert any(line.startswith("Closing Remarks.md:9:1: error forbidden-content [*] '") for line in unsafe)
    assert unsafe[-2] == "[*] 22 fixable with --fix --unsafe-fixes."
    assert notes(vault) == notes(FIX / "vault")  # checking writes nothing


def test_diff_writes_nothing_and_git_applies_it(tmp_path: Path) -> None:
    vault = fix_vault(tmp_path)
    result = run(vault, "--diff", "--unsafe-fixes")
    assert result.return_value == 1
    assert notes(vault) == notes(FIX / "vault")
    assert "Would fix 22 problems in 9 notes." in result.stderr
    patch = result.stdout_bytes  # as written: the text view would turn CRLF lines into LF ones
    subprocess.run(["git", "apply", "--check", "-"], cwd=vault, input=patch, check=True, capture_output=True)
    subprocess.run(["git", "apply", "-"], cwd=vault, input=patch, check=True, capture_output=True)
    assert notes(vault) == expected("expected")
    clean = run(vault, "--diff", "--unsafe-fixes")
    assert clean.return_value == 0 and clean.stdout == ""


def test_fixable_and_unfixable_choose_the_rules(tmp_path: Path) -> None:
    vault = fix_vault(tmp_path)
    run(vault, "--fix", "--fixable", "mojibake,frontmatter-type", "--unfixable", "frontmatter-type")
    after = notes(vault)
    assert after["Mojibake.md"] == expected("expected-safe")["Mojibake.md"]
    assert after["Score And Enum.md"] == (FIX / "vault" / "Score And Enum.md").read_bytes()
    marks = run(vault, "--unfixable", "frontmatter-type,frontmatter-link-unquoted").output
    assert "[*]" not in marks
    (vault / ".vaulttool.toml").write_text('schemas = "schemas"\nunfixable = ["mojibake"]\nunsafe-fixes = true\n')
    shown = run(vault).output
    assert "forbidden-content [*]" in shown and "frontmatter-type [*]" in shown
    assert "unknown rule 'no-such-rule'" in str(run(vault, "--fixable", "no-such-rule").exception)


def test_json_and_sarif_carry_the_fix(tmp_path: Path) -> None:
    vault = fix_vault(tmp_path)
    doc = json.loads(run(vault, "--format", "json").stdout)
    score = next(d for d in doc["diagnostics"] if d["path"] == "Score And Enum.md" and d.get("field") == "importance")
    assert score["fix"] == {
        "applicability": "safe",
        "message": "Write the score on its scale: 4/5",
        "edits": [{"line": 4, "column": 13, "end_line": 4, "end_column": 14, "content": "4/5"}],
    }
    remark = next(d for d in doc["diagnostics"] if d["path"] == "Closing Remarks.md" and d["line"] == 9)
    assert remark["fix"]["applicability"] == "unsafe"
    log = json.loads(run(vault, "--format", "sarif").stdout)
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert [e.message for e in Draft4Validator(schema).iter_errors(log)] == []
    result = next(r for r in log["runs"][0]["results"] if r["message"]["text"].startswith("'importance' is 4"))
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"].endswith("Score%20And%20Enum.md")
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 4, "startColumn": 13, "endLine": 4, "endColumn": 14},
            "insertedContent": {"text": "4/5"},
        }
    ]


def test_a_note_changed_on_disk_is_left_alone(tmp_path: Path) -> None:
    vault = fix_vault(tmp_path)
    options = options_for(vault)
    started = time.time_ns()
    report = check(vault, options)
    plan = plan_fixes(vault, report.diagnostics, options, FixSettings(), started)
    assert {note.path for note in plan.notes} >= {"Mojibake.md", "Score And Enum.md"}
    (vault / "Mojibake.md").write_bytes(b"---\nkind: demo\n---\nThe user rewrote it meanwhile.\n")
    results = {result.path: result for result in write_fixes(vault, plan)}
    assert not results["Mojibake.md"].written and "changed on disk" in results["Mojibake.md"].reason
    assert (vault / "Mojibake.md").read_bytes() == b"---\nkind: demo\n---\nThe user rewrote it meanwhile.\n"
    assert results["Score And Enum.md"].written
    # a note changed after the check began is not even planned
    (vault / "Quoted Values.md").write_bytes((vault / "Quoted Values.md").read_bytes() + b"More.\n")
    later = plan_fixes(vault, report.diagnostics, options, FixSettings(), started)
    assert ("Quoted Values.md", "changed on disk since it was checked; left as it is") in later.skipped


def test_the_cache_learns_every_written_note(tmp_path: Path) -> None:
    vault, cache = fix_vault(tmp_path), tmp_path / "cache"
    cached = ["--cache-dir", str(cache), "--format", "json"]
    CliRunner().invoke(cli, ["check", str(vault), *cached])
    CliRunner().invoke(cli, ["check", str(vault), "--fix", "--unsafe-fixes", *cached])
    after = CliRunner().invoke(cli, ["check", str(vault), *cached]).stdout
    assert json.loads(after) == json.loads(run(vault, "--format", "json").stdout)


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_a_fix_with_a_cache_reports_what_remains_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: bool
) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # the notes count as settled: the cache keeps them
    vault, cache = fix_vault(tmp_path), tmp_path / "cache"
    cached = ["--cache-dir", str(cache), "--format", "json"]
    if warm:
        CliRunner().invoke(cli, ["check", str(vault), *cached])
    fixed = CliRunner().invoke(cli, ["check", str(vault), "--fix", "--unsafe-fixes", *cached])
    remaining = json.loads(fixed.stdout)["diagnostics"]
    assert remaining == json.loads(run(vault, "--format", "json").stdout)["diagnostics"]
    assert not any(d["rule"] == "frontmatter-type" and "fix" in d for d in remaining)


def test_raw_seed_is_fixed_in_the_fixed_spans_only(seed_vault: Path) -> None:
    diff = run(seed_vault, "--diff", "--unsafe-fixes").stdout_bytes
    assert diff == (FIXTURES / "seed" / "fixed.diff").read_bytes()
    run(seed_vault, "--fix", "--unsafe-fixes")
    doc = json.loads(run(seed_vault, "--format", "json").stdout)
    assert [d for d in doc["diagnostics"] if d["rule"] in TEMPLATE_RULES] == []
    assert not any("fix" in d for d in doc["diagnostics"])


def test_sample_vault_note_is_made_from_the_seed_by_the_tool() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "seed_note.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert SEED.read_bytes() != (REPO / "vault" / "Python Concurrency Patterns.md").read_bytes()


def test_genvault_diff_applies_and_fix_leaves_nothing_fixable(genvault_1k: tuple[Path, dict], tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(genvault_1k[0], vault)  # the generated vault is shared by other tests: fix a copy
    manifest = genvault_1k[1]
    diff = run(vault, "--diff", "--unsafe-fixes")
    assert diff.return_value == 1
    check_ok = subprocess.run(["git", "apply", "--check", "-"], cwd=vault, input=diff.stdout_bytes, capture_output=True)
    assert check_ok.returncode == 0, check_ok.stderr
    before = json.loads(run(vault, "--format", "json", "--unsafe-fixes").stdout)["diagnostics"]
    fixable = {d["rule"] for d in before if "fix" in d}
    assert {"mojibake", "frontmatter-link-unquoted"} <= fixable
    assert {d["path"] for d in before if d["rule"] == "mojibake" and "fix" in d} == set(manifest["mojibake_notes"])
    run(vault, "--fix", "--unsafe-fixes")
    after = json.loads(run(vault, "--format", "json", "--unsafe-fixes").stdout)["diagnostics"]
    assert [d for d in after if "fix" in d] == []
    assert not [d for d in after if d["rule"] in ("mojibake", "frontmatter-link-unquoted")]
