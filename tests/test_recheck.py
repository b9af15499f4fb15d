"""A re-run after a few edits checks only what they affect, and reports exactly what a full check does."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vaulttool.engine import lint
from vaulttool.engine.load import Loaded, load
from vaulttool.incremental import cache
from vaulttool.incremental import check as incremental_check
from vaulttool.incremental.cache import VaultCache
from vaulttool.incremental.check import check
from vaulttool.output.formatters import format_json
from vaulttool.rules.context import RuleContext


@pytest.fixture
def vault(generated_vault: Path, tmp_path: Path) -> Path:
    """A private copy of the 1,000-note generated vault."""
    return Path(shutil.copytree(generated_vault, tmp_path / "vault"))


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the checks that load the whole vault (files written a moment ago are trusted)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)
    calls: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Loaded[RuleContext]:
        calls.append(1)
        return load(*args, **kwargs)

    monkeypatch.setattr(lint, "load", counting)
    monkeypatch.setattr(incremental_check, "load", counting)
    return calls


def cached(vault: Path, folder: Path) -> str:
    return format_json(check(vault, cache=VaultCache(folder, vault)))


def append(note: Path, text: str) -> None:
    with note.open("a", encoding="utf-8") as out:
        out.write(text)


def rewrite(note: Path, change: Callable[[str], str]) -> None:
    note.write_text(change(note.read_text(encoding="utf-8")), encoding="utf-8")


def append_both(first: Path, second: Path) -> None:
    append(first, "\n[[Nowhere At All]]\n")
    append(second, "\n# Title\n")


def test_edits_are_rechecked_like_a_full_check(vault: Path, tmp_path: Path, full_checks: list[int]) -> None:
    folder = tmp_path / "cache"
    assert cached(vault, folder) == format_json(check(vault))
    assert len(full_checks) == 2  # the first cached check, and the one it is compared with
    notes = sorted(vault.rglob("*.md"))
    pick = random.Random(5).sample(notes, 12)
    name = {note: note.stem for note in pick}
    rounds: list[Callable[[], None]] = [
        # an anchor into a heading that does not exist yet, then the heading, then renamed away
        lambda: append(pick[0], f"\nSee [[{name[pick[1]]}#Fresh Heading]] and [[{name[pick[1]]}#^blockid]].\n"),
        lambda: append(pick[1], "\n## Fresh Heading\n\nText. ^blockid\n"),
        lambda: rewrite(pick[1], lambda t: t.replace("## Fresh Heading", "## Stale Heading")),
        # every link of a note removed (its targets may become orphans), then one new link back
        lambda: rewrite(pick[2], lambda t: re.sub(r"\[\[[^\]]*\]\]", "gone", t)),
        lambda: append(pick[2], f"\n[[{name[pick[3]]}]] [[No Such Note]]\n"),
        # a property of the wrong type, a suppression comment, two notes at once
        lambda: rewrite(pick[4], lambda t: re.sub(r"^status:.*$", "status: 12", t, count=1, flags=re.M)),
        lambda: append(pick[5], "\n<!-- vaulttool-disable broken-link -->\n[[Hidden Missing]]\n"),
        lambda: append_both(pick[7], pick[8]),
        # a note linking to itself and to a note that links to it
        lambda: append(pick[9], f"\n[[{name[pick[9]]}#Nope]] [[{name[pick[0]]}]]\n"),
    ]
    for i, edit in enumerate(rounds):
        edit()
        assert cached(vault, folder) == format_json(check(vault)), f"round {i}"
    assert len(full_checks) == 2 + len(rounds)  # each round: only the full check it is compared with
    append(pick[10], "\n")  # nothing else changed: a re-run reads one note
    assert cached(vault, folder) == format_json(check(vault))


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\naliases:", "\naliases: [Some Other Name]\nold_aliases:", 1),
        lambda t: t.replace("---\n", "---\nbad: [unclosed\n", 1),  # unreadable frontmatter: no aliases
        lambda t: "",
    ],
)
def test_changed_aliases_check_the_whole_vault(
    vault: Path, tmp_path: Path, full_checks: list[int], edit: Callable[[str], str]
) -> None:
    folder = tmp_path / "cache"
    cached(vault, folder)
    rewrite([note for note in sorted(vault.rglob("*.md")) if "\naliases:" in note.read_text()][10], edit)
    append(sorted(vault.rglob("*.md"))[200], "\n[[Some Other Name]]\n")
    full_checks.clear()
    assert cached(vault, folder) == format_json(check(vault))
    assert len(full_checks) == 2


def test_added_files_and_many_edits_check_the_whole_vault(vault: Path, tmp_path: Path, full_checks: list[int]) -> None:
    folder = tmp_path / "cache"
    cached(vault, folder)
    (vault / "Brand New.md").write_text("[[Brand New]]\n", encoding="utf-8")
    full_checks.clear()
    assert cached(vault, folder) == format_json(check(vault))
    assert len(full_checks) == 2
    for note in sorted(vault.rglob("*.md"))[:100]:
        append(note, "\nMore text.\n")
    full_checks.clear()
    assert cached(vault, folder) == format_json(check(vault))
    assert len(full_checks) == 2


def test_a_note_that_loses_its_last_backlink_becomes_an_orphan(
    vault: Path, tmp_path: Path, full_checks: list[int]
) -> None:
    folder = tmp_path / "cache"
    cached(vault, folder)
    ctx = check(vault).context
    assert ctx is not None
    sources: dict[str, set[str]] = {}
    for item in ctx.resolved:
        if item.resolved is not None and item.resolved != item.source:
            sources.setdefault(item.resolved, set()).add(item.source)
    links_to: dict[str, set[str | None]] = {}
    for item in ctx.resolved:
        links_to.setdefault(item.source, set()).add(item.resolved)
    # a note none of whose sources it links back to: only the orphan rule ties it to them
    alone = [t for t in sorted(sources) if t in ctx.notes and links_to.get(t, set()).isdisjoint(sources[t])]
    target = min(alone, key=lambda t: len(sources[t]))
    assert len(sources[target]) <= 20
    for source in sources[target]:  # every link to the target goes
        lines = (vault / source).read_text(encoding="utf-8").split("\n")
        for item in sorted(ctx.resolved, key=lambda r: -r.link.column):  # right to left: columns stay valid
            link = item.link
            if item.source == source and item.resolved == target:
                assert link.line == link.end_line
                text = lines[link.line - 1]
                lines[link.line - 1] = text[: link.column - 1] + "unlinked" + text[link.end_column - 1 :]
        (vault / source).write_text("\n".join(lines), encoding="utf-8")
    full_checks.clear()
    report = cached(vault, folder)
    assert full_checks == []
    assert report == format_json(check(vault))
    assert f'"path": {json.dumps(target)},\n      "line": 1,\n      "column": 1,\n      "rule": "orphan-note"' in report


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_rerun_prints_exactly_what_a_full_check_prints(
    vault: Path, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaulttool.commands.cli import main
    from vaulttool.output import formatters

    monkeypatch.setattr(cache, "RACY_NS", 0)
    written: list[int] = []  # diagnostics written out rather than copied from the last report
    real = formatters._json_items if fmt == "json" else formatters._text_lines
    monkeypatch.setattr(
        formatters,
        "_json_items" if fmt == "json" else "_text_lines",
        lambda diags, **kw: real(written.extend([1] * len(diags := list(diags))) or diags, **kw),
    )

    def printed(*args: str) -> str:
        out = tmp_path / "out"
        main(["check", str(vault), "--format", fmt, "-o", str(out), *args])
        return out.read_text(encoding="utf-8")

    folder = ["--cache-dir", str(tmp_path / "cache")]
    first = printed(*folder)
    total = len(written)
    note = sorted(vault.rglob("*.md"))[300]
    append(note, "\n[[Missing From The Rerun]]\n")
    written.clear()
    rerun = printed(*folder)
    assert 0 < len(written) < total // 20  # only the files checked again were written
    assert rerun == printed("--no-cache") != first
    append(note, "\n[[Another Missing]]\n")
    check(vault, cache=VaultCache(tmp_path / "cache", vault))  # a check that prints nothing in between
    append(sorted(vault.rglob("*.md"))[400], "\n[[Missing Elsewhere]]\n")
    assert printed(*folder) == printed("--no-cache")  # the last printed text is not reused for the first note


def test_the_command_lines_lean_check_reports_what_a_full_context_does(vault: Path) -> None:
    lean = check(vault, keep_context=False)
    assert lean.context is None
    assert format_json(lean) == format_json(check(vault))
