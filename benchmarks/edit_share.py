#!/usr/bin/env python3
"""Time a cached re-check after editing a share of a vault's notes against a check without the cache.

Usage:
    python benchmarks/edit_share.py VAULT [--share 0.1] [--runs 5] [--src DIR]

A first run fills a fresh cache folder. Then each round edits another ``--share`` of the
notes (a line appended; every round a different slice, in sorted order), waits until the
edits are old enough for the cache to trust, and times ``check --no-cache`` and ``check``
with the cache, in alternating order, so the drift of a shared machine hits both. The
notes are restored at the end. Prints each pair, the medians and the median of the
per-round ratios (cached / no cache). ``--src`` times the package under another source
folder (a baseline checked out elsewhere).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import SETTLE_S, SRC, child_env, timed


def main(argv: list[str] | None = None) -> int:
    """Run the paired rounds and print one line per round and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--share", type=float, default=0.1, help="share of the notes edited per round")
    parser.add_argument("--runs", type=int, default=5, help="paired rounds")
    parser.add_argument("--src", type=Path, default=SRC, help="source folder holding the vaulttool package")
    args = parser.parse_args(argv)
    env = child_env(args.src)
    notes = sorted(args.vault.rglob("*.md"))
    step = max(1, round(1 / args.share))
    scratch = Path(tempfile.mkdtemp(prefix="vaulttool-edit-share-"))
    check = [sys.executable, "-m", "vaulttool", "check", str(args.vault), "--format", "json"]
    cached, uncached = [*check, "--cache-dir", str(scratch)], [*check, "--no-cache"]
    originals: dict[Path, tuple[bytes, os.stat_result]] = {}
    pairs: list[tuple[float, float]] = []
    try:
        first = timed(cached, env)[0]
        print(f"first run (fills the cache): {first:.2f} s", file=sys.stderr)
        for round_ in range(args.runs):
            edited = notes[round_ % step :: step]
            for note in edited:
                if note not in originals:
                    originals[note] = (note.read_bytes(), note.stat())
                with open(note, "ab") as out:
                    out.write(f"\nEdited in round {round_}.\n".encode())
            time.sleep(SETTLE_S)
            if round_ % 2:
                with_cache, without = timed(cached, env)[0], timed(uncached, env)[0]
            else:
                without, with_cache = timed(uncached, env)[0], timed(cached, env)[0]
            pairs.append((with_cache, without))
            print(f"round {round_}: {len(edited)} notes edited; cached {with_cache:.2f} s, no cache {without:.2f} s")
    finally:
        for note, (data, st) in originals.items():
            note.write_bytes(data)
            os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))
        shutil.rmtree(scratch, ignore_errors=True)
    if pairs:
        ratio = statistics.median(c / n for c, n in pairs)
        print(
            f"median cached {statistics.median(c for c, _ in pairs):.2f} s, "
            f"median no cache {statistics.median(n for _, n in pairs):.2f} s, median ratio {ratio:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
