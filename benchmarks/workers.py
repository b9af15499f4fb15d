#!/usr/bin/env python3
"""Time a check without the cache in one process (``--jobs 1``) and with the default, on each vault given.

Usage:
    python benchmarks/workers.py VAULT [VAULT ...] [--runs 5] [--jobs 0]

The two runs alternate in each round (which goes first alternates too), so the drift of
a shared machine hits both. Prints, per vault, its notes and bytes, the median of each,
their ratio (the default must never be slower than ``--jobs 1``) and the machine's
one-minute load average over the rounds (which the default takes into account).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from run import child_env, timed


def notes_and_bytes(vault: Path) -> tuple[int, int]:
    """How many notes (``.md`` files outside dot folders) ``vault`` holds, and their bytes."""
    count = size = 0
    for folder, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".md"):
                count += 1
                size += os.path.getsize(os.path.join(folder, name))
    return count, size


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vaults", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", default="0", help="the --jobs value set against --jobs 1 (default 0: automatic)")
    args = parser.parse_args(argv)
    env = child_env()
    print(f"{os.cpu_count()} CPUs; median of {args.runs} paired runs, check --no-cache --format json\n")
    print(f"| vault | notes | MB | -j 1 | -j {args.jobs} | ratio | load |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for vault in args.vaults:
        check = [sys.executable, "-m", "vaulttool", "check", str(vault), "--format", "json", "--no-cache"]
        timed(check, env)  # bytecode and page cache
        times: dict[str, list[float]] = {"1": [], args.jobs: []}
        load: list[float] = []
        for round_ in range(args.runs):
            load.append(os.getloadavg()[0])
            order = ["1", args.jobs] if round_ % 2 == 0 else [args.jobs, "1"]
            for jobs in order:
                times[jobs].append(timed([*check, "--jobs", jobs], env)[0])
        one, other = statistics.median(times["1"]), statistics.median(times[args.jobs])
        notes, size = notes_and_bytes(vault)
        cells = (f"{notes:,}", f"{size / 1e6:.1f}", f"{one:.2f} s", f"{other:.2f} s", f"{other / one:.2f}")
        row = f"| {vault} | " + " | ".join(cells) + f" | {statistics.mean(load):.1f} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
