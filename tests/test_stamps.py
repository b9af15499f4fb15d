"""Content stamps: a cache carried to a fresh checkout (new path, new file times) still knows its notes."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from tests.test_cache import NOTES, make_vault
from vaulttool.commands import check as check_command
from vaulttool.commands.cli import cli, main
from vaulttool.engine.lint import Report
from vaulttool.engine.options import Options
from vaulttool.files import stamps
from vaulttool.incremental import cache, children, pool, stamping
from vaulttool.incremental import check as incremental_check
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import Worked, check, state_key, worked_out
from vaulttool.incremental.keys import portable_location
from vaulttool.model.vault import walk_vault
from vaulttool.output.formatters import format_json


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path / "first" / "vault")


def fresh_checkout(vault: Path, where: Path) -> Path:
    """A copy of ``vault`` elsewhere, every file written anew (new mtime and ctime), as a CI checkout is."""
    copy = where / vault.name
    shutil.copytree(vault, copy, copy_function=shutil.copyfile)
    return copy


def report(vault: Path, folder: Path | None, options: Options | None = None) -> str:
    """The JSON report of ``vault`` with content stamps and a cache under ``folder`` (None: no cache)."""
    return format_json(check(vault, options, cache=None if folder is None else VaultCache(folder, vault, True)))


def test_a_fresh_checkout_reads_no_unchanged_note(vault: Path, tmp_path: Path, reads: list[str]) -> None:
    first = report(vault, tmp_path / "cache")  # files written just now: content stamps trust them at once
    copy = fresh_checkout(vault, tmp_path / "second")
    reads.clear()
    again, worked = worked_out(copy, None, VaultCache(tmp_path / "cache", copy, True))
    assert reads == []
    assert worked.since is not None  # worked out from the stored state
    assert format_json(again) == report(copy, None)
    assert format_json(again).replace(os.fspath(copy), os.fspath(vault)) == first


def test_a_fresh_checkout_with_one_change_reads_only_what_it_affects(
    vault: Path, tmp_path: Path, reads: list[str]
) -> None:
    report(vault, tmp_path / "cache")
    copy = fresh_checkout(vault, tmp_path / "second")
    (copy / "B.md").write_text("## Intro\nSee [[A]] and [[Nowhere else]].\n", encoding="utf-8")
    reads.clear()
    changed = report(copy, tmp_path / "cache")
    assert reads == ["B.md"]
    assert changed == report(copy, None)
    assert '"target": "Nowhere else"' in changed


def test_same_size_and_file_times_with_other_bytes_is_a_change(vault: Path, tmp_path: Path) -> None:
    report(vault, tmp_path / "cache")
    note = vault / "A.md"
    st = note.stat()
    note.write_text("# A\nBack to [[Hone]].\n", encoding="utf-8")  # as long as before
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert '"target": "Hone"' in report(vault, tmp_path / "cache")


def test_a_note_changed_between_its_stamp_and_its_reading_is_not_trusted_later(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = vault / "A.md"
    before = note.read_text(encoding="utf-8")
    real = pool.read_note_stamped

    def edited_meanwhile(root: str, path: str, max_bytes: int, content: bool = False) -> object:
        if path == "A.md":
            note.write_text("# A\n[[Gone]]\n", encoding="utf-8")
        return real(root, path, max_bytes, content)

    monkeypatch.setattr(pool, "read_note_stamped", edited_meanwhile)
    assert '"target": "Gone"' in report(vault, tmp_path / "cache")
    monkeypatch.setattr(pool, "read_note_stamped", real)
    note.write_text(before, encoding="utf-8")  # back to the bytes the run stamped
    assert report(vault, tmp_path / "cache") == report(vault, None)


def test_the_cache_folder_of_content_stamps_does_not_depend_on_the_checkouts_path(tmp_path: Path) -> None:
    for where in ("one", "two"):
        (tmp_path / where / "repo" / ".git").mkdir(parents=True)
        (tmp_path / where / "repo" / "docs" / "vault").mkdir(parents=True)
    first, second = (tmp_path / where / "repo" / "docs" / "vault" for where in ("one", "two"))
    assert portable_location(os.fspath(first)) == "repo/docs/vault"
    assert VaultCache(tmp_path, first, True).folder == VaultCache(tmp_path, second, True).folder
    assert VaultCache(tmp_path, first).folder != VaultCache(tmp_path, second).folder
    assert VaultCache(tmp_path, first).folder != VaultCache(tmp_path, first, True).folder
    outside = tmp_path / "loose" / "notes"
    outside.mkdir(parents=True)
    assert portable_location(os.fspath(outside)) == "notes"


def test_keys_hold_no_python_patch_version(monkeypatch: pytest.MonkeyPatch) -> None:
    base = state_key(Options())
    monkeypatch.setattr(sys, "version", sys.version.replace(".", ".9", 1) + " another build")
    assert state_key(Options()) == base


def cli_check(vault: Path, folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    args = ("check", str(vault), "--format", "json", "--cache-dir", str(folder), *args)
    result = CliRunner().invoke(cli, args, env=env, standalone_mode=False)
    assert result.exception is None, result.output
    return result.return_value, result.output


@pytest.mark.parametrize(
    ("args", "env", "config"),
    [
        (["--stamp", "content"], {}, ""),
        ([], {"CI": "true"}, ""),
        ([], {}, 'stamp = "content"\n'),
        (["--stamp", "content"], {}, 'stamp = "mtime"\n'),  # the command line wins
    ],
)
def test_content_stamps_are_chosen_by_option_ci_or_setting(
    tmp_path: Path, reads: list[str], args: list[str], env: dict[str, str], config: str
) -> None:
    vault = make_vault(tmp_path / "first" / "vault")
    if config:
        (vault / ".vaulttool.toml").write_text(config, encoding="utf-8")
    code, printed = cli_check(vault, tmp_path / "cache", *args, env=env)
    copy = fresh_checkout(vault, tmp_path / "second")
    reads.clear()
    assert cli_check(copy, tmp_path / "cache", *args, env=env) == (code, printed.replace(str(vault), str(copy)))
    assert reads == []  # every note known by its bytes: not parsed again


def test_mtime_stamps_read_a_fresh_checkout_again(
    tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_NS", 0)
    vault = make_vault(tmp_path / "first" / "vault")
    cli_check(vault, tmp_path / "cache", "--stamp", "mtime", env={"CI": "true"})
    copy = fresh_checkout(vault, tmp_path / "second")
    reads.clear()
    cli_check(copy, tmp_path / "cache", "--stamp", "mtime", env={"CI": "true"})
    assert sorted(reads) == sorted(p for p in NOTES if p.endswith(".md"))


def test_an_unknown_stamp_setting_is_a_usage_error(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (vault / ".vaulttool.toml").write_text('stamp = "sometimes"\n', encoding="utf-8")
    assert main(["check", str(vault), "--cache-dir", str(tmp_path / "cache")]) == 2
    assert "stamp" in capsys.readouterr().err


def test_an_unchanged_fresh_checkout_is_answered_from_the_printed_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[Path] = []
    real = incremental_check.worked_out

    def counting(root: Path, *args: Any, **kwargs: Any) -> tuple[Report, Worked]:
        checks.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(incremental_check, "worked_out", counting)
    vault = make_vault(tmp_path / "first" / "vault")
    monkeypatch.chdir(vault)
    first = cli_check(Path("."), tmp_path / "cache", "--stamp", "content")
    monkeypatch.chdir(fresh_checkout(vault, tmp_path / "second"))
    assert cli_check(Path("."), tmp_path / "cache", "--stamp", "content") == first
    assert len(checks) == 1  # the second run printed the stored report


def test_stamps_read_by_several_threads_are_those_read_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"n{i:03}.md" for i in range(50)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text("x" * (i * 100), encoding="utf-8")
    (tmp_path / "folder.md").mkdir()  # cannot be read: left out
    paths = [*names[:20], "folder.md", "missing.md", *names[20:]]
    one_by_one = {name: stamps.read_stamp(os.path.join(tmp_path, name)) for name in names}
    monkeypatch.setattr(stamps, "_NOTES_PER_THREAD", 10)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    found = stamps.read_stamps(os.fspath(tmp_path), paths)
    assert found == one_by_one
    assert list(found) == names  # in order
    assert len(set(found.values())) == len(names)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Content stamps taken by a child process for any vault, however small (where one is forked:
    Linux); the child processes forked, by pid."""
    if not sys.platform.startswith("linux"):
        pytest.skip("child processes are forked on Linux only")
    monkeypatch.setattr(stamping, "APART_MIN_NOTES", 1)
    monkeypatch.setattr(children, "available_cpus", lambda: 2)
    pids: list[int] = []
    real = os.fork

    def recorded() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    return pids


def gone(pid: int) -> bool:
    """Whether child process ``pid`` has ended and been reaped."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_stamps_taken_by_a_child_process_are_those_taken_here(vault: Path, tmp_path: Path, forks: list[int]) -> None:
    (vault / "folder.md").mkdir()  # cannot be read: left out either way
    notes = walk_vault(vault).notes
    here = VaultCache(tmp_path / "cache", vault, True).stamps(notes)
    taken = VaultCache(tmp_path / "cache", vault, True)
    assert taken.stamp_apart(notes)
    assert taken.stamps(notes) == here
    assert len(forks) == 1 and gone(forks[0])
    assert not VaultCache(tmp_path / "cache", vault).stamp_apart(notes)  # file times: a stat is cheaper
    times = VaultCache(tmp_path / "cache", vault)  # unless the run has its options to build meanwhile
    assert times.stamp_apart(notes, times=True)
    assert times.stamps(notes) == VaultCache(tmp_path / "cache", vault).stamps(notes)
    assert len(forks) == 2 and gone(forks[1])


def test_a_first_run_takes_the_file_time_stamps_apart_and_a_run_with_a_printed_report_does_not(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incremental_check, "APART_MAX_NOTES", 0)  # the state is written here: the stamps alone fork
    vault = make_vault(tmp_path / "vault")
    first = cli_check(vault, tmp_path / "cache", "--stamp", "mtime")
    assert len(forks) == 1 and gone(forks[0])  # nothing to answer from: stamped while the options were built
    assert cli_check(vault, tmp_path / "cache", "--stamp", "mtime") == first  # its stamps decide: taken here
    assert len(forks) == 1
    assert cli_check(vault, tmp_path / "cache", "--no-cache") == first


def test_stamps_are_taken_here_when_the_child_process_fails(
    vault: Path, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = walk_vault(vault).notes
    here = VaultCache(tmp_path / "cache", vault, True).stamps(notes)

    def failing(root: str, paths: Sequence[str]) -> bytes:
        raise OSError(5, "input/output error")

    monkeypatch.setattr(stamping, "_stamps_data", failing)
    taken = VaultCache(tmp_path / "cache", vault, True)
    assert taken.stamp_apart(notes)
    assert taken.stamps(notes) == here
    assert gone(forks[0])


def test_no_child_process_is_forked_while_another_thread_runs(forks: list[int]) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert children.apart(lambda: b"") is None
    finally:
        stop.set()
        thread.join()
    assert forks == []
    assert children.apart(lambda: b"answer") is not None


def test_a_child_process_ends_when_it_is_closed_or_interrupted(forks: list[int]) -> None:
    for interrupted in (False, True):
        child = children.apart(lambda: time.sleep(60) or b"late")
        assert child is not None
        started = time.monotonic()
        if interrupted:  # Ctrl-C reaches every process of the terminal's foreground group
            os.kill(forks[-1], signal.SIGINT)
            assert child.answer() is None
        child.close()
        assert gone(forks[-1])
        assert time.monotonic() - started < 30


def test_a_fresh_checkout_with_one_change_gives_the_same_report_with_stamps_taken_apart(
    tmp_path: Path, forks: list[int]
) -> None:
    vault = make_vault(tmp_path / "first" / "vault")
    cli_check(vault, tmp_path / "cache", "--stamp", "content")
    copy = fresh_checkout(vault, tmp_path / "second")
    (copy / "B.md").write_text("## Intro\nSee [[A]] and [[Nowhere else]].\n", encoding="utf-8")
    code, printed = cli_check(copy, tmp_path / "cache", "--stamp", "content")
    assert forks and all(map(gone, forks))
    assert (code, printed) == cli_check(copy, tmp_path / "cache", "--no-cache")
    assert '"target": "Nowhere else"' in printed


def test_a_broken_schema_is_reported_alike_while_stamps_are_taken_apart(
    tmp_path: Path, forks: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    vault = make_vault(tmp_path / "vault")
    (vault / "schemas").mkdir()
    (vault / "schemas" / "topic.yaml").write_text("name: topic\nfields:\n  level: {type: levle}\n", encoding="utf-8")
    (vault / ".vaulttool.toml").write_text('schemas = "schemas"\n', encoding="utf-8")
    errors = []
    for args in (["--no-cache"], ["--stamp", "content", "--cache-dir", str(tmp_path / "cache")]):
        assert main(["check", str(vault), "--format", "json", *args]) == 2
        errors.append(capsys.readouterr())
    assert len(forks) == 1 and gone(forks[0])
    assert errors[0] == errors[1]
    assert "levle" in errors[1].err


def test_the_printed_report_answers_an_unchanged_checkout_before_the_options_are_needed(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path / "first" / "vault")
    monkeypatch.chdir(vault)  # the JSON report names the vault as given
    first = cli_check(Path("."), tmp_path / "cache", "--stamp", "content")
    monkeypatch.chdir(fresh_checkout(vault, tmp_path / "second"))

    def failing(request: object) -> None:
        raise click.UsageError("the options were needed")

    monkeypatch.setattr(check_command, "check_options", failing)
    assert cli_check(Path("."), tmp_path / "cache", "--stamp", "content") == first
    assert forks and all(map(gone, forks))
    Path("A.md").write_text("# A\nChanged.\n", encoding="utf-8")
    assert main(["check", ".", "--stamp", "content", "--cache-dir", str(tmp_path / "cache")]) == 2


def test_ctrl_c_while_stamps_are_taken_apart_leaves_no_process_behind(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = make_vault(tmp_path / "vault")
    monkeypatch.setattr(stamping, "_stamps_data", lambda root, paths: time.sleep(60) or b"")

    def interrupted(request: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(check_command, "check_options", interrupted)
    started = time.monotonic()
    assert main(["check", str(vault), "--stamp", "content", "--cache-dir", str(tmp_path / "cache")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert len(forks) == 1 and gone(forks[0])
    assert time.monotonic() - started < 30


def test_the_key_of_a_printed_report_does_not_depend_on_where_the_stamps_were_taken(
    vault: Path, tmp_path: Path, forks: list[int]
) -> None:
    walked = walk_vault(vault)
    apart = VaultCache(tmp_path / "cache", vault, True)
    assert apart.stamp_apart(walked.notes)
    assert apart.result_key("settings", walked) == VaultCache(tmp_path / "cache", vault, True).result_key(
        "settings", walked
    )


def test_a_check_through_the_library_takes_the_stamps_apart_and_leaves_no_process_behind(
    vault: Path, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    report(vault, tmp_path / "cache")
    copy = fresh_checkout(vault, tmp_path / "second")
    (copy / "B.md").write_text("## Intro\nSee [[A]] and [[Nowhere else]].\n", encoding="utf-8")
    assert report(copy, tmp_path / "cache") == report(copy, None)
    assert len(forks) == 2 and all(map(gone, forks))  # the first run's and this one's

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(stamping, "_stamps_data", lambda root, paths: time.sleep(60) or b"")
    monkeypatch.setattr(incremental_check.State, "from_value", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report(copy, tmp_path / "cache")
    assert len(forks) == 3 and gone(forks[2])
