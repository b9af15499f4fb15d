"""Parsing one note: frontmatter split, YAML guards, decoding, positions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaulttool.model.notes import parse_note, read_note
from vaulttool.model.properties import unquoted_links


def problems(data: bytes) -> list[tuple[int, str, str]]:
    return [(p.line, p.rule, p.message) for p in parse_note("n.md", data).problems]


def test_no_frontmatter_body_starts_at_line_one() -> None:
    note = parse_note("n.md", b"# Title\n[[A]]\n")
    assert note.frontmatter is None
    assert note.body_line == 1
    assert note.links[0].line == 2


def test_frontmatter_offsets_body_lines() -> None:
    note = parse_note("n.md", b"---\ntitle: T\ntags: [a]\n---\n\n[[A]]\n")
    assert note.frontmatter == {"title": "T", "tags": ["a"]}
    assert note.body_line == 5
    assert note.links[0].line == 6
    assert note.fm_key_lines == {"title": 2, "tags": 3}


@pytest.mark.parametrize("fm", [b"---\n---\n", b"---\n~\n---\n", b"---\n# only a comment\n---\n"])
def test_empty_frontmatter_is_valid(fm: bytes) -> None:
    note = parse_note("n.md", fm + b"body\n")
    assert note.frontmatter == {}
    assert note.problems == ()


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"---\ntitle: x\nbody [[A]]\n", 1, "not closed"),
        (b"---\n- a\n- b\n---\n", 2, "list, not a mapping"),
        (b"---\njust text\n---\n", 2, "text value, not a mapping"),
        (b"---\ntitle: a\ntags: [a, b\n---\n", 4, "invalid frontmatter"),
        (b'---\ntitle: "open\n---\n', 2, "invalid frontmatter"),
        (b"---\ntitle: A: B\n---\n", 2, "quote values"),
        (b"---\ntopics:\n\t- a\n---\n", 3, "tabs"),
        (b"---\nstatus: a\nstatus: b\n---\n", 3, "duplicate key 'status'"),
        (b"---\na: &x [1, *x]\n---\n", 2, "recursive YAML alias"),
        (b"---\nx: !!python/object/apply:os.system [ls]\n---\n", 2, "invalid frontmatter"),
        (b"---\nbad: \x07\n---\n", 2, "character not allowed"),
    ],
)
def test_frontmatter_syntax_problems(data: bytes, line: int, words: str) -> None:
    found = problems(data)
    assert len(found) == 1, found
    assert found[0][0] == line
    assert found[0][1] == "frontmatter-syntax"
    assert words in found[0][2]


def test_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("---")
    found = problems("\n".join(lines).encode())
    assert found and "more than" in found[0][2]


def test_deep_nesting_is_refused() -> None:
    found = problems(b"---\nx: " + b"[" * 200 + b"]" * 200 + b"\n---\n")
    assert found and found[0][1] == "frontmatter-syntax"


def test_yaml_12_scalars_dates_stay_text() -> None:
    note = parse_note("n.md", b"---\nok: yes\nflag: true\ncreated: 2023-02-30\nn: 3\n1: one\n---\n")
    assert note.frontmatter == {"ok": "yes", "flag": True, "created": "2023-02-30", "n": 3, "1": "one"}


def test_bom_crlf_and_lone_cr() -> None:
    crlf = parse_note("n.md", b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\n[[A]]\r\n")
    assert crlf.frontmatter == {"title": "T"}
    assert (crlf.links[0].line, crlf.links[0].column) == (4, 1)
    cr = parse_note("n.md", b"---\rtitle: T\r---\r[[A]]\r")
    assert cr.frontmatter == {"title": "T"}


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"ok\nline two \xe9t\xe9\n", 2, "not valid UTF-8 (byte offset 12)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", 1, "binary content"),
        (b"\xff\xfe-\x00-\x00", 1, "UTF-16"),
    ],
)
def test_undecodable_notes(data: bytes, line: int, words: str) -> None:
    (found,) = problems(data)
    assert found[0] == line and found[1] == "unreadable-file" and words in found[2]


def test_frontmatter_links_quoted_and_unquoted() -> None:
    note = parse_note(
        "n.md",
        b'---\nlinks:\n  - "[[Python MOC]]"\n  - https://x.org\nup: [[Parent]]\nrel: "[[A|shown]]"\n---\n',
    )
    fm = [(lk.target, lk.field, lk.line, lk.column) for lk in note.links]
    assert fm == [("Python MOC", "links", 3, 6), ("A", "rel", 6, 7)]  # unquoted [[Parent]] is a nested list
    assert [(lk.target, lk.field, lk.line, lk.column) for lk in unquoted_links(note)] == [("Parent", "up", 5, 5)]


def test_frontmatter_links_survive_a_yaml_error() -> None:
    note = parse_note("n.md", b'---\ntitle: "open\nlinks:\n  - "[[Go MOC]]"\n---\n')
    assert [lk.target for lk in note.links] == ["Go MOC"]
    assert note.problems[0].rule == "frontmatter-syntax"


def test_unterminated_frontmatter_is_body() -> None:
    note = parse_note("n.md", b'---\nlinks: "[[M]]"\n\n# H\n')
    assert [(lk.kind, lk.target, lk.line) for lk in note.links] == [("wiki", "M", 2)]
    assert note.headings[0].line == 4


def test_dashes_in_body_are_not_frontmatter() -> None:
    note = parse_note("n.md", b"---\na: 1\n---\ntext\n\n---\nb: 2\n---\n")
    assert note.frontmatter == {"a": 1}


def test_leading_blank_line_means_no_frontmatter() -> None:
    note = parse_note("n.md", b"\n---\na: 1\n---\n")
    assert note.frontmatter is None


def test_read_note_reports_size_cap_and_vanished(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * 100)
    big = read_note(os.fspath(tmp_path), "big.md", max_bytes=10)
    assert "larger than 10 bytes" in big.problems[0].message
    gone = read_note(os.fspath(tmp_path), "gone.md")
    assert "vanished" in gone.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_read_note_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    note = read_note(os.fspath(tmp_path), "pipe.md")
    assert note.problems[0].rule == "unreadable-file"
