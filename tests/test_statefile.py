"""The state a check leaves behind: a re-check after a few edits writes what changed, not the whole state."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaulttool.engine.options import options_for
from vaulttool.incremental import cache
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check, state_key
from vaulttool.incremental.statefile import DELTA_NAME, STATE_NAME
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
