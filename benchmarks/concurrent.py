#!/usr/bin/env python3
"""Run many ``vaulttool check`` processes at once on one vault and one cache, round after round.

Usage:
    python benchmarks/concurrent.py VAULT [--processes 8] [--rounds 20] [--edits 20]
                                    [--cache-dir DIR] [--seed 1]

The vault is changed in place (use a copy). Each round starts ``--processes`` checks with
``--format json --cache-dir DIR`` together, waits for all of them, then runs one
``--no-cache`` check and compares every report (and exit code) with it. Between rounds,
``--edits`` notes are changed (a line with a link appended, or a heading renamed) and the
script waits until the edits are old enough for the cache to trust. After each round it
prints the size of the cache folder, its number of files and the most copies of one note
(path and stamp) its packs hold. Exits 1 when any report differed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from run import SETTLE_S, SRC, child_env

sys.path.insert(0, str(SRC))

from vaulttool.incremental.packfiles import stored_notes  # this tree's package


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and files under ``folder``."""
    size = files = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size, files = size + path.stat().st_size, files + 1
    return size, files


def most_copies(cache: Path) -> int:
    """The most entries the packs under ``cache`` hold for one note and stamp."""
    copies: Counter[tuple[str, object]] = Counter()
    for folder in cache.iterdir():
        if folder.is_dir():
            copies.update((folder.name, *entry) for entry in stored_notes(folder))
    return max(copies.values(), default=0)


def edit(vault: Path, notes: list[Path], count: int, rng: random.Random, round_: int) -> None:
    """Change ``count`` notes: append a line with a link, or rename a heading."""
    for note in rng.sample(notes, count):
        text = note.read_text(encoding="utf-8")
        if rng.random() < 0.5 and "\n## " in text:
            text = text.replace("\n## ", f"\n## Round {round_} ", 1)
        else:
            text += f"\nSee also [[{rng.choice(notes).stem}]] (round {round_}).\n"
        note.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the rounds, print one line per round, and say whether every report was right."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--edits", type=int, default=20, help="notes changed between rounds")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    env = child_env()
    rng = random.Random(args.seed)
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="vaulttool-concurrent-"))
    out = Path(tempfile.mkdtemp(prefix="vaulttool-concurrent-out-"))
    notes = sorted(args.vault.rglob("*.md"))
    check = [sys.executable, "-m", "vaulttool", "check", str(args.vault), "--format", "json"]
    wrong = 0
    largest = 0
    for round_ in range(args.rounds):
        if round_:
            edit(args.vault, notes, args.edits, rng, round_)
            time.sleep(SETTLE_S)
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [*check, "--cache-dir", str(cache), "-o", str(out / f"{n}.json")],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for n in range(args.processes)
        ]
        codes = [(proc.wait(), proc.stderr.read() if proc.stderr else b"") for proc in procs]
        seconds = time.perf_counter() - start
        truth = subprocess.run([*check, "--no-cache"], env=env, capture_output=True)
        bad = [
            n
            for n, (code, _) in enumerate(codes)
            if code != truth.returncode or (out / f"{n}.json").read_bytes() != truth.stdout
        ]
        for n in bad:
            print(f"round {round_}: process {n} differs (exit {codes[n][0]}): {codes[n][1][-300:]!r}", file=sys.stderr)
        wrong += len(bad)
        size, files = folder_size(cache)
        largest = max(largest, size)
        print(
            f"round {round_:2}: {seconds:6.1f} s, {len(bad)} wrong, cache {size / 1e6:8.1f} MB"
            f" in {files} files, at most {most_copies(cache)} copies of a note",
            flush=True,
        )
    print(f"{'all reports right' if not wrong else f'{wrong} wrong reports'}; largest cache {largest / 1e6:.1f} MB")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
