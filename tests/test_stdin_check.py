"""`check --stdin-filename PATH -`: a draft on standard input is checked as the note at PATH would be."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_VAULT, SEED
from vaulttool.commands.cli import cli

NOTE = "Python Concurrency Patterns.md"


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args], input=stdin, standalone_mode=False)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        code = 2 if type(result.exception).__module__.startswith("click") else 3
        return code, result.stdout, str(result.exception)
    return int(result.return_value), result.stdout, result.stderr


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def sample_with_raw_seed(tmp_path: Path) -> Path:
    """The sample vault with its overview note back to the raw seed text."""
    if not SEED.exists():
        pytest.skip(f"seed note not found at {SEED}")
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    shutil.copy(SEED, vault / NOTE)
    return vault


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_seed_on_stdin_gets_the_report_of_the_file(seed_vault: Path, fmt: str) -> None:
    (name,) = [p.name for p in seed_vault.iterdir()]
    expected = run(str(seed_vault), "--no-cache", "--format", fmt)
    draft = run("--stdin-filename", name, "-", str(seed_vault), "--format", fmt, stdin=SEED.read_bytes())
    assert expected[0] == draft[0] == 1
    assert draft[1] == expected[1]
    assert "broken-link" in draft[1] and "orphan-note" in draft[1]


def test_echo_into_check_matches_checking_the_file(sample_with_raw_seed: Path) -> None:
    """The command line as an editor runs it; the file's lines are those of the whole-vault check."""
    whole = run(str(sample_with_raw_seed), "--no-cache", "--format", "text")[1].splitlines()
    command = [sys.executable, "-m", "vaulttool", "check", "--stdin-filename", NOTE, "-", "vault", "--format", "text"]
    draft = subprocess.run(command, input=SEED.read_bytes(), capture_output=True, cwd=sample_with_raw_seed.parent)
    lines = draft.stdout.decode().splitlines()
    assert draft.returncode == 1, draft.stderr
    assert lines[:-2] == [line for line in whole if line.startswith(f"{NOTE}:")]
    rules = {line.removeprefix(NOTE).split()[2] for line in lines[:-2]}
    assert rules == {"mojibake", "frontmatter-type", "forbidden-content"}
    assert lines[-2:] == [
        "[*] 2 fixable with --fix (1 more with --unsafe-fixes).",
        "Checked 1 note, 8 links: 3 errors, 0 warnings, 0 info.",
    ]


def test_the_draft_replaces_the_file_and_nothing_is_written(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    before = files_of(vault)
    cache = tmp_path / "cache"
    repaired = (vault / NOTE).read_bytes()
    # on disk the overview loses its topics table; the draft on stdin still has it
    (vault / NOTE).write_bytes(repaired.split(b"## ")[0])
    before = files_of(vault)
    code, out, _ = run("--cache-dir", str(cache), "--stdin-filename", NOTE, "-", str(vault), stdin=repaired)
    assert (code, out) == (0, "Checked 1 note, 8 links: 0 errors, 0 warnings, 0 info.\n")
    assert files_of(vault) == before
    assert not cache.exists() or not any(cache.rglob("*"))
    # and a draft that drops the table is checked as such, whatever the file holds
    (vault / NOTE).write_bytes(repaired)
    code, out, _ = run("--stdin-filename", NOTE, "-", str(vault), stdin=repaired.split(b"## ")[0])
    assert code == 1 and "section-missing" in out


def test_a_warm_cache_is_read_for_the_other_notes_and_never_written(tmp_path: Path) -> None:
    vault, cache = tmp_path / "vault", tmp_path / "cache"
    shutil.copytree(SAMPLE_VAULT, vault)
    assert run("--cache-dir", str(cache), str(vault))[0] == 0
    stored = files_of(cache)
    assert stored
    draft = (vault / NOTE).read_bytes().replace(b"[[Threading]]", b"[[Threads]]")
    args = ("--cache-dir", str(cache), "--stdin-filename", NOTE, "-", str(vault), "--format", "json")
    with_cache = run(*args, stdin=draft)
    without = run("--no-cache", *args[2:], stdin=draft)
    assert with_cache == without and "[[Threads]] resolves to nothing" in with_cache[1]
    assert files_of(cache) == stored
    # and the draft never stands in for the file: the next check of the vault is clean again
    assert run("--cache-dir", str(cache), str(vault))[0] == 0


def test_a_new_note_joins_the_vault_and_links_resolve_against_it(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    text = b"# Draft\n\nSee [[Threading]], [[Python MOC]] and [[Nowhere]].\n"
    code, out, _ = run("--stdin-filename", str(vault / "drafts" / "New.md"), "-", str(vault), stdin=text)
    assert code == 1
    assert out.splitlines() == [
        "drafts/New.md:1:1: info orphan-note no other note links here; link it from a map of content",
        "drafts/New.md:3:39: error broken-link [[Nowhere]] resolves to nothing: "
        "no note has that name; create it or fix the link",
        "Checked 1 note, 3 links: 1 error, 0 warnings, 1 info.",
    ]
    assert not (vault / "drafts").exists()


def test_unreadable_drafts_are_diagnostics_with_the_path(seed_vault: Path) -> None:
    code, out, _ = run("--stdin-filename", "x.md", "-", str(seed_vault), stdin=b"caf\xe9\n")
    assert code == 1 and "x.md:1:1: error unreadable-file not valid UTF-8 (byte offset 3)" in out
    big = b"word " * 1000
    code, out, _ = run("--max-file-size", "100", "--stdin-filename", "x.md", "-", str(seed_vault), stdin=big)
    assert code == 1 and "x.md:1:1: error unreadable-file file is larger than 100 bytes" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-"], "--stdin-filename PATH"),
        (["--stdin-filename", "x.md"], "add '-'"),
        (["--stdin-filename", "../x.md", "-"], "'..'"),
        (["--stdin-filename", "/etc/passwd.md", "-"], "is not a note inside the vault"),
        (["--stdin-filename", ".obsidian/x.md", "-"], "hidden"),
        (["--stdin-filename", "notes.txt", "-"], "ends in '.md'"),
        (["--stdin-filename", "x.md", "-", "-"], "'-' once"),
    ],
)
def test_bad_stdin_options_are_usage_errors(seed_vault: Path, args: list[str], words: str) -> None:
    code, _, message = run(*args, str(seed_vault), stdin=b"# x\n")
    assert code == 2 and words in message
