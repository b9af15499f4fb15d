"""How fast the graph page of a vault opens in headless Chromium.

Usage:
    python benchmarks/graph_page.py VAULT [--runs N] [--keep FILE]

Writes the page with ``vaulttool graph VAULT --html``, then opens it ``--runs`` times with
``chromium --headless --dump-dom`` and prints, per run: the wall-clock time of the whole
browser run (start-up, load, first drawing and writing the DOM out), the time the page
itself reports from navigation start to its first complete drawing (``data-ready-ms``) and
to its load event (``data-load-ms``), the number of nodes drawn and the errors recorded.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def body_attributes(dom: str) -> dict[str, str]:
    """The attributes of the last ``<body ...>`` tag in a DOM dump."""
    tags = re.findall(r"<body\b([^>]*)>", dom)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tags[-1])) if tags else {}


def main() -> int:
    """Write the page once, open it several times, print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the page here instead of a temporary file")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = args.keep or Path(tmp) / "graph.html"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vaulttool", "graph", str(args.vault), "--html", str(page)], check=True)
        size = page.stat().st_size
        print(f"page written in {time.perf_counter() - started:.1f} s, {size / 1e6:.1f} MB")
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            result = subprocess.run(
                [chromium, *FLAGS, f"--user-data-dir={tmp}/profile-{run}", "--dump-dom", page.resolve().as_uri()],
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - started
            body = body_attributes(result.stdout)
            print(
                f"run {run}: wall {wall:.2f} s, ready {body.get('data-ready-ms', '?')} ms, "
                f"load {body.get('data-load-ms', '?')} ms, nodes {body.get('data-nodes', '?')}, "
                f"errors {body.get('data-errors', '?')}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
