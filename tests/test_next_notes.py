"""Which notes to write next: topics and MOCs without a note or with only a stub, most wanted first."""

from __future__ import annotations

from pathlib import Path

from vaulttool.actions.stubs import next_notes
from vaulttool.engine.load import load_vault
from vaulttool.engine.options import options_for

OVERVIEW = """---
title: {title}
tags: [python]
topics: [{topics}]
links: ["[[Python MOC]]"]
importance: {importance}/5
status: draft
created: 2026-01-02
---
## Overview (Mentor Advice)
"""


def vault_of(tmp_path: Path, notes: dict[str, str]) -> Path:
    vault = tmp_path / "vault"
    vault.mkdir()  # the built-in templates apply
    for name, text in notes.items():
        (vault / name).write_text(text, encoding="utf-8")
    return vault


def test_most_named_first_then_by_importance_and_written_notes_left_out(tmp_path: Path) -> None:
    vault = vault_of(
        tmp_path,
        {
            "A.md": OVERVIEW.format(title="A", topics="Queues, Locks, Futures", importance=2),
            "B.md": OVERVIEW.format(title="B", topics="Locks, Events, Written", importance=5),
            "C.md": "See [[Futures]].\n",
            "Written.md": "---\nstatus: published\n---\nDone.\n",
            "Events.md": "---\nstatus: stub\n---\n[[B]]\n",
        },
    )
    found = next_notes(load_vault(vault, options_for(vault)).context)
    assert [(n.title, n.kind, n.path, n.sources, n.importance) for n in found] == [
        ("Locks", "topic", None, ["A.md", "B.md"], 1.0),  # a tie with the MOC, broken by title
        ("Python MOC", "moc", None, ["A.md", "B.md"], 1.0),
        ("Futures", "topic", None, ["A.md", "C.md"], 0.4),
        ("Events", "topic", "Events.md", ["B.md"], 1.0),
        ("Queues", "topic", None, ["A.md"], 0.4),
    ]
