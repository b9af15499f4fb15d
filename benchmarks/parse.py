#!/usr/bin/env python3
"""CPU of parsing a vault's notes, paired between two source trees.

Usage:
    python benchmarks/parse.py VAULT OLD_SRC [--new NEW_SRC] [--runs 7]

OLD_SRC is the ``src`` folder of the code before (``git archive REV src schemas | tar -x -C DIR``
makes one: the built-in schemas are found beside ``src``, and without them no template rule
runs); NEW_SRC defaults to this tree's. Each round runs one child process per tree, in
alternating order: it reads every note's bytes, then times ``parse_note`` over them once
(``time.process_time``, cycle collector paused), so its memos start empty, as in a worker
of a cold check, and every note is met once. Prints the median µs a note of each, the
ratio of the medians and the median of the per-round ratios.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

from paired import paired, tree_parser
from run import child_env


def measure(vault: Path) -> float:
    """µs of CPU a note for ``parse_note`` over every note of ``vault``, bytes read beforehand."""
    from vaulttool.model.notes import parse_note

    notes = [(str(p.relative_to(vault)), p.read_bytes()) for p in sorted(vault.rglob("*.md"))]
    gc.disable()
    start = time.process_time()
    for path, data in notes:
        parse_note(path, data)
    return (time.process_time() - start) / len(notes) * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the medians and ratios."""
    args = tree_parser(__doc__.split("\n\n")[0]).parse_args(argv)
    if args.child:
        print(f"{measure(args.vault):.2f}")
        return 0

    def one(tree: Path) -> float:
        cmd = [sys.executable, __file__, str(args.vault), str(args.old), "--child"]
        return float(subprocess.run(cmd, env=child_env(tree), capture_output=True, text=True, check=True).stdout)

    old, new, ratio = paired(args, one)
    print(f"parse_note, µs a note, median of {args.runs} paired runs: old {old:.1f}, new {new:.1f}")
    print(f"ratio {new / old:.3f} (median of the per-round ratios {ratio:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
