"""Parsing across worker processes gives exactly the one-process result."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaulttool.engine.lint import check
from vaulttool.incremental import pool
from vaulttool.model.vault import walk_vault
from vaulttool.output.formatters import format_json


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use worker processes for any batch of notes, however small."""
    monkeypatch.setattr(pool, "POOL_MIN_NOTES", 2)


def test_pool_output_is_byte_identical(generated_vault: Path, low_threshold: None) -> None:
    vault = generated_vault
    assert pool.worker_count(2, 1000) == 2
    assert format_json(check(vault, jobs=2)) == format_json(check(vault, jobs=1))


def test_workers_really_parse(tmp_path: Path, low_threshold: None) -> None:
    for i in range(40):
        (tmp_path / f"n{i}.md").write_text(f"---\ntags: [t{i}]\n---\n[[n{i + 1}]]\n", encoding="utf-8")
    paths = walk_vault(tmp_path).notes
    chunks = list(pool.parse_chunks(str(tmp_path), paths, 1 << 20, jobs=2))
    assert len(chunks) > 1
    assert all(blob is not None for _, blob in chunks)  # only workers hand back packed chunks
    assert sorted(path for entries, _ in chunks for path, *_ in entries) == sorted(paths)


def test_notes_are_parsed_here_when_workers_cannot_start(
    generated_vault: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = generated_vault
    expected = format_json(check(vault, jobs=1))

    def refuse() -> None:
        raise OSError(38, "function not implemented")

    monkeypatch.setattr(pool, "_context", refuse)
    assert format_json(check(vault, jobs=2)) == expected


@pytest.mark.parametrize(("jobs", "notes", "expected"), [(1, 10_000, 1), (4, 10_000, 4), (8, 64, 4)])
def test_worker_count(jobs: int, notes: int, expected: int, low_threshold: None) -> None:
    assert pool.worker_count(jobs, notes) == expected


def test_small_batches_and_auto() -> None:
    assert pool.worker_count(4, pool.POOL_MIN_NOTES - 1) == 1
    assert pool.worker_count(0, 100_000) == pool.available_cpus()


def test_progress_counts_every_note(generated_vault: Path, low_threshold: None) -> None:
    seen: list[tuple[int, int]] = []
    report = check(generated_vault, jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (report.notes, report.notes)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_workers_that_are_not_forked_check_notes_alike(
    generated_vault: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    vault = generated_vault
    expected = format_json(check(vault, jobs=1))
    assert '"rule": "keyword-not-in-text"' in expected  # the per-note template rules ran in the workers
    monkeypatch.setattr(pool, "_context", lambda: multiprocessing.get_context("spawn"))
    assert format_json(check(vault, jobs=2)) == expected
