"""What the benchmarks paired between two source trees share: their arguments and their rounds."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from pathlib import Path

from run import SRC


def tree_parser(description: str) -> argparse.ArgumentParser:
    """Arguments ``VAULT OLD_SRC [--new NEW_SRC] [--runs N]`` (and the hidden ``--child`` of a round's process)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("vault", type=Path)
    parser.add_argument("old", type=Path, help="the src folder of the code before")
    parser.add_argument("--new", type=Path, default=SRC, help="the src folder of the code after (default: this tree's)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def paired(args: argparse.Namespace, one: Callable[[Path], float]) -> tuple[float, float, float]:
    """``one`` (a figure from a process running the code of a src folder) for the old and the new
    tree of ``args``, ``args.runs`` rounds, the order alternating: the median of each tree's
    figures, and the median of the per-round ratios new/old."""
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    figures: dict[str, list[float]] = {"old": [], "new": []}
    for round_ in range(args.runs):
        for name in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
            figures[name].append(one(trees[name]))
    old, new = statistics.median(figures["old"]), statistics.median(figures["new"])
    ratio = statistics.median(n / o for o, n in zip(figures["old"], figures["new"], strict=True))
    return old, new, ratio
