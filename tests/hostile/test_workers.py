"""Worker processes under faults: a killed parent takes them along, a stopped one costs only its deadline."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import cli_env
from vaulttool.incremental import pool
from vaulttool.model.vault import walk_vault

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


ENOUGH_FOR_WORKERS = pool.POOL_MIN_BYTES  # the bytes a check parses with workers (read before any test lowers it)


def many_notes(folder: Path, count: int, pad: int = 0) -> Path:
    """A vault of ``count`` small linked notes, each with ``pad`` more bytes of text."""
    folder.mkdir(exist_ok=True)
    text = "A line of words to parse.\n" * (pad // 26)
    for i in range(count):
        (folder / f"n{i}.md").write_text(f"---\ntags: [t{i % 7}]\n---\n# N{i}\n[[n{i + 1}]] [[n{i // 2}#N]]\n{text}")
    return folder


@pytest.fixture(autouse=True)
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes for the batches parsed here, however few bytes they hold."""
    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 0)


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def threads(pid: int) -> int:
    """How many threads ``pid`` runs (0: gone)."""
    fields = _stat_fields(pid)
    return 0 if fields is None else int(fields[17])


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


@linux_only
def test_workers_end_with_a_killed_parent_even_when_stopped(tmp_path: Path) -> None:
    vault = many_notes(tmp_path / "vault", 3000, pad=ENOUGH_FOR_WORKERS // 3000 + 26)
    # three processes parse: the main one and two workers
    cmd = [sys.executable, "-m", "vaulttool", "check", str(vault), "--no-cache", "--jobs", "3", "--format", "json"]
    parent = subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        give_up = time.monotonic() + 60
        # until both workers run: each starts its thread watching the parent once it has
        # asked for the parent-death signal
        while parent.poll() is None and time.monotonic() < give_up:
            workers = children(parent.pid)
            if len(workers) == 2 and all(threads(pid) > 1 for pid in workers):
                break
            time.sleep(0.005)
        assert len(workers) == 2, "the check never started its two workers"
        for pid in workers:  # stopped, they can neither read a closed pipe nor run a thread
            os.kill(pid, signal.SIGSTOP)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if running(pid)], "workers outlived their killed parent by 5 s"
    finally:
        parent.kill()
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def quick_deadline(monkeypatch: pytest.MonkeyPatch) -> float:
    """Give a worker one second per chunk (the chunks here take milliseconds)."""
    monkeypatch.setattr(pool, "DEADLINE_S", 1.0)
    monkeypatch.setattr(pool, "DEADLINE_BYTES_PER_S", 10**9)
    return 1.0


@pytest.fixture
def stopped() -> Iterator[list[int]]:
    """Processes a test stops; each is killed at the end whatever happened."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def test_a_stopped_worker_costs_the_run_its_deadline_and_no_note(
    tmp_path: Path, quick_deadline: float, stopped: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    vault = many_notes(tmp_path, 1200)
    paths = walk_vault(vault).notes
    chunks = pool.parse_chunks(str(vault), paths, 1 << 20, jobs=2)
    parsed = [path for path, *_ in next(chunks).entries]
    victim = multiprocessing.active_children()[0]
    os.kill(victim.pid, signal.SIGSTOP)
    stopped.append(victim.pid)
    started = time.monotonic()
    parsed += [path for chunk in chunks for path, *_ in chunk.entries]
    took = time.monotonic() - started
    assert sorted(parsed) == sorted(paths)  # the stopped worker's chunk was read all the same
    assert took < quick_deadline + 10, f"a stopped worker held the run for {took:.1f} s"
    assert not victim.is_alive()
    assert multiprocessing.active_children() == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "a worker process made no progress on" in err


def test_a_worker_that_dies_leaves_its_chunk_to_the_parent(tmp_path: Path) -> None:
    vault = many_notes(tmp_path, 1200)
    paths = walk_vault(vault).notes
    chunks = pool.parse_chunks(str(vault), paths, 1 << 20, jobs=2)
    parsed = [path for path, *_ in next(chunks).entries]
    for worker in multiprocessing.active_children():
        worker.kill()
    parsed += [path for chunk in chunks for path, *_ in chunk.entries]
    assert sorted(parsed) == sorted(paths)
    assert multiprocessing.active_children() == []
