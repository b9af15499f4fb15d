"""A hostile or large cache folder: linear time in its size, never a hang, never a flood of memory."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from vaulttool.cache import VaultCache
from vaulttool.pool import Entry, pack, parse_entries
from vaulttool.records import NoteRecord

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
    VaultCache(folder, folder / "vault").add_notes(KEY, entries, pack(entries)[0])


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
    assert ratio < 5, f"4 times the entries took {ratio:.1f} times as long ({timings})"
