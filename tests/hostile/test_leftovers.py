"""Runs killed while writing: the temporary files they leave are gone after the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.harness import add_normal_note, cli_env, run_once

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kills a process with SIGKILL")

# Runs vaulttool with ARGS, killed by SIGKILL right after its first call of os.FUNCTION
# (os.replace: a cache file written but not yet in place; os.link: a stub linked to its
# name but its temporary file not yet removed).
KILLED_AFTER = """
import os, sys
function = sys.argv[1]
real = getattr(os, function)
def then_killed(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), 9)
setattr(os, function, then_killed)
from vaulttool.commands.cli import main
main(sys.argv[2:])
"""


def killed_after(function: str, *args: str, cwd: Path) -> None:
    """Run ``vaulttool ARGS`` and kill it right after its first ``os.FUNCTION`` call."""
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER, function, *args], cwd=cwd, env=cli_env(), capture_output=True, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode(errors="replace")


def ended_pid() -> int:
    """The process id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def temporary(folder: Path) -> list[str]:
    """The names of the temporary files anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A vault with a note in a folder that links to a missing note."""
    root = tmp_path / "vault"
    (root / "Deep").mkdir(parents=True)
    add_normal_note(root)
    (root / "Deep" / "Note.md").write_text("[[Idea]]\n", encoding="utf-8")
    return root


def test_a_check_killed_while_writing_its_cache_leaves_nothing_after_the_next(vault: Path, tmp_path: Path) -> None:
    base = tmp_path / "cache"
    check = ("check", str(vault), "--cache-dir", str(base))
    killed_after("replace", *check, cwd=tmp_path)
    assert temporary(base) == []  # the file written before the kill is in place; the next write was not started
    killed_after("open", *check, cwd=tmp_path)
    first = run_once(*check, cwd=tmp_path)
    assert run_once(*check, cwd=tmp_path) == first  # a re-run served from the cache
    folder = next(base.iterdir())
    for name in (f".state.bin.{ended_pid()}.1.tmp", f".output.bin.{os.getpid()}.1.tmp"):
        (folder / name).write_bytes(b"left by a killed run")
    assert run_once(*check, cwd=tmp_path) == first  # nothing to write: it only reads
    assert temporary(base) == [f".output.bin.{os.getpid()}.1.tmp"]  # a live writer's file stays


def test_a_stub_killed_between_link_and_unlink_leaves_nothing_after_the_next(vault: Path, tmp_path: Path) -> None:
    killed_after("link", "stub", "--all", str(vault), cwd=tmp_path)
    assert (vault / "Deep" / "Idea.md").is_file()
    assert len(temporary(vault)) == 1
    (vault / "Other.md").write_text("[[Second]]\n", encoding="utf-8")
    run = run_once("stub", "--all", "--dir", "Inbox", str(vault), cwd=tmp_path)  # writes in another folder
    assert run.code == 0, run.stderr
    assert (vault / "Inbox" / "Second.md").is_file()
    assert temporary(vault) == []
