"""Link resolution follows Obsidian's rules: one row per rule and per tie-break."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaulttool.model.vault import VaultIndex, link_key

NFC = "Caf\u00e9"
NFD = "Cafe\u0301"


def make_index(files: list[str]) -> VaultIndex:
    """Split ``files`` the way the walk does: ``*.md`` are notes, the rest attachments."""
    notes = [f for f in files if f.lower().endswith(".md")]
    attachments = [f for f in files if not f.lower().endswith(".md")]
    return VaultIndex(notes, attachments)


RESOLVE_CASES = [
    # 1. case- and normalisation-insensitive, extension included
    pytest.param(["Ext.md"], "src.md", "Ext.MD", "Ext.md", id="extension-case"),
    pytest.param(["Note.md"], "src.md", "NOTE", "Note.md", id="name-case"),
    pytest.param(["Stra\u00dfe.md"], "src.md", "STRASSE", "Stra\u00dfe.md", id="casefold-not-lower"),
    pytest.param([f"{NFC}.md"], "src.md", NFD, f"{NFC}.md", id="nfd-link-nfc-file"),
    pytest.param([f"{NFD}.md"], "src.md", NFC, f"{NFD}.md", id="nfc-link-nfd-file"),
    pytest.param([f"{NFD}/x.md"], "src.md", f"{NFC}/X", f"{NFD}/x.md", id="nfd-folder"),
    # 2. .md optional for notes, full extension for everything else
    pytest.param(["Note.md"], "src.md", "Note.md", "Note.md", id="explicit-md"),
    pytest.param(["Attachments/Figure 1.png"], "src.md", "Figure 1.png", "Attachments/Figure 1.png", id="png"),
    pytest.param(["Attachments/Figure 1.png"], "src.md", "Figure 1", None, id="png-without-extension"),
    pytest.param(["Board.canvas"], "src.md", "Board", None, id="canvas-without-extension"),
    pytest.param(["Board.canvas"], "src.md", "board.CANVAS", "Board.canvas", id="canvas-with-extension"),
    pytest.param(["Note.md", "Note.md.md"], "src.md", "Note.md", "Note.md", id="md-not-doubled"),
    pytest.param(["Note.md.md"], "src.md", "Note.md", "Note.md.md", id="md-appended-as-fallback"),
    pytest.param(["archive.tar.md"], "src.md", "archive.tar", "archive.tar.md", id="dotted-note-name"),
    pytest.param(["archive.tar", "archive.tar.md"], "src.md", "archive.tar", "archive.tar", id="file-name-first"),
    pytest.param(
        ["x/archive.tar", "archive.tar.md"],
        "src.md",
        "archive.tar",
        "x/archive.tar",
        id="file-name-first-anywhere",
    ),
    # 3. vault-wide by name; path suffix on whole segments; leading / is the vault root
    pytest.param(["deep/er/Note.md"], "src.md", "Note", "deep/er/Note.md", id="name-anywhere"),
    pytest.param(["projects/house/todo.md"], "src.md", "house/todo", "projects/house/todo.md", id="suffix"),
    pytest.param(["projects/house/todo.md"], "src.md", "Projects/House/Todo.md", "projects/house/todo.md", id="full"),
    pytest.param(["projects/house/todo.md"], "src.md", "use/todo", None, id="suffix-partial-segment"),
    pytest.param(["projects/house/todo.md"], "src.md", "projects/house", None, id="folder-is-not-a-file"),
    pytest.param(["projects/house/todo.md"], "src.md", "/projects/house/todo", "projects/house/todo.md", id="root"),
    pytest.param(["projects/house/todo.md"], "src.md", "/house/todo", None, id="root-anchors"),
    pytest.param(["x.md"], "a/src.md", "/x", "x.md", id="root-name"),
    pytest.param(["tmp/x.md"], "src.md", "/tmp/x", "tmp/x.md", id="absolute-is-vault-path"),
    pytest.param(["x.md"], "src.md", "//x", None, id="double-slash"),
    # 4. exact path > source folder > shortest > string order
    pytest.param(["Note.md", "a/Note.md"], "a/src.md", "Note", "Note.md", id="exact-beats-folder"),
    pytest.param(
        ["house/todo.md", "x/house/todo.md"],
        "x/house/src.md",
        "house/todo",
        "house/todo.md",
        id="exact-suffix",
    ),
    pytest.param(["ab/Note.md", "a/b/c/Note.md"], "a/b/c/src.md", "Note", "a/b/c/Note.md", id="folder-beats-short"),
    pytest.param(["zz/Note.md", "a/b/Note.md"], "src.md", "Note", "zz/Note.md", id="shortest"),
    pytest.param(["b/Note.md", "a/Note.md"], "src.md", "Note", "a/Note.md", id="same-length-string-order"),
    pytest.param(["b/x/t.md", "a/x/t.md", "x/t.md"], "c/src.md", "x/t", "x/t.md", id="suffix-exact"),
    pytest.param(["b/x/t.md", "a/x/t.md"], "c/src.md", "x/t", "a/x/t.md", id="suffix-string-order"),
    pytest.param(["Note.md", "note.md"], "src.md", "note", "note.md", id="twin-exact-case"),
    pytest.param(["Note.md", "note.md"], "src.md", "NOTE", "Note.md", id="twin-string-order"),
    # 5. ./ and ../ are relative to the source only
    pytest.param(["a/x.md", "x.md"], "a/src.md", "./x", "a/x.md", id="dot"),
    pytest.param(["x.md"], "a/src.md", "./x", None, id="dot-not-vault-wide"),
    pytest.param(["a/X.md"], "a/src.md", "./x.MD", "a/X.md", id="dot-case"),
    pytest.param(["a/img.png"], "a/src.md", "./img.png", "a/img.png", id="dot-attachment"),
    pytest.param(["x.md", "a/x.md"], "a/b/src.md", "../x", "a/x.md", id="dotdot"),
    pytest.param(["x.md"], "a/src.md", "../x", "x.md", id="dotdot-to-root"),
    pytest.param(["x.md"], "a/b/src.md", "../../x", "x.md", id="dotdot-twice"),
    pytest.param(["x.md"], "src.md", "../x", None, id="dotdot-out-of-vault"),
    pytest.param(["x.md"], "a/src.md", "../../x", None, id="dotdot-twice-out-of-vault"),
    pytest.param(["a/x.md"], "a/src.md", "./../a/./x", "a/x.md", id="dot-normalised"),
    # 6. empty target: the same note
    pytest.param([], "a/src.md", "", "a/src.md", id="same-note"),
    # 7. nothing else
    pytest.param(["Python Concurrency Patterns.md"], "src.md", "Concurrency", None, id="alias-is-just-a-name"),
    pytest.param(["x.md"], "src.md", "https://x", None, id="url-is-a-name"),
    pytest.param(["b.md", "a/b.md"], "src.md", "a/../b", None, id="inner-dotdot-literal"),
    pytest.param(["x.md"], "src.md", "C:\\x", None, id="drive-letter"),
    pytest.param(["Note.md"], "src.md", "Notes", None, id="prefix-is-not-a-match"),
]


@pytest.mark.parametrize(("files", "source", "target", "expected"), RESOLVE_CASES)
def test_resolve(files: list[str], source: str, target: str, expected: str | None) -> None:
    assert make_index(files).resolve(target, source) == expected


CANDIDATE_CASES = [
    pytest.param(
        ["zz/Note.md", "b/Note.md", "a/b/Note.md", "Note.md", "a/Note.md", "Other.md"],
        "a/b/src.md",
        "Note",
        ["Note.md", "a/b/Note.md", "a/Note.md", "b/Note.md", "zz/Note.md"],
        id="exact-folder-shortest-order",
    ),
    pytest.param(
        ["p/house/todo.md", "house/todo.md", "q/r/house/todo.md", "p/greenhouse/todo.md"],
        "q/r/house/src.md",
        "house/todo",
        ["house/todo.md", "q/r/house/todo.md", "p/house/todo.md"],
        id="suffix-order",
    ),
    pytest.param(["note.md", "Note.md"], "src.md", "note", ["note.md", "Note.md"], id="twins-exact-case-first"),
    pytest.param(["x.md", "a/x.md"], "a/src.md", "./x", ["a/x.md"], id="relative-only"),
    pytest.param(["x.md"], "src.md", "missing", [], id="none"),
    pytest.param(["x.md"], "src.md", "../x", [], id="out-of-vault"),
    pytest.param(["x.md"], "a/src.md", "", ["a/src.md"], id="same-note"),
]


@pytest.mark.parametrize(("files", "source", "target", "expected"), CANDIDATE_CASES)
def test_candidates(files: list[str], source: str, target: str, expected: list[str]) -> None:
    index = make_index(files)
    assert index.candidates(target, source) == expected
    assert index.resolve(target, source) == (expected[0] if expected else None)


TWIN_CASES = [
    pytest.param(["Note.md", "note.md", "Other.md"], [("Note.md", "note.md")], id="case"),
    pytest.param([f"{NFC}.md", f"{NFD}.md"], [tuple(sorted([f"{NFC}.md", f"{NFD}.md"]))], id="nfc-nfd"),
    pytest.param(["a/Note.md", "A/NOTE.md", "b/note.md"], [("A/NOTE.md", "a/Note.md")], id="folders"),
    pytest.param(
        ["b.md", "B.md", "a.png", "A.PNG"], [("A.PNG", "a.png"), ("B.md", "b.md")], id="several-groups-sorted"
    ),
    pytest.param(["Note.md", "Note.md.md", "a/Note.md"], [], id="no-twins"),
]


@pytest.mark.parametrize(("files", "expected"), TWIN_CASES)
def test_twins(files: list[str], expected: list[tuple[str, ...]]) -> None:
    assert make_index(files).twins() == expected


CONTAINS_CASES = [
    pytest.param(["Note.md"], "NOTE.MD", True, id="case"),
    pytest.param([f"{NFC}.md"], f"{NFD}.md", True, id="nfd"),
    pytest.param(["a/Note.md"], "A/note.md", True, id="folder-case"),
    pytest.param(["a/Note.md"], "Note.md", False, id="whole-path-only"),
    pytest.param(["Note.md"], "Note", False, id="no-md-appended"),
]


@pytest.mark.parametrize(("files", "path", "expected"), CONTAINS_CASES)
def test_contains_key(files: list[str], path: str, expected: bool) -> None:
    assert make_index(files).contains_key(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("Note.MD", "note.md", id="case"),
        pytest.param(NFD, "caf\u00e9", id="nfc"),
        pytest.param("Stra\u00dfe", "strasse", id="casefold"),
        pytest.param("caf\udce9.md", "caf\udce9.md", id="undecodable-name"),
    ],
)
def test_link_key(path: str, expected: str) -> None:
    assert link_key(path) == expected


def test_duplicate_inputs_are_one_file() -> None:
    index = VaultIndex(["Note.md", "Note.md"], ["Note.md"])
    assert index.twins() == []
    assert index.candidates("Note", "src.md") == ["Note.md"]


@pytest.mark.parametrize(("files", "source", "target", "expected"), RESOLVE_CASES)
def test_remembering_resolver_answers_like_resolve(
    files: list[str], source: str, target: str, expected: str | None
) -> None:
    index = make_index(files)
    resolve = index.resolver()
    assert resolve(target, source) == expected
    # asked again, and from another folder first: the remembered answers stay exact
    other = "elsewhere/deep/" + source.rpartition("/")[2]
    assert resolve(target, other) == index.resolve(target, other)
    assert resolve(target, source) == expected


def test_remembering_resolver_on_a_generated_vault(generated_vault: Path) -> None:
    from vaulttool.engine.load import load_vault
    from vaulttool.engine.options import Options

    ctx = load_vault(generated_vault, Options()).context
    resolve = ctx.index.resolver()
    for item in ctx.resolved:
        assert resolve(item.link.target, item.source) == ctx.index.resolve(item.link.target, item.source)


def anchor_missing(text: str, subpath: str) -> str | None:
    """What of ``subpath`` a note holding ``text`` lacks, as ``broken-anchor`` judges it."""
    from vaulttool.model.notes import parse_note
    from vaulttool.rules.broken_anchor import AnchorIndex

    return AnchorIndex(parse_note("Target.md", text.encode())).missing(subpath)


ANCHOR_CASES = [
    # Obsidian's heading sanitiser: each of !"#$%&()*+,.:;<=>?@^`{|}~/[]\ is a space, not deleted
    pytest.param("# D&D Rules", "D D Rules", True, id="ampersand-is-a-space"),
    pytest.param("# D&D Rules", "D&D Rules", True, id="ampersand-as-written"),
    pytest.param("# D&D Rules", "DD Rules", False, id="ampersand-not-deleted"),
    pytest.param("### Inbox.md", "Inbox md", True, id="dot-is-a-space"),
    pytest.param("### Inbox.md", "inboxmd", False, id="dot-not-deleted"),
    pytest.param("## Prerequisites", "Prerequisites", True, id="plain"),
    pytest.param("## Prerequisites", "Pre-requisites", False, id="hyphen-kept-in-link"),
    pytest.param("## Pre-requisites", "Prerequisites", False, id="hyphen-kept-in-heading"),
    pytest.param("## snake_case name", "snake case name", False, id="underscore-kept"),
    pytest.param("## Don't panic", "Dont panic", False, id="apostrophe-kept"),
    pytest.param("### `hasTag()`", "hasTag", True, id="code-and-parentheses"),
    pytest.param("## How large can it be?", "How large can it be", True, id="question-mark"),
    pytest.param("## 🧠 Overview (Mentor Advice)", "🧠 Overview (Mentor Advice)", True, id="emoji-as-written"),
    pytest.param("## 🧠 Overview (Mentor Advice)", "Overview (Mentor Advice)", False, id="emoji-kept"),
    pytest.param("## Spaces   and\ttabs", "SPACES AND TABS", True, id="white-space-and-case"),
    # a link in a heading is sanitised as written: page, part and shown words all stay
    pytest.param("## See [[Page#Part|shown words]]", "See Page Part shown words", True, id="heading-link-whole"),
    pytest.param("## See [[Page#Part|shown words]]", "See shown words", False, id="heading-link-alias-only"),
    pytest.param("## About [[Other Note]]", "About Other Note", True, id="heading-link-plain"),
    # heading paths: each part after a heading of the one before it
    pytest.param("# A\n## B", "A#B", True, id="path-child"),
    pytest.param("# A\n## X\n### B", "A#B", True, id="path-grandchild"),
    # a table of contents in a real vault links ### A#B to a #### B under a later ## heading
    pytest.param("### A\n## M\n#### B", "A#B", True, id="path-past-the-section"),
    pytest.param("## B\n# A", "A#B", False, id="path-before"),
    pytest.param("## B\n# A\n## C", "A#B", False, id="path-only-before"),
    pytest.param("# A\n## X\n# A\n## B", "A#B", True, id="path-second-parent"),
    pytest.param("# A\n## B\n### C\n## D", "A#B#C", True, id="path-three"),
    pytest.param("# C\n# A\n## B", "A#B#C", False, id="path-three-last-before"),
    # math: a stray $$ hides nothing; what closed math holds is no target
    pytest.param("Pay DO $$ now\n\n## Later", "Later", True, id="heading-after-stray-display-math"),
    pytest.param("Cost $$ and\nmore ^after-stray", "^after-stray", True, id="block-after-stray-display-math"),
    pytest.param("$$\nx ^in-math\n$$", "^in-math", False, id="block-inside-display-math"),
    # code fenced in a callout or under a list item is no target
    pytest.param("> [!note]\n> ```\n> # In code\n> ```", "In code", False, id="heading-in-callout-code"),
    pytest.param("- item\n    ```\n    x ^in-code\n    ```", "^in-code", False, id="block-in-list-code"),
    pytest.param("> ```\n> code\n> ```\n\n# After", "After", True, id="heading-after-callout-code"),
    # block ids: matched without regard to case
    pytest.param("Text. ^Quote-Of-Day", "^quote-of-day", True, id="block-lower-link"),
    pytest.param("Text. ^quote-of-day", "^Quote-Of-Day", True, id="block-upper-link"),
    pytest.param("Text. ^quote-of-day", "^quote-of-the-day", False, id="block-other-id"),
]


@pytest.mark.parametrize(("text", "subpath", "resolves"), ANCHOR_CASES)
def test_anchor(text: str, subpath: str, resolves: bool) -> None:
    assert (anchor_missing(text, subpath) is None) is resolves
