"""A small vault generator of the tests' own, and random edits of the kinds users make.

The vault is the sample vault (a topic overview, its MOC and its stubs: the template
rules have work to do) plus ``notes`` generated notes in a few folders, with titles
(some shared), aliases, headings, block ids, anchored links, broken links, MOC links in
frontmatter and a schemas folder of its own, so every rule finds something and every
kind of edit can change what it finds.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("", "a/", "b/", "a/deep/")


def _note(rng: random.Random, index: int, names: list[str]) -> str:
    title = f"Title {rng.randrange(8)}"  # a few titles repeat
    aliases = f"aliases:\n  - Alias {index}\n" if rng.random() < 0.3 else ""
    moc = '  - "[[Hub MOC]]"\n' if rng.random() < 0.3 else ""
    links = []
    for _ in range(rng.randrange(1, 5)):
        target = rng.choice(names)
        suffix = rng.choice(["", "", "#Part One", "#Part Two", "#^blk", "#Nowhere", "|shown"])
        links.append(f"[[{target}{suffix}]]")
    if rng.random() < 0.2:
        links.append(f"[[Missing {rng.randrange(5)}]]")
    return (
        f"---\ntitle: {title}\n{aliases}tags:\n  - gen\nstatus: draft\nlinks:\n{moc}  - https://example.org\n---\n"
        f"# Note {index}\n\n## Part One\n\nSee {' and '.join(links)}.\n\n"
        f"## Part Two\n\nA paragraph with a block. ^blk\n"
    )


def make_vault(root: Path, notes: int = 36, seed: int = 0) -> Path:
    """Create the vault at ``root`` and return it."""
    rng = random.Random(seed)
    shutil.copytree(REPO / "vault", root)
    shutil.copytree(REPO / "schemas", root / "_schemas", ignore=shutil.ignore_patterns("*.md"))
    (root / ".vaulttool.toml").write_text('schemas = "_schemas"\n', encoding="utf-8")
    overview = (root / "Python Concurrency Patterns.md").read_text(encoding="utf-8")
    for index, keyword in enumerate(("quantum gardening", "medieval pottery")):  # overviews with defects
        text = overview.replace("architecture alignment", f"architecture alignment, {keyword}")
        (root / f"Overview {index}.md").write_text(text.replace("status: published", "status: Published"), "utf-8")
    names = [f"Note {i}" for i in range(notes)] + ["Threading", "Python MOC"]
    for index in range(notes):
        path = root / f"{FOLDERS[index % len(FOLDERS)]}Note {index}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_note(rng, index, names), encoding="utf-8")
    return root


def _notes(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if "_schemas" not in p.parts)


def _sub(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(pattern, replacement, text, count=1, flags=re.M), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(text)


def random_edit(root: Path, rng: random.Random) -> str:
    """Make one random edit of ``root`` and say what it was."""
    notes = _notes(root)
    note = rng.choice(notes)
    other = rng.choice(notes).stem
    edits: dict[str, Callable[[], None]] = {
        "link added": lambda: _append(note, f"\nAlso [[{other}]] and [[{other}#Part One]].\n"),
        "broken link added": lambda: _append(note, f"\n[[Missing {rng.randrange(9)}]]\n"),
        "links removed": lambda: _sub(note, r"\[\[[^\]]*\]\]", "plain text"),
        "heading renamed": lambda: _sub(note, r"^## Part One$", "## Part Uno"),
        "heading restored": lambda: _sub(note, r"^## Part Uno$", "## Part One"),
        "block id renamed": lambda: _sub(note, r"\^blk$", "^other"),
        "alias changed": lambda: _sub(note, r"^  - Alias \d+$", f"  - Alias {rng.randrange(50)}"),
        "alias added": lambda: _sub(note, r"^tags:$", f"aliases:\n  - {other}\ntags:"),
        "title changed": lambda: _sub(note, r"^title: .*$", f"title: Title {rng.randrange(8)}"),
        "template broken": lambda: _sub(note, r"^status: \w+$", "status: bogus"),
        "keywords section removed": lambda: _sub(note, r"^#+ .*Keywords.*$", "Plain line"),
        "note added": lambda: (root / f"New {rng.randrange(1000)}.md").write_text(
            f"# New\n\n[[{other}]] [[{other}#Part Two]]\n", encoding="utf-8"
        ),
        "note deleted": lambda: note.unlink(),
        "note renamed": lambda: note.rename(note.with_name(f"Renamed {rng.randrange(1000)}.md")),
        "schema edited": lambda: _sub(root / "_schemas" / "stub.yaml", r"^priority: \d+$", "priority: 31"),
    }
    kind = rng.choice(sorted(edits))
    edits[kind]()
    return f"{kind}: {note.relative_to(root)}"
