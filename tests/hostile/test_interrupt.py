"""Ctrl-C: a check stops at once, leaves no worker, no temporary file, and a cache the next run can use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import cli_env
from tests.vaultgen import make_vault

STOP_WITHIN = 0.5  # seconds from SIGINT to exit


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started (Linux: its threads' ``children`` lists)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not: it runs nothing and holds no file)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds worker processes through Linux's /proc")
@pytest.mark.parametrize("group", [False, True], ids=["parent", "terminal-group"])
def test_ctrl_c_stops_a_cold_check_with_workers_at_once(tmp_path: Path, group: bool) -> None:
    """SIGINT to the parent alone (``kill -INT``), or to every process of the group (Ctrl-C on a terminal)."""
    vault = make_vault(tmp_path / "vault", notes=5000)
    # longer notes, so that the workers are still parsing a second after the start on a fast machine
    padding = "".join(f"\nLine {i}: words, more words and a [[Note {i}]] link to parse." for i in range(200))
    for note in vault.rglob("Note *.md"):
        with note.open("a", encoding="utf-8") as out:
            out.write(padding)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "vaulttool", "check", str(vault), "--format", "json", "-j", "2"]
    report = (tmp_path / "stdout").open("w+b")  # a file, not a pipe nobody reads: the check never blocks on it
    proc = subprocess.Popen(
        [*command, "--cache-dir", str(cache)],
        env=cli_env(),
        stdout=report,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    started, workers = time.monotonic(), set()
    while proc.poll() is None and time.monotonic() - started < 30:
        workers = _children(proc.pid)
        if workers and time.monotonic() - started >= 1:
            break
        time.sleep(0.02)
    assert proc.poll() is None and workers, "the check ended, or started no worker, before it could be interrupted"
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        proc.wait(timeout=10)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    left = [pid for pid in workers if _running(pid)]
    for pid in left:  # they would hold the output pipes open
        os.kill(pid, signal.SIGKILL)
    _, err = proc.communicate()
    report.seek(0)
    out = report.read()
    report.close()
    assert left == []
    assert proc.returncode == 130
    assert took < STOP_WITHIN, f"stopped {took:.2f} s after SIGINT"
    assert out == b""
    assert err.decode().strip() == "vaulttool: interrupted"
    assert [p.name for p in cache.rglob("*") if p.name.endswith(".tmp")] == []
    rerun = subprocess.run([*command, "--cache-dir", str(cache)], env=cli_env(), capture_output=True)
    fresh = subprocess.run([*command, "--no-cache"], env=cli_env(), capture_output=True)
    assert rerun.returncode == fresh.returncode == 1
    assert rerun.stdout == fresh.stdout


def test_ctrl_c_is_exit_130_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vaulttool.commands.cli import main
    from vaulttool.engine import lint

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    (tmp_path / "A.md").write_text("[[B]]\n", encoding="utf-8")
    monkeypatch.setattr(lint, "check", interrupted)
    assert main(["check", str(tmp_path), "--no-cache"]) == 130
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "vaulttool: interrupted"


def test_an_interrupted_cache_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    from vaulttool.incremental.cache import Output, VaultCache

    def report() -> Iterator[str]:
        yield "A.md:1:1: error broken-link [[B]]\n"
        raise KeyboardInterrupt

    (tmp_path / "vault").mkdir()
    cache = VaultCache(tmp_path / "cache", tmp_path / "vault")
    with pytest.raises(KeyboardInterrupt):
        cache.save_output(Output("key", "settings", 1, 0, {}, ""), report())
    assert [p.name for p in cache.folder.iterdir() if p.name.endswith(".tmp")] == []
    assert cache.load_output() is None
