"""Parsing across worker processes gives exactly the one-process result."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaulttool.incremental import pool, workers
from vaulttool.incremental.check import check
from vaulttool.model.vault import walk_vault
from vaulttool.output.formatters import format_json


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use worker processes for any batch of notes, however small."""
    monkeypatch.setattr(pool, "POOL_MIN_BYTES", 0)


def test_pool_output_is_byte_identical(generated_vault: Path, low_threshold: None) -> None:
    vault = generated_vault
    assert pool.worker_count(2, 1000, 1, 1) == 2
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

    monkeypatch.setattr(workers, "_context", refuse)
    assert format_json(check(vault, jobs=2)) == expected


MB = 1_000_000


@pytest.mark.parametrize(
    ("jobs", "notes", "size", "cpus", "expected"),
    [
        (1, 10_000, 50 * MB, 2, 1),  # -j 1: never a worker
        (4, 10_000, 50 * MB, 2, 4),  # -j N: N workers, whatever the CPUs
        (8, 64, 50 * MB, 2, 4),  # at least 16 notes a worker
        (0, 10_000, 50 * MB, 2, 2),  # automatic: one per CPU
        (0, 10_000, 50 * MB, 8, 8),
        (0, 10_000, 50 * MB, 1, 1),  # one CPU: no workers to compete for it
        (4, 6_500, 1 * MB, 2, 1),  # many small notes: too little to parse to pay for workers, even asked
        (0, 6_500, 1 * MB, 2, 1),
    ],
)
def test_worker_count(jobs: int, notes: int, size: int, cpus: int, expected: int) -> None:
    assert pool.worker_count(jobs, notes, size, cpus) == expected


def test_workers_are_used_from_the_threshold_on() -> None:
    assert pool.worker_count(0, 10_000, pool.POOL_MIN_BYTES - 1, 2) == 1
    assert pool.worker_count(0, 10_000, pool.POOL_MIN_BYTES, 2) == 2


def test_bytes_are_estimated_from_a_sample(tmp_path: Path) -> None:
    paths = []
    for i in range(1000):
        (tmp_path / f"n{i}.md").write_bytes(b"x" * (100 if i % 2 else 300))
        paths.append(f"n{i}.md")
    assert 190_000 <= pool.estimated_bytes(str(tmp_path), paths, 1 << 20) <= 210_000
    assert pool.estimated_bytes(str(tmp_path), paths, 50) == 50_000  # a note counts up to the size cap
    assert pool.estimated_bytes(str(tmp_path), [], 1 << 20) == 0


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
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    assert format_json(check(vault, jobs=2)) == expected
