"""Make the sample vault's topic overview from the raw seed note with vaulttool's own fixes.

    python scripts/seed_note.py          # write vault/Python Concurrency Patterns.md
    python scripts/seed_note.py --check  # exit 1 when the file differs from what the tool makes

The raw seed (tests/fixtures/seed/python-concurrency-patterns.md: double-encoded text, a
comma-string ``tags`` and a closing remark) is copied alone into a temporary vault under
the sample note's name and repaired there by ``vaulttool check --fix --unsafe-fixes``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "seed" / "python-concurrency-patterns.md"
TARGET = REPO / "vault" / "Python Concurrency Patterns.md"


def fixed_seed() -> bytes:
    """The raw seed note as ``vaulttool check --fix --unsafe-fixes`` leaves it."""
    with tempfile.TemporaryDirectory() as folder:
        note = Path(folder) / TARGET.name
        shutil.copyfile(SEED, note)
        args = [sys.executable, "-m", "vaulttool", "check", "--fix", "--unsafe-fixes", "--no-cache", folder]
        subprocess.run(args, capture_output=True, check=False)  # exit 1: the topics have no notes there
        return note.read_bytes()


def main() -> int:
    """Write the note, or with ``--check`` say whether it is in step with the seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the note is out of step")
    made = fixed_seed()
    if parser.parse_args().check:
        same = TARGET.read_bytes() == made
        print(f"{TARGET.relative_to(REPO)} is {'in step with' if same else 'out of step with'} the seed")
        return 0 if same else 1
    TARGET.write_bytes(made)
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
