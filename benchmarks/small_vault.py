#!/usr/bin/env python3
"""Write a vault of many short notes, like a journal or a Zettelkasten, for timing the check.

Usage:
    python benchmarks/small_vault.py FOLDER [--notes 6500] [--seed 1]

Each note is a few hundred bytes: sometimes a little frontmatter (tags, an alias), a
heading, one to three short lines, and a few wiki links to other notes of the vault
(now and then to one that does not exist). The generated vaults of ``genvault.py`` have
notes of about 4.7 KB that follow a template; a vault like this one has the same number
of files for a tenth of the bytes, which is where starting worker processes pays least.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# fmt: off
WORDS = (
    "idea", "note", "link", "draft", "review", "meeting", "plan", "book", "quote", "habit", "project",
    "task", "reading", "week", "garden", "thought", "source", "summary", "question", "answer", "daily",
    "log", "insight", "topic", "method", "example",
)
# fmt: on


def note_text(rng: random.Random, index: int, count: int) -> str:
    """The text of note number ``index`` of ``count``."""
    lines: list[str] = []
    if rng.random() < 0.4:
        lines += ["---", f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]"]
        if rng.random() < 0.3:
            lines.append(f"aliases: [{rng.choice(WORDS)} {index}]")
        lines.append("---")
    lines.append(f"# {rng.choice(WORDS).title()} {index}")
    for _ in range(rng.randint(1, 3)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14)))
        target = rng.randrange(count + count // 50)  # about 2% of the links lead nowhere
        lines.append(f"{words.capitalize()} [[Note {target}]].")
    if rng.random() < 0.5:
        lines.append(f"- see [[Note {rng.randrange(count)}]]")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the vault."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--notes", type=int, default=6500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    total = 0
    for index in range(args.notes):
        folder = args.folder / f"{index // 500:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = note_text(rng, index, args.notes).encode("utf-8")
        (folder / f"Note {index}.md").write_bytes(text)
        total += len(text)
    print(f"{args.folder}: {args.notes} notes, {total} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
