"""A hostile or large cache folder: time linear in its size, never a hang, never a flood of memory."""

from __future__ import annotations

import gc
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.hostile.harness import add_normal_note, run_once
from vaulttool.incremental import cachefiles
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.pool import Chunk, Entry, pack, parse_entries
from vaulttool.incremental.records import NoteRecord

KEY = "key"
STAMP = (10, 1, 1)  # written long before any run: the cache trusts it
NOTE = "---\ntitle: A note\ntags: [x, y, z]\ncreated: 2024-01-01\nstatus: draft\n---\n# A\n\n" + "".join(
    f"## Part {i}\nSee [[Other {i}]] and [[Target {i}#Head|alias]].\n" for i in range(8)
)


def a_record(folder: Path) -> NoteRecord:
    """The record of a note with frontmatter, headings and links, as the parser makes it."""
    folder.mkdir()
    (folder / "a.md").write_text(NOTE, encoding="utf-8")
    return parse_entries(str(folder), ["a.md"], 1 << 20)[0][2]


def filled_cache(folder: Path, count: int, record: NoteRecord) -> None:
    """A cache folder holding one pack of ``count`` notes (``n0.md``, ``n1.md``, ...) like ``record``."""
    entries: list[Entry] = [(f"n{i}.md", STAMP, (f"n{i}.md", *record[1:]), None) for i in range(count)]
    VaultCache(folder, folder / "vault").add_notes(KEY, Chunk(entries, pack(entries)[0], []))


def load_seconds(folder: Path, count: int) -> float:
    """CPU seconds (other processes do not count) to load the notes of a pack of ``count``
    (:func:`filled_cache`) of which every tenth changed."""
    stamps = {f"n{i}.md": (11, 2, 2) if i % 10 == 0 else STAMP for i in range(count)}
    cache = VaultCache(folder, folder / "vault")
    gc.disable()  # as while a vault is loaded (the collector would rescan the growing heap)
    try:
        start = time.process_time()
        loaded = sum(1 for _ in cache.load_notes(KEY, stamps))
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    assert loaded == count - count // 10
    return elapsed


def test_loading_a_pack_is_linear_in_its_entries(tmp_path: Path) -> None:
    record = a_record(tmp_path / "vault")
    timings: dict[int, float] = {}
    for attempt in range(3):  # the best of three of each size, alternating, against a busy machine's noise
        for count in (10_000, 40_000):
            folder = tmp_path / f"{count}-{attempt}"
            filled_cache(folder, count, record)
            elapsed = load_seconds(folder, count)
            timings[count] = min(timings.get(count, elapsed), elapsed)
    ratio = timings[40_000] / timings[10_000]
    # linear is about 4 to 5.5 (a larger heap costs a little more per object); quadratic would be 16
    assert ratio < 8, f"4 times the entries took {ratio:.1f} times as long ({timings})"


def cache_folder(base: Path) -> Path:
    """The one vault folder under the cache folder ``base``."""
    (folder,) = [entry for entry in base.iterdir() if entry.is_dir()]
    return folder


def planted(vault: Path, base: Path, kind: str) -> None:
    """Put a FIFO or a symlink to /dev/zero in place of every file of the vault's cache."""
    folder = cache_folder(base)
    for entry in list(folder.iterdir()):
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        else:
            entry.symlink_to("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_a_device_in_the_cache_folder_costs_under_a_second(tmp_path: Path, kind: str) -> None:
    vault, base, work = tmp_path / "vault", tmp_path / "cache", tmp_path / "work"
    vault.mkdir()
    work.mkdir()
    add_normal_note(vault)
    for i in range(20):
        (vault / f"n{i}.md").write_text(f"# N{i}\n[[n{i + 1}]]\n", encoding="utf-8")
    check = ("check", str(vault), "--format", "json", "--cache-dir", str(base))
    expected = run_once(*check[:-2], "--no-cache", cwd=work)
    assert run_once(*check, cwd=work) == expected  # fills the cache
    seconds: dict[str, float] = {}
    for how in ("empty", kind) * 2:  # alternately: the drift of a busy machine hits both
        if how == "empty":
            shutil.rmtree(base)
            base.mkdir()
            (base / cache_folder_name(vault)).mkdir()
        else:
            planted(vault, base, kind)
        start = time.perf_counter()
        assert run_once(*check, cwd=work) == expected
        took = time.perf_counter() - start
        seconds[how] = min(seconds.get(how, took), took)
    assert seconds[kind] < seconds["empty"] + 1, seconds


def cache_folder_name(vault: Path) -> str:
    """The name of ``vault``'s folder in a cache."""
    return VaultCache(Path("base"), vault).folder.name


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_only_regular_files_of_a_sane_size_are_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_bytes(b"12345")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    for name in ("fifo", "folder", "link", "missing"):
        with pytest.raises(OSError):
            cachefiles.open_file(tmp_path / name)
    assert cachefiles.read_file(tmp_path / "file") == b"12345"
    monkeypatch.setattr(cachefiles, "MAX_FILE_BYTES", 4)
    with pytest.raises(OSError):
        cachefiles.open_file(tmp_path / "file")
