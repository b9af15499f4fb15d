#!/usr/bin/env python3
"""Peak memory of the commands that load a whole vault: a cold check, a re-check after edits, stats and graph.

Usage:
    python benchmarks/memory.py VAULT [--share 0.1] [--runs 1] [--src DIR] [--check-only]

The vault is changed in place (use a copy). A fresh cache folder is filled by a cold
``check``; then ``--share`` of the notes get a line appended (every tenth note, in sorted
order, for 0.1), and once the edits are old enough for the cache to trust, ``check`` runs
again with the cache. ``stats`` and ``graph`` (JSON) run last, unless ``--check-only``. Output goes to /dev/null.
Prints each command's wall seconds and peak RSS (``wait4``: the largest process of the
run, workers included), the largest of ``--runs`` runs. ``--src`` measures the package
under another source folder (a baseline checked out elsewhere).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from run import SETTLE_S, SRC, child_env, timed


def main(argv: list[str] | None = None) -> int:
    """Run the commands in order and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--share", type=float, default=0.1, help="share of the notes edited before the re-check")
    parser.add_argument("--runs", type=int, default=1, help="runs of each command (the largest peak counts)")
    parser.add_argument("--src", type=Path, default=SRC, help="source folder holding the vaulttool package")
    parser.add_argument("--check-only", action="store_true", help="measure the two checks, not stats and graph")
    args = parser.parse_args(argv)
    env = child_env(args.src)
    tool = [sys.executable, "-m", "vaulttool"]
    scratch = Path(tempfile.mkdtemp(prefix="vaulttool-memory-"))
    check = [*tool, "check", str(args.vault), "--format", "json", "--cache-dir", str(scratch)]
    step = max(1, round(1 / args.share))

    def measure(name: str, cmd: list[str], before: object = None) -> None:
        peak, seconds = 0, []
        for _ in range(args.runs):
            if callable(before):
                before()
            took, rss = timed(cmd, env)
            peak, seconds = max(peak, rss), [*seconds, took]
        print(f"{name:8} {min(seconds):7.2f} s  peak RSS {peak / 2**20:7.1f} MiB", flush=True)

    def cold() -> None:
        shutil.rmtree(scratch, ignore_errors=True)

    def edit() -> None:
        timed([*check], env)  # the cache as a check of the vault before the edits leaves it
        for note in sorted(args.vault.rglob("*.md"))[::step]:
            with open(note, "ab") as out:
                out.write(f"\nEdited at {time.time_ns()}.\n".encode())
        time.sleep(SETTLE_S)

    try:
        measure("cold", check, cold)
        measure("edit", check, edit)
        if args.check_only:
            return 0
        measure("stats", [*tool, "stats", str(args.vault), "--format", "json"])
        measure("graph", [*tool, "graph", str(args.vault), "--format", "json", "-o", os.devnull])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
