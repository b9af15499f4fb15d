#!/usr/bin/env python3
"""Time ``vaulttool check`` against the speed floor on generated vaults and print the table.

Usage:
    python benchmarks/run.py [--sizes 1000,10000,50000] [--runs 5] [--seed 1]
                             [--workdir DIR] [--shared DIR]

Vaults come from genvault (fixed seed) and are kept under ``--workdir`` (default: a
``vaulttool-bench`` folder in the temporary folder), so later runs reuse them. Every
measurement is a whole process, output to /dev/null: vaulttool from this working tree
with ``--format json``, and ``floor.py`` (read every note, one regex, one process).
The two alternate within each round, so the drift of a shared machine hits both, and
each vaulttool time is reported as a ratio of the floor's median in the same rounds.

Scenarios, each round: ``floor``; ``cold`` (empty cache folder: the first run, which
also writes the cache); ``warm`` (the same cache, nothing changed); ``edit`` (one note
changed since the warm run); ``ci`` (a pull request on CI: the vault copied to a new
folder, so every file has new times, with the cache of a content-stamped run of the
original restored beside it and one note changed, checked with ``--stamp content`` as
``CI=true`` selects; its report must be byte-identical to a ``--no-cache`` run of the
copy). Peak RSS is the largest process of a run (``wait4``).
Also timed: ``vaulttool --version`` and ``--help``, and which heavy modules they import.
Finally the diagnostics are compared between one process (``--jobs 1``), the pool, and
a warm cache, on the largest vault.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
HEAVY = ("pydantic", "networkx", "yaml", "rich")
SCENARIOS = ("floor", "cold", "warm", "edit", "ci")
TARGETS = {"cold": 3.0, "warm": 0.5, "edit": 1.0, "ci": 1.0}
SETTLE_S = 2.5  # the cache does not trust files changed within 2 s of a run


def child_env(src: Path = SRC) -> dict[str, str]:
    """The environment of measured runs: the sources in ``src``, bytecode cached as when installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for name in ("CI", "PRE_COMMIT", "VAULTTOOL_CACHE_DIR", "VAULTTOOL_OUTPUT_FORMAT"):
        env.pop(name, None)
    return env


def timed(cmd: Sequence[str], env: dict[str, str], out: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, largest process) of one run, output discarded or written to ``out``."""
    with open(out or os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return elapsed, usage.ru_maxrss * scale


def make_vault(genvault: Path, workdir: Path, notes: int, seed: int) -> Path:
    """The generated vault of ``notes`` notes, made once and kept under ``workdir``."""
    folder = workdir / f"genvault-{notes}-seed{seed}"
    vault, done = folder / "vault", folder / "complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"generating a {notes}-note vault in {vault} ...", file=sys.stderr)
        cmd = [sys.executable, str(genvault), str(vault), "--notes", str(notes), "--seed", str(seed)]
        subprocess.run([*cmd, "--manifest", str(folder / "manifest.json")], check=True, stdout=subprocess.DEVNULL)
        done.touch()
        time.sleep(SETTLE_S)
    return vault


def note_to_edit(vault: Path) -> Path:
    """A note in the middle of the vault (sorted), the one the edit scenario changes."""
    notes = sorted(vault.rglob("*.md"))
    return notes[len(notes) // 2]


def bench_size(
    vault: Path, floor: Path, runs: int, env: dict[str, str], scratch: Path
) -> dict[str, list[tuple[float, int]]]:
    """Each scenario's (seconds, peak RSS) for ``runs`` interleaved rounds."""
    check = [sys.executable, "-m", "vaulttool", "check", str(vault), "--format", "json"]
    timed([*check, "--no-cache"], env)  # compile bytecode, warm the page cache
    edited = note_to_edit(vault)
    original = edited.read_bytes()
    stat = edited.stat()
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in SCENARIOS}
    restored = scratch / "cache-ci"  # the cache a CI run restores: one content-stamped run of the original
    shutil.rmtree(restored, ignore_errors=True)
    timed([*check, "--stamp", "content", "--cache-dir", str(restored)], env)
    try:
        for round_ in range(runs):
            cache = scratch / f"cache-{round_}"
            shutil.rmtree(cache, ignore_errors=True)
            cached = [*check, "--cache-dir", str(cache)]
            results["floor"].append(timed([sys.executable, str(floor), str(vault)], env))
            results["cold"].append(timed(cached, env))
            results["warm"].append(timed(cached, env))
            edited.write_bytes(original + f"\nEdited in round {round_}.\n".encode())
            results["edit"].append(timed(cached, env))
            edited.write_bytes(original)
            results["ci"].append(ci_run(vault, edited, restored, env, scratch, compare=round_ == 0))
            shutil.rmtree(cache, ignore_errors=True)
            time.sleep(SETTLE_S)  # so the next cold run may store a whole result again
    finally:
        edited.write_bytes(original)
        os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return results


def ci_run(
    vault: Path, edited: Path, restored: Path, env: dict[str, str], scratch: Path, compare: bool
) -> tuple[float, int]:
    """One CI check: a fresh copy of ``vault`` (new file times), the ``restored`` cache copied
    beside it, ``edited`` changed in the copy; with ``compare``, exit if its report differs
    from a ``--no-cache`` run of the copy."""
    checkout = scratch / "checkout"
    shutil.rmtree(checkout, ignore_errors=True)
    copy = checkout / vault.name  # the same folder name: where the vault sits, as a CI checkout has it
    shutil.copytree(vault, copy, copy_function=shutil.copyfile)  # contents only: every file gets new times
    shutil.copytree(restored, checkout / "cache")
    changed = copy / edited.relative_to(vault)
    changed.write_bytes(changed.read_bytes() + b"\nEdited on a pull request.\n")
    check = [sys.executable, "-m", "vaulttool", "check", str(copy), "--format", "json"]
    result = timed([*check, "--stamp", "content", "--cache-dir", str(checkout / "cache")], env, checkout / "ci.json")
    if compare:
        timed([*check, "--no-cache"], env, checkout / "full.json")
        if (checkout / "ci.json").read_bytes() != (checkout / "full.json").read_bytes():
            sys.exit(f"the ci report on {copy} differs from a --no-cache run of it")
    shutil.rmtree(checkout)
    return result


def startup(env: dict[str, str], runs: int) -> dict[str, object]:
    """Median seconds of ``--version`` and ``--help``, and heavy modules either imports."""
    out: dict[str, object] = {}
    for flag in ("--version", "--help"):
        cmd = [sys.executable, "-m", "vaulttool", flag]
        out[flag] = statistics.median(timed(cmd, env)[0] for _ in range(runs))
        trace = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True)
        imported = {line.rsplit("|", 1)[-1].strip() for line in trace.stderr.splitlines()}
        out[flag + " imports"] = sorted(h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in imported))
    out["python -c pass"] = statistics.median(timed([sys.executable, "-c", "pass"], env)[0] for _ in range(runs))
    return out


def same_diagnostics(vault: Path, env: dict[str, str], scratch: Path) -> bool:
    """Whether one process, the pool and a warm cache print the same report for ``vault``."""
    base = [sys.executable, "-m", "vaulttool", "check", str(vault), "--format", "json"]
    cache = scratch / "cache-compare"
    shutil.rmtree(cache, ignore_errors=True)
    outputs = [
        subprocess.run(cmd, env=env, capture_output=True).stdout
        for cmd in (
            [*base, "--no-cache", "--jobs", "1"],
            [*base, "--no-cache", "--jobs", "2"],  # workers, however busy the machine
            [*base, "--cache-dir", str(cache)],
            [*base, "--cache-dir", str(cache)],
        )
    ]
    shutil.rmtree(cache, ignore_errors=True)
    return all(out == outputs[0] for out in outputs) and len(outputs[0]) > 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated note counts")
    parser.add_argument("--runs", type=int, default=5, help="rounds per size (at least 5 for the table)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vaulttool-bench")
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("VAULTTOOL_SHARED", REPO.parent / "shared")) / "bench",
        help="folder holding genvault.py and floor.py",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    genvault, floor = args.shared / "genvault.py", args.shared / "floor.py"
    for tool in (genvault, floor):
        if not tool.exists():
            parser.error(f"{tool} not found (use --shared)")
    env = child_env()
    scratch = Path(tempfile.mkdtemp(prefix="vaulttool-bench-"))
    try:
        vaults = {n: make_vault(genvault, args.workdir, n, args.seed) for n in sizes}
        table = {n: bench_size(vaults[n], floor, args.runs, env, scratch) for n in sizes}
        starts = startup(env, max(args.runs, 5))
        identical = same_diagnostics(vaults[max(sizes)], env, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(table, starts, identical, max(sizes), args)
    return 0


def print_table(
    table: dict[int, dict[str, list[tuple[float, int]]]],
    starts: dict[str, object],
    identical: bool,
    largest: int,
    args: argparse.Namespace,
) -> None:
    """The results as Markdown: medians, ratios to the floor, peak RSS, targets."""
    sizes = sorted(table)
    print(f"Machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, {platform.system()}")
    print(f"Median of {args.runs} interleaved runs; seed {args.seed}; ratio = median / floor median.\n")
    print("| scenario | " + " | ".join(f"{n:,} notes" for n in sizes) + " | target |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    med = {n: {k: statistics.median(t for t, _ in v) for k, v in table[n].items()} for n in sizes}
    rss = {n: {k: max(r for _, r in v) for k, v in table[n].items()} for n in sizes}
    for name in SCENARIOS:
        cells = []
        for n in sizes:
            seconds = med[n][name]
            ratio = "" if name == "floor" else f" ({seconds / med[n]['floor']:.2f}x)"
            cells.append(f"{seconds:.2f} s{ratio}, {rss[n][name] / 2**20:.0f} MB")
        target = f"<= {TARGETS[name]}x floor" if name in TARGETS else ""
        print(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    if 10000 in med and 50000 in med:
        print(f"\n50k/10k cold time: {med[50000]['cold'] / med[10000]['cold']:.2f}x (target <= 5.5x); ", end="")
        print(f"peak RSS at 50k: {max(rss[50000].values()) / 2**20:.0f} MB (target <= 500 MB)")
    print()
    for flag in ("--version", "--help"):
        heavy = starts[flag + " imports"] or "none"
        print(f"vaulttool {flag}: {starts[flag]:.3f} s (target <= 0.15 s), heavy modules imported: {heavy}")
    print(f"python -c pass: {starts['python -c pass']:.3f} s (interpreter start-up on this machine)")
    same = "identical" if identical else "DIFFERENT"
    print(f"\nDiagnostics on the {largest:,}-note vault, --jobs 1 / pool / cold cache / warm cache: {same}")


if __name__ == "__main__":
    raise SystemExit(main())
