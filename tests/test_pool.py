"""Parsing across worker processes gives exactly the one-process result."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from vaulttool.engine.load import load
from vaulttool.engine.options import enabled_rules, options_for
from vaulttool.files.stamps import Stamp
from vaulttool.incremental import cache as cache_module
from vaulttool.incremental import packs, pool, records, workers
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check, load_resolved
from vaulttool.incremental.packfiles import PackWriter, stored_notes
from vaulttool.incremental.source import PoolSource
from vaulttool.model.graph import LinkParts, Targets
from vaulttool.model.values import Note
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


def done_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes the main process parses itself from here on, beside its workers (recorded as it does them)."""
    here: list[str] = []
    own = pool._own

    def recorded(*args: Any) -> pool.Chunk:
        here.extend(args[-1][1])
        return own(*args)

    monkeypatch.setattr(pool, "_own", recorded)
    return here


def test_the_main_process_parses_beside_its_workers(
    tmp_path: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes parse: a worker, given the first chunks, and the main process, which takes a chunk
    whenever no answer is waiting; every note is parsed once, as it is in one process."""
    for i in range(40):
        (tmp_path / f"n{i}.md").write_text(f"---\ntags: [t{i}]\n---\n[[n{i + 1}]]\n", encoding="utf-8")
    paths = walk_vault(tmp_path).notes
    here = done_here(monkeypatch)
    chunks = list(pool.parse_chunks(str(tmp_path), paths, 1 << 20, jobs=2))
    taken = [path for chunk in chunks for path, *_ in chunk.entries]
    assert sorted(taken) == sorted(paths)
    assert here and len(here) < len(paths)  # some chunks here, the others by the worker
    root = str(tmp_path)
    alone = pool.parse_entries(root, paths, 1 << 20)
    assert {
        path: records.from_record(record, root, stamp) for chunk in chunks for path, stamp, record, _ in chunk.entries
    } == {path: records.from_record(record, root, stamp) for path, stamp, record, _ in alone}


@pytest.mark.parametrize("besides", [0, 500])
def test_a_large_vault_is_parsed_by_workers_alone(
    tmp_path: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch, besides: int
) -> None:
    """From OWN_MAX_NOTES notes on, those to parse and those the caller holds besides (from its cache),
    the main process keeps its memory for the notes: it parses none."""
    for i in range(40):
        (tmp_path / f"n{i}.md").write_text(f"[[n{i + 1}]]\n", encoding="utf-8")
    paths = walk_vault(tmp_path).notes
    monkeypatch.setattr(pool, "OWN_MAX_NOTES", len(paths) + besides)
    here = done_here(monkeypatch)
    chunks = list(pool.parse_chunks(str(tmp_path), paths, 1 << 20, jobs=2, besides=besides))
    assert sorted(path for chunk in chunks for path, *_ in chunk.entries) == sorted(paths)
    assert here == []


def test_the_caller_takes_the_chunks_no_worker_was_given_while_no_answer_waits(tmp_path: Path) -> None:
    def work(task: workers.Task) -> bytes:
        time.sleep(0.05)
        return task[1][0].encode()

    left = {at: [f"n{at}.md"] for at in range(8)}
    seen: list[str] = []
    for item in workers.in_workers(str(tmp_path), left, 1 << 20, 1, work, lambda paths: 30.0, own=True):
        if isinstance(item, workers.Own):
            assert item.start in left  # still the caller's to do, until it asks for the next item
            seen.append(f"here {item.paths[0]}")
        else:
            seen.append(f"worker {item.decode()}")
    assert left == {}
    assert sorted(entry.split()[1] for entry in seen) == sorted(f"n{at}.md" for at in range(8))
    assert seen[0] == "here n2.md"  # the worker holds the first two chunks; the caller goes on at once
    assert any(entry.startswith("worker") for entry in seen[2:])


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


def test_bytes_are_taken_from_the_stamps_given(tmp_path: Path) -> None:
    (tmp_path / "on-disk.md").write_bytes(b"x" * 10)
    stamps: dict[str, Stamp] = {"stamped.md": (300, 1, 1), "hashed.md": (200, b"digest")}
    paths = ["stamped.md", "hashed.md", "on-disk.md", "gone.md"]
    assert list(pool.note_sizes(str(tmp_path), paths, 250, stamps)) == [250, 200, 10, 0]
    assert pool.chunk_deadline(str(tmp_path), paths, 250, stamps) == pool.DEADLINE_S + 460 / pool.DEADLINE_BYTES_PER_S


@pytest.mark.parametrize(("notes", "workers"), [(10_022, 2), (5_000, 4), (100, 2), (100, 1), (5, 2), (0, 2)])
def test_chunks_take_every_note_once_in_order(notes: int, workers: int) -> None:
    paths = [f"n{i}.md" for i in range(notes)]
    chunks = pool.chunked(paths, workers)
    assert [path for chunk in chunks.values() for path in chunk] == paths
    assert all(paths[start] == chunk[0] for start, chunk in chunks.items())


def test_the_last_round_of_chunks_is_cut_small() -> None:
    sizes = [len(chunk) for chunk in pool.chunked([f"n{i}.md" for i in range(10_022)], 2).values()]
    assert sizes[-32:] == [16] * 32  # two processes end within a small chunk of each other
    assert set(sizes[:-32]) == {250, 251}  # the rest even, none a remainder


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


LINK_FORMS = """---
aliases:
  - Forms
related: "[[Note 3#Part One]]"
moc: "[[Nowhere MOC]]"
---
# Forms

## Here

[[#Here]] [[#Not here]] [[Note 1#Part Two]] [[Note 2#^blk]] [[Note 4#^gone]] [[Missing 9]]
![[Note 5#Part One]] ![[figure.png]] ![[absent.png]] [text](Note%206.md#Part%20Two) [x](./missing.md)
[[./Note 7]] [[a/Note 1|shown]] [[Note 8|shown]] [[Alias 3]] [[Template Note]]
"""


@pytest.fixture
def link_forms(generated_vault: Path, tmp_path: Path) -> Path:
    """The generated vault plus notes with every form of link: to nothing, with anchors, to the
    note itself, embedded, in frontmatter, Markdown links, relative ones, and a template's."""
    import shutil

    vault = tmp_path / "vault"
    shutil.copytree(generated_vault, vault)
    (vault / "figure.png").write_bytes(b"png")
    for folder in ("", "a/", "b/deep/"):
        (vault / folder).mkdir(parents=True, exist_ok=True)
        (vault / folder / "Forms.md").write_text(LINK_FORMS, encoding="utf-8")
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "templates.json").write_text('{"folder": "Templates"}', encoding="utf-8")
    (vault / "Templates").mkdir()
    (vault / "Templates" / "Template Note.md").write_text(LINK_FORMS, encoding="utf-8")
    return vault


def lean_parts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes whose links are resolved where they are parsed from here on, by worker processes or
    beside them (recorded as the parent takes them in)."""
    from vaulttool.incremental.records import Linker

    taken: list[str] = []
    parts, linked = Linker.parts, Linker.linked

    def recorded(self: Linker, path: str, found: records.LinksRecord) -> tuple[Targets, LinkParts]:
        taken.append(path)
        return parts(self, path, found)

    def recorded_here(self: Linker, path: str, note: Note) -> tuple[Targets, LinkParts]:
        taken.append(path)
        return linked(self, path, note)

    monkeypatch.setattr(Linker, "parts", recorded)
    monkeypatch.setattr(Linker, "linked", recorded_here)
    return taken


def test_notes_resolved_by_workers_check_alike(
    link_forms: Path, tmp_path: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = format_json(check(link_forms, jobs=1, keep_context=False))
    assert '"rule": "broken-anchor"' in expected and '"rule": "broken-link"' in expected
    taken = lean_parts(monkeypatch)
    for cache in (None, VaultCache(tmp_path / "cache", link_forms)):  # no cache, then a cold one
        taken.clear()
        assert format_json(check(link_forms, cache=cache, jobs=2, keep_context=False)) == expected
        assert len(taken) == len(walk_vault(link_forms).notes)  # every note came without its links


def test_a_vault_loaded_from_workers_is_the_one_loaded_here(
    link_forms: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = options_for(link_forms)
    rules = enabled_rules(options)
    here = load(link_forms, options, source=PoolSource(link_forms, options, jobs=1), rules=rules, keep_links=False)
    taken = lean_parts(monkeypatch)
    there = load(link_forms, options, source=PoolSource(link_forms, options, jobs=2), rules=rules, keep_links=False)
    assert taken
    assert there.findings == here.findings and there.link_count == here.link_count
    mine, theirs = here.context, there.context
    assert theirs.targets == mine.targets and list(theirs.targets) == list(mine.targets)
    assert theirs.unresolved == mine.unresolved and theirs.anchored == mine.anchored
    assert any(item.link.kind == "frontmatter" for item in theirs.anchored)
    assert any(item.link.kind == "embed" for item in theirs.unresolved)
    assert theirs.notes == mine.notes and theirs.aliases == mine.aliases
    assert theirs.facts == mine.facts
    assert theirs.targets["Templates/Template Note.md"] == ()  # a template's links make no edges
    assert "Forms.md" in theirs.targets["Forms.md"]  # [[#Here]]: the note itself


def test_every_link_is_kept_where_a_check_needs_them_all(
    link_forms: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = format_json(check(link_forms, jobs=1))
    taken = lean_parts(monkeypatch)
    assert format_json(check(link_forms, jobs=2)) == expected  # the report keeps its context: every link
    options = options_for(link_forms)
    exported = load_resolved(link_forms, options, codes=True)  # a graph export reads every link's line and kind
    assert exported.codes == load(link_forms, options, keep_links=False, codes=True).codes
    assert taken == []


@pytest.mark.parametrize("keep_links", [False, True])
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_notes_each_note_anchors_to_are_worked_out_as_the_notes_come_in(
    link_forms: Path, low_threshold: None, keep_links: bool, jobs: int
) -> None:
    """What the state keeps of anchored links, from each note's links as they come in (from the workers
    or from this process), is what the vault's anchored links say."""
    from vaulttool.incremental.state import anchored_notes

    options = options_for(link_forms)
    source = PoolSource(link_forms, options, jobs=jobs)
    loaded = load(link_forms, options, source=source, rules=enabled_rules(options), keep_links=keep_links)
    assert loaded.anchored and dict(loaded.anchored) == anchored_notes(loaded.context.anchored)


def test_workers_that_are_not_forked_hand_back_whole_notes(
    link_forms: Path, low_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    expected = format_json(check(link_forms, jobs=1, keep_context=False))
    taken, here = lean_parts(monkeypatch), done_here(monkeypatch)
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    assert format_json(check(link_forms, jobs=2, keep_context=False)) == expected
    assert here and taken == here  # the worker's come whole; the main process resolves its own as it parses


@pytest.mark.parametrize("cached", [False, True])
@pytest.mark.parametrize("keep_context", [False, True])
def test_notes_marshal_cannot_hand_back_come_back_whole(
    link_forms: Path,
    tmp_path: Path,
    low_threshold: None,
    monkeypatch: pytest.MonkeyPatch,
    cached: bool,
    keep_context: bool,
) -> None:
    """A note holding a value marshal cannot store (a YAML-tagged date) travels from its worker pickled,
    with its links, whether or not the notes are stored: the report is the one-process one."""
    for at in range(3):
        (link_forms / f"Dated {at}.md").write_text(
            f"---\ncreated: !!timestamp 2024-01-1{at}\n---\n# Dated\n[[Forms#Here]] [[Nowhere {at}]]\n",
            encoding="utf-8",
        )
    expected = format_json(check(link_forms, jobs=1, keep_context=keep_context))
    assert "Nowhere 2" in expected
    taken = lean_parts(monkeypatch)
    cache = VaultCache(tmp_path / "cache", link_forms) if cached else None
    assert format_json(check(link_forms, cache=cache, jobs=2, keep_context=keep_context)) == expected
    assert not any(path.startswith("Dated") for path in taken)  # each came whole, its links resolved here
    assert len(taken) == (0 if keep_context else len(walk_vault(link_forms).notes) - 3)


@pytest.mark.parametrize(
    ("workers_are", "own_pack"),
    [("forked", 16), ("forked", packs.SMALL_PACK), ("spawned", 16), ("unable to write", 16)],
)
def test_workers_store_the_notes_they_parse_in_the_cache(
    generated_vault: Path,
    tmp_path: Path,
    low_threshold: None,
    monkeypatch: pytest.MonkeyPatch,
    workers_are: str,
    own_pack: int,
) -> None:
    """Chunks of about 30 notes: each a pack of its own (renamed as the worker wrote it), or
    (the default) too few for one, stored by the main process at the end."""
    import multiprocessing

    vault = generated_vault
    expected = format_json(check(vault, jobs=1, keep_context=False))
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # notes just written are cached all the same
    monkeypatch.setattr(packs, "SMALL_PACK", own_pack)
    if workers_are == "spawned":
        monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    if workers_are == "unable to write":  # the main process stores their notes from the bytes they hand back
        monkeypatch.setattr(PackWriter, "write", lambda self, stored: None)
    cache = VaultCache(tmp_path / "cache", vault)
    assert format_json(check(vault, cache=cache, jobs=2, keep_context=False)) == expected
    folder = cache.folder
    assert sorted(path for path, _ in stored_notes(folder)) == sorted(walk_vault(vault).notes)  # each once
    assert [name for name in os.listdir(folder) if name.endswith(".tmp")] == []
    for name in ("state.bin", "delta.bin", "output.bin"):  # the next check must build every note from the packs
        (folder / name).unlink(missing_ok=True)

    def not_parsed(*args: object) -> None:
        raise AssertionError("a note was parsed again")

    monkeypatch.setattr(pool, "parse_entries", not_parsed)
    assert (
        format_json(check(vault, cache=VaultCache(tmp_path / "cache", vault), jobs=1, keep_context=False)) == expected
    )


def test_a_worker_goes_on_to_its_next_chunks_while_the_parent_holds_an_answer(tmp_path: Path) -> None:
    """A worker holds two chunks: while the caller uses its first answer it has answered the second and,
    given the third as the first came back, parsed that too."""
    log = tmp_path / "begun.txt"

    def work(task: workers.Task) -> bytes:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{task[1][0]}\n")
        return task[1][0].encode()

    left = {at: [f"n{at}.md"] for at in range(5)}
    answers = workers.in_workers(str(tmp_path), left, 1 << 20, 1, work, lambda paths: 30.0)
    try:
        assert next(answers) == b"n0.md"
        deadline = time.monotonic() + 10
        while log.read_text(encoding="utf-8").count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert log.read_text(encoding="utf-8").split() == ["n0.md", "n1.md", "n2.md"]
        assert [next(answers) for _ in range(4)] == [b"n1.md", b"n2.md", b"n3.md", b"n4.md"]
        assert left == {}
    finally:
        answers.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux")
def test_a_worker_writes_a_chunks_answer_into_its_pipe_at_once() -> None:
    import fcntl
    import multiprocessing

    worker = workers._Worker(multiprocessing.get_context("fork"), lambda task: b"")
    try:
        assert fcntl.fcntl(worker.results.fileno(), fcntl.F_GETPIPE_SZ) >= 1 << 20  # not 64 KiB
    finally:
        worker.stop(kill=True)
        worker.process.join(5)


def test_the_topic_keys_notes_share_are_one_string_in_the_main_process() -> None:
    """Workers hand back each note's topics by link key: a key that notes of two chunks name is one
    string object once both chunks are unmarshalled (a large vault's would take tens of megabytes)."""
    import marshal

    from vaulttool.rules.context import LinkKeys

    keys = LinkKeys()
    first, second = (marshal.loads(marshal.dumps([(0, (keys[topic],))])) for topic in ("Async IO", "async io"))
    assert first[0][1][0] == second[0][1][0] == "async io"
    assert first[0][1][0] is second[0][1][0]
