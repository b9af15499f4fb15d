#!/usr/bin/env python3
"""CPU a note of what a worker does with the chunks of a cold check with a cache, paired between two source trees.

Usage:
    python benchmarks/chunks.py VAULT OLD_SRC [--new NEW_SRC] [--runs 7] [--parts]

OLD_SRC is the ``src`` folder of the code before (``git archive REV src schemas | tar -x -C DIR``
makes one: the built-in schemas are found beside ``src``, and without them no template rule
runs); NEW_SRC defaults to this tree's. Each round runs one child process per tree, in
alternating order: a cold ``check`` of VAULT with a fresh cache folder, its chunks cut and
handed out as to two workers, but each done in the child itself, one after another, with
the checker, linker and pack writer the workers would get. Only that work is timed
(``time.process_time``): no fork, pipe or other process shares the figure. Prints the median
µs a note of each tree, the ratio of the medians and the median of the per-round ratios.

``--parts`` adds, from three more runs of the new tree, the µs a note of each part of that
work (reading and parsing, the per-note rules, records, the entries marshalled for the pack,
the links resolved, the pack written); timing each part costs a few µs a note of its own,
so these runs are not among the paired ones.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from functools import wraps
from pathlib import Path
from typing import Any

from paired import paired, tree_parser
from run import child_env

_PARTS = {  # the parts timed with --parts: attributes of vaulttool.incremental.pool
    "read_note_stamped": "reading, stamping and parsing",
    "to_record": "the note as a record",
    "findings_record": "the findings as a record",
    "packed": "the entries marshalled for the pack",
    "handed": "the record handed on",
}


def measure(vault: Path, parts: bool) -> dict[str, float]:
    """µs of CPU a note for the work of every chunk of a cold check of ``vault`` (``total``), and with
    ``parts`` of each part of it."""
    import vaulttool.incremental.pool as pool
    from vaulttool.commands.cli import main

    spent: dict[str, float] = {}
    notes = 0

    def timing(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start

        return timed

    if parts:
        from vaulttool.engine.notecheck import NoteChecker
        from vaulttool.incremental.packfiles import PackWriter
        from vaulttool.incremental.records import Linker

        for name in _PARTS:
            if hasattr(pool, name):
                setattr(pool, name, timing(name, getattr(pool, name)))
        NoteChecker.__call__ = timing("per-note rules", NoteChecker.__call__)  # type: ignore[method-assign]
        Linker.record = timing("links resolved", Linker.record)  # type: ignore[method-assign]
        PackWriter.write = timing("pack written", PackWriter.write)  # type: ignore[method-assign]

    def here(
        root: str, left: dict[int, Sequence[str]], max_bytes: int, count: int, work: Callable[..., bytes], *rest: Any
    ) -> Iterator[bytes]:
        nonlocal notes
        content = bool(rest[-1]) if rest else False  # the last argument, after a deadline where there is one
        for start, chunk in list(left.items()):
            began = time.process_time()
            answer = work((root, chunk, max_bytes, content))
            spent["total"] = spent.get("total", 0.0) + time.process_time() - began
            notes += len(chunk)
            del left[start]
            yield answer

    pool.in_workers = here  # type: ignore[attr-defined,assignment]
    pool.available_cpus = lambda: 2  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="vaulttool-chunks-") as cache, open(os.devnull, "w") as sink:
        sys.stdout, out = sink, sys.stdout
        try:
            main(["check", str(vault), "--cache-dir", cache, "--format", "json", "--jobs", "2"])
        except SystemExit:
            pass
        finally:
            sys.stdout = out
    if not notes:
        raise SystemExit("no chunk went to workers: the vault is below the pool's size (POOL_MIN_BYTES)")
    gc.collect()
    return {name: seconds / max(1, notes) * 1e6 for name, seconds in spent.items()}


def _child(vault: Path, tree: Path, parts: bool) -> dict[str, float]:
    """What :func:`measure` found in a child process running the code of the src folder ``tree``."""
    cmd = [sys.executable, __file__, str(vault), str(tree), "--child", *(["--parts"] if parts else [])]
    out = subprocess.run(cmd, env=child_env(tree), capture_output=True, text=True, check=True)
    return {name: float(micros) for name, micros in (line.split("\t") for line in out.stdout.splitlines())}


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the medians and ratios."""
    parser = tree_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--parts", action="store_true", help="the µs a note of each part, for the new tree")
    args = parser.parse_args(argv)
    if args.child:
        for name, micros in measure(args.vault, args.parts).items():
            print(f"{name}\t{micros:.2f}")
        return 0
    old, new, ratio = paired(args, lambda tree: _child(args.vault, tree, False)["total"])
    split: dict[str, list[float]] = {}
    for _ in range(3 if args.parts else 0):
        for part, micros in _child(args.vault, args.new.resolve(), True).items():
            split.setdefault(part, []).append(micros)
    print(f"work of the chunks, µs a note, median of {args.runs} paired runs: old {old:.1f}, new {new:.1f}")
    print(f"ratio {new / old:.3f} (median of the per-round ratios {ratio:.3f})")
    for part, runs in sorted(split.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {_PARTS.get(part, part)}: {statistics.median(runs):.1f} µs a note (new, parts timed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
