"""The state a check leaves behind: a re-check after a few edits writes what changed, not the whole state;
a full check may write it from a child process while its report prints."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from vaulttool.engine.options import options_for
from vaulttool.incremental import cache, statefile
from vaulttool.incremental import check as incremental_check
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check, state_key, worked_out
from vaulttool.incremental.children import Apart, apart, available_cpus
from vaulttool.incremental.statefile import DELTA_NAME, STATE_NAME
from vaulttool.model.vault import walk_vault
from vaulttool.output.formatters import format_json

NOTES = 40


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust files written a moment ago (the tests write their vaults just before checking)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    for i in range(NOTES):
        links = f"[[Note {(i + 1) % NOTES}]] [[Note {(i * 7) % NOTES}#Part]] [[Gone {i % 3}]]"
        (root / f"Note {i}.md").write_text(f"# Note {i}\n\n## Part\n\n{links}\n", encoding="utf-8")
    return root


def run(vault: Path, folder: Path) -> str:
    """The JSON report of a check of ``vault`` with the cache in ``folder``."""
    return format_json(check(vault, cache=VaultCache(folder, vault), jobs=1))


def edit(vault: Path, i: int, text: str) -> None:
    with (vault / f"Note {i}.md").open("a", encoding="utf-8") as note:
        note.write(text)


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*.bin") if path.name in (STATE_NAME, DELTA_NAME)}


def test_a_recheck_writes_what_changed_and_the_next_reads_it(vault: Path, tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "cache"
    run(vault, folder)
    whole = files(folder)[STATE_NAME]
    edit(vault, 3, "[[Nowhere]]\n")
    assert run(vault, folder) == format_json(check(vault, jobs=1))
    written = files(folder)
    assert written[STATE_NAME] == whole and len(written[DELTA_NAME]) * 4 < len(whole)
    edit(vault, 5, "[[Note 3]] [[Note 3#Part]]\n")  # the delta holds both edits, over the same whole state
    assert run(vault, folder) == format_json(check(vault, jobs=1))
    assert files(folder)[STATE_NAME] == whole


def test_a_delta_of_another_state_is_not_read(vault: Path, tmp_path: Path, settled: None) -> None:
    folder, key = tmp_path / "cache", state_key(options_for(vault))
    run(vault, folder)
    edit(vault, 3, "[[Nowhere]]\n")
    run(vault, folder)
    (delta,) = folder.rglob(DELTA_NAME)
    stale = delta.read_bytes()
    edit(vault, 3, "[[Elsewhere]]\n")
    run(vault, folder)
    store = VaultCache(folder, vault)
    state = store.load_state(key)
    assert state is not None
    store.save_state(key, state)  # whole, as a concurrent full check writes it
    assert not delta.exists()
    delta.write_bytes(stale)  # left by a run that read the former whole state
    assert VaultCache(folder, vault).load_state(key) == state
    edit(vault, 7, "[[Note 1#Part]]\n")
    assert run(vault, folder) == format_json(check(vault, jobs=1))


def test_many_changes_write_the_state_whole(vault: Path, tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "cache"
    run(vault, folder)
    whole = files(folder)[STATE_NAME]
    edited = 0
    while DELTA_NAME in files(folder) or not edited:  # one note at a time: each a re-check
        assert edited < NOTES // 2, "the delta grew past the share of the state it may hold"
        edit(vault, edited, f"[[Nowhere {edited}]]\n")
        edited += 1
        assert run(vault, folder) == format_json(check(vault, jobs=1))
    assert edited > 1 and files(folder)[STATE_NAME] != whole


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_delta_leaves_the_whole_state(vault: Path, tmp_path: Path, settled: None, how: str) -> None:
    folder = tmp_path / "cache"
    run(vault, folder)
    edit(vault, 3, "[[Nowhere]]\n")
    run(vault, folder)
    (delta,) = folder.rglob(DELTA_NAME)
    data = delta.read_bytes()
    delta.write_bytes(data[: len(data) // 2] if how == "truncated" else b"x" * len(data))
    edit(vault, 9, "[[Note 3#Part]]\n")
    assert run(vault, folder) == format_json(check(vault, jobs=1))


def stored_state(vault: Path, folder: Path) -> tuple[Any, ...]:
    state = VaultCache(folder, vault).load_state(state_key(options_for(vault)))
    assert state is not None
    return state


@pytest.mark.parametrize("child", [True, False], ids=["child", "no-child"])
def test_a_state_written_while_the_report_prints_is_the_state_a_check_writes(
    vault: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch, child: bool
) -> None:
    edit(vault, 4, "[[Note 9#Nowhere]]\n")
    started: list[bool] = []

    def spied(work: Callable[[], bytes]) -> Apart | None:
        found = apart(work) if child else None
        started.append(found is not None)
        return found

    monkeypatch.setattr(statefile, "apart", spied)
    options = options_for(vault)
    here, there = VaultCache(tmp_path / "here", vault), VaultCache(tmp_path / "there", vault)
    report, worked = worked_out(vault, options, here, jobs=1, keep_context=False)
    assert not started  # only a caller that closes the cache once done asks for it
    report_apart, worked_apart = worked_out(vault, options, there, jobs=1, keep_context=False, apart=True)
    there.close()  # waits for the child
    assert started == [child and available_cpus() > 1]
    assert format_json(report_apart) == format_json(report)
    written, written_apart = stored_state(vault, tmp_path / "here"), stored_state(vault, tmp_path / "there")
    assert (written[0], written_apart[0]) == (worked.state, worked_apart.state)
    assert written_apart[1:] == written[1:]
    caches, walked = [VaultCache(tmp_path / name, vault) for name in ("here", "there")], walk_vault(vault)
    resolved = [cache.load_resolved(cache.files_key(walked)) for cache in caches]  # cached after the state is handed on
    assert resolved[0] == resolved[1] and len(resolved[1]) == NOTES
    edit(vault, 5, "[[Gone 9]]\n")  # the next check starts from it
    again, since = worked_out(vault, options, VaultCache(tmp_path / "there", vault), jobs=1, keep_context=False)
    assert since.since == worked_apart.state and "Note 5.md" in since.changed and len(since.changed) < NOTES
    assert format_json(again) == format_json(check(vault, jobs=1))


def test_a_large_vaults_state_is_made_once_its_notes_are_let_go(
    vault: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incremental_check, "APART_MAX_NOTES", NOTES)
    monkeypatch.setattr(statefile, "apart", lambda work: pytest.fail("a child process was started"))
    folder = tmp_path / "cache"
    store = VaultCache(folder, vault)
    _, worked = worked_out(vault, options_for(vault), store, jobs=1, keep_context=False, apart=True)
    store.close()
    assert stored_state(vault, folder)[0] == worked.state


def test_a_state_no_child_could_take_holds_nothing_of_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Notes:  # what working out the state reads: the check lets it go and makes the state itself
        pass

    monkeypatch.setattr(statefile, "apart", lambda work: None)
    notes = Notes()
    kept = weakref.ref(notes)
    states = statefile.StateFiles(tmp_path, lambda name, parts: None, lambda name: None)
    assert not states.save_apart("key", partial(lambda read: (), notes))
    del notes
    assert kept() is None
