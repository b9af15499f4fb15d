"""`vaulttool check` on one hostile vault per hazard of the reliability catalogue.

Every vault also holds a normal note with a known broken link. For each, ``check`` (text
and JSON, in a subprocess under a memory limit and a timeout) must finish, exit 1, report
the hostile file (with its line when known) and the normal note, print no traceback and
nothing a terminal or a GitHub runner would act on, and write nothing in the vault or the
working folder. Vaults git cannot store (FIFOs, device links, undecodable names, newlines
in names) are made here with ``tmp_path``.
"""

from __future__ import annotations

import os
import random
import socket
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.harness import (
    NORMAL_LINK,
    add_normal_note,
    assert_inert,
    diagnostics,
    run_cli,
    snapshot,
    strict_json,
)
from vaulttool.output.formatters import escape_text, inert_line

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")


@dataclass(frozen=True)
class Expect:
    """A diagnostic the run must contain: its path, line (None: any), rule and a message fragment."""

    path: str
    line: int | None
    rule: str
    words: str = ""


@dataclass(frozen=True)
class Hazard:
    """A hostile vault: how to build it, what check must report, text it must never print."""

    build: Callable[[Path], None]
    expect: tuple[Expect, ...]
    never_printed: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    absent: tuple[str, ...] = field(default=())  # paths that must not be reported at all


def write(vault: Path, name: str | bytes, data: bytes | str) -> None:
    """Write one file (``name`` may be bytes: a name that is not UTF-8); folders are created."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = os.path.join(os.fsencode(vault), name if isinstance(name, bytes) else os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, "wb") as handle:
            handle.write(raw)
    except OSError as exc:
        pytest.skip(f"this file system refuses the name {name!r}: {exc}")


def alias_bomb() -> str:
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join([*lines, "---", "[[Bomb Missing]]", ""])


def build_encodings(vault: Path) -> None:
    write(vault, "bom.md", b'\xef\xbb\xbf---\nlinks: ["[[Bom MOC]]"]\n---\n[[Bom Missing]]\n')
    write(vault, "twice.md", b"\xef\xbb\xbf\xef\xbb\xbf---\ntitle: x\n---\n")
    write(vault, "crlf.md", b'---\r\nlinks: ["[[Crlf MOC]]"]\r\n---\r\n\r\n[[Crlf Missing]]\r\n')
    write(vault, "cr.md", b'---\rlinks: ["[[Cr MOC]]"]\r---\r[[Cr Missing]]\r')


def build_not_utf8(vault: Path) -> None:
    write(vault, "latin1.md", b"ok\ncaf\xe9 [[x]]\n")
    write(vault, "overlong.md", b"a\nb\n\xc0\xaf\n")
    write(vault, "surrogate.md", b"\xed\xa0\x80\n")
    write(vault, "utf16.md", "---\ntitle: x\n---\n".encode("utf-16"))


def build_binary(vault: Path) -> None:
    write(vault, "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(vault, "archive.md", b"PK\x03\x04" + bytes(64))
    write(vault, "noise.md", random.Random(6).randbytes(65536))


def build_yaml_syntax(vault: Path) -> None:
    write(vault, "colon.md", "---\ntitle: A: B\n---\n[[Syntax Missing]]\n")
    write(vault, "tabs.md", "---\ntopics:\n\t- a\n---\n")
    write(vault, "quote.md", '---\ntitle: "open\n---\n')
    write(vault, "control.md", "---\nbad: \x07\n---\n")
    write(vault, "duplicate.md", "---\nstatus: a\nstatus: b\n---\n")
    write(vault, "tag.md", "---\nx: !!python/object/apply:os.system [touch PWNED]\n---\n")
    write(vault, "date.md", "---\nwhen: !!timestamp 2023-02-30\n---\n")


def build_non_mapping(vault: Path) -> None:
    write(vault, "list.md", "---\n- a\n- b\n---\n")
    write(vault, "scalar.md", "---\njust text\n---\n")
    write(vault, "number.md", "---\n42\n---\n")


def build_dates(vault: Path) -> None:
    stub = "---\ntitle: T\ntags: [a]\nstatus: stub\ncreated: 2023-02-30\nlinks: ['[[Normal]]']\n---\n"
    write(vault, "stub.md", stub)
    write(vault, "free.md", "---\ncreated: 0000-00-00\n---\n[[Free Missing]]\n")


def build_aliases(vault: Path) -> None:
    write(vault, "bomb.md", alias_bomb())
    write(vault, "self.md", "---\ntags: &x [a, *x]\n---\n")
    write(vault, "mapping.md", "---\nk: &y {a: *y}\n---\n")


def build_deep_yaml(vault: Path) -> None:
    write(vault, "flow.md", "---\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n[[Deep Missing]]\n")
    write(vault, "braces.md", "---\nx: " + "{a: " * 50_000 + "}" * 50_000 + "\n---\n")
    write(vault, "block.md", "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(2000)) + "---\n")
    write(vault, "wide.md", "---\n" + "".join(f"k{i}: v\n" for i in range(60_000)) + "---\n")


def build_deep_markdown(vault: Path) -> None:
    body = ">" * 50_000 + " [[Quote Missing]]\n" + "".join("  " * i + "- x\n" for i in range(3000))
    write(vault, "deep.md", body + "<div>" * 20_000 + "\n\n[[List Missing]]\n")


def build_big(vault: Path) -> None:
    line = "lorem ipsum [[Normal]] dolor\n"
    with open(vault / "huge.md", "w", encoding="utf-8") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    write(vault, "line.md", "word " * 200_000 + "[[Line Missing]]\n")
    write(vault, "heading.md", "# a" + " " * 1_000_000 + "b\n[[Heading Missing]]\n")
    write(vault, "key.md", "---\nk" + " " * 1_000_000 + ": v\n---\n[[Key Missing]]\n")
    links = " ".join(f"[[Normal|a{i}]]" for i in range(100_000))
    write(vault, "fmlinks.md", f'---\nlinks: "{links}"\n---\n')
    quiet = "<!-- vaulttool-disable-next-line orphan-note -->\n" * 100_000
    write(vault, "quiet.md", quiet + "[[Quiet Missing]]\n" * 10_000)


def build_brackets(vault: Path) -> None:
    write(vault, "wiki.md", "[[" * 100_000 + " [[Bracket Missing]]\n")
    write(vault, "embeds.md", "![[a" * 50_000 + "\n" + "[" * 200_000 + "](\n[[Embed Missing]]\n")
    write(vault, "ticks.md", "`" + " ``" * 50_000 + "\n" + "$5 " * 100_000 + "\n[[Tick Missing]]\n")


def build_symlink_loops(vault: Path) -> None:
    (vault / "loop.md").symlink_to("loop.md")
    (vault / "a.md").symlink_to("b.md")
    (vault / "b.md").symlink_to("a.md")
    (vault / "sub").mkdir()
    (vault / "sub" / "up").symlink_to("..", target_is_directory=True)
    write(vault, "sub/inside.md", "[[Loop Missing]]\n")


def build_outside(vault: Path) -> None:
    outside = vault.parent / "outside"
    write(outside, "secret.md", "SECRET-TOKEN [[Outside Missing]]\n")
    (vault / "secret.md").symlink_to(outside / "secret.md")
    (vault / "relative.md").symlink_to(Path("..") / "outside" / "secret.md")
    (vault / "linked").symlink_to(outside, target_is_directory=True)
    (vault / "dangling.md").symlink_to(vault / "nowhere.md")
    if os.path.exists("/proc/self/environ"):
        (vault / "environ.md").symlink_to("/proc/self/environ")


def build_special(vault: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(vault / "pipe.md")
    (vault / "zero.md").symlink_to("/dev/zero")
    (vault / "random.md").symlink_to("/dev/urandom")
    os.mkfifo(vault / "inner-pipe")
    (vault / "to-pipe.md").symlink_to("inner-pipe")
    name = vault / "sock.md"
    if hasattr(socket, "AF_UNIX") and len(os.fsencode(name)) < 100:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(os.fspath(name))


def build_empty(vault: Path) -> None:
    write(vault, "empty.md", b"")
    write(vault, "blank.md", "\n\n  \n")
    write(vault, "fm-only.md", '---\nlinks: ["[[Only MOC]]"]\n---')
    write(vault, "fm-empty.md", "---\n---\n")
    write(vault, "fence-only.md", "---")
    write(vault, "dots.md", '---\nlinks: ["[[Dots MOC]]"]\n...\n---\n')


def build_unterminated(vault: Path) -> None:
    write(vault, "open.md", "---\ntitle: x\n[[Unterminated Missing]]\n")


def build_dashes(vault: Path) -> None:
    body = "---\na: 1\n---\ntext\n\n---\nlinks: '[[Body Missing]]'\n---\nSetext\n---\n- - -\n***\n"
    write(vault, "dashes.md", body)
    write(vault, "value.md", "---\ntitle: A --- B\n---\n[[Value Missing]]\n")


def build_templater(vault: Path) -> None:
    write(vault, "daily.md", "---\ncreated: {{date}}\ntitle: <% tp.file.title %>\n---\n{{title}} [[Tpl Missing]]\n")
    write(vault, "ok.md", "---\ntitle: <% tp.file.title %>\ndate: '{{date:YYYY-MM-DD}}'\n---\n<%* tR += 'x' %>\n")


def build_twins(vault: Path) -> None:
    write(vault, "Note.md", "[[Normal]]\n")
    write(vault, "note.md", "[[Normal]]\n")
    write(vault, unicodedata.normalize("NFC", "Café.md"), "[[Normal]]\n")
    write(vault, unicodedata.normalize("NFD", "Café.md"), "[[Normal]]\n")
    if len(os.listdir(vault)) < 5:
        pytest.skip("this file system folds case or normalisation")


def build_undecodable_name(vault: Path) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("this file system requires valid Unicode names")
    write(vault, b"caf\xe9.md", "[[Name Missing]]\n")
    write(vault, b"dir\xff/inner.md", "[[Folder Missing]]\n")


def build_command_names(vault: Path) -> None:
    for name in ("::error::x.md", "##[warning]y.md", "::add-mask::z.md", " ::notice::lead.md", "::stop-commands::t.md"):
        write(vault, name, "[[Command Missing]] ##[error]in-body ::warning::x\n")
    write(vault, "body.md", "text\n[[::error file=a::forged]]\n")


def build_punctuation_names(vault: Path) -> None:
    write(vault, "a,b:c.md", "[[100%]] [[Comma Missing]]\n")
    write(vault, "100%.md", "[[a,b:c]] [[x%0Ay]]\n")
    write(vault, "50%25 off.md", "[[50%25 off]] [Percent](50%2525%20off.md)\n")


def build_escape_names(vault: Path) -> None:
    names = [
        "clear\x1b[2J.md",
        "osc\x1b]8;;evil.example\x07link.md",
        "bell\x07.md",
        "new\n::error::line.md",
        "cr\rx.md",
    ]
    for name in names:
        write(vault, name, "[[Escape Missing]]\n")
    write(vault, "content.md", "[[\x1bcx]] [[\x9b2Jy]] [[\x07bell]]\n")


def build_bidi(vault: Path) -> None:
    write(vault, "\u202egnp.md", "[[Bidi Missing]]\n")
    write(vault, "isolate\u2066.md", "[[\u202ex]]\n")


def build_tags_comment(vault: Path) -> None:
    stub = "---\ntitle: T\ntags: #python #async\nstatus: stub\ncreated: 2024-01-02\nlinks: ['[[Normal]]']\n---\n"
    write(vault, "stub.md", stub)
    write(vault, "free.md", "---\ntags: #python\n---\n[[Free Missing]]\n")


def build_many_parts(vault: Path) -> None:
    topics = "".join(f"  - t{i}\n" for i in range(50_000))  # file lines 3 to 50002
    body = "".join(f"## h{i}\n[[#h{i}]]\n" for i in range(20_000)) + "[[#nowhere]]\n"  # the last on line 90005
    write(vault, "overview.md", f"---\ntopics:\n{topics}template: topic-overview\n---\n{body}")


def build_size_option(vault: Path) -> None:
    write(vault, "medium.md", "x" * 5000 + "\n")


HAZARDS: dict[str, Hazard] = {
    "bom-crlf": Hazard(
        build_encodings,
        (
            Expect("bom.md", 2, "missing-moc"),
            Expect("bom.md", 4, "broken-link"),
            Expect("twice.md", 1, "frontmatter-syntax", "byte-order mark"),
            Expect("crlf.md", 2, "missing-moc"),
            Expect("crlf.md", 5, "broken-link"),
            Expect("cr.md", 2, "missing-moc"),
            Expect("cr.md", 4, "broken-link"),
        ),
    ),
    "not-utf8": Hazard(
        build_not_utf8,
        (
            Expect("latin1.md", 2, "unreadable-file", "not valid UTF-8"),
            Expect("overlong.md", 3, "unreadable-file", "not valid UTF-8"),
            Expect("surrogate.md", 1, "unreadable-file", "not valid UTF-8"),
            Expect("utf16.md", 1, "unreadable-file", "UTF-16"),
        ),
    ),
    "binary": Hazard(
        build_binary,
        (
            Expect("image.md", 1, "unreadable-file", "binary"),
            Expect("archive.md", 1, "unreadable-file", "binary"),
            Expect("noise.md", 1, "unreadable-file", "binary"),
        ),
    ),
    "malformed-yaml": Hazard(
        build_yaml_syntax,
        (
            Expect("colon.md", 2, "frontmatter-syntax", "quote values"),
            Expect("colon.md", 4, "broken-link"),
            Expect("tabs.md", 3, "frontmatter-syntax", "tabs"),
            Expect("quote.md", None, "frontmatter-syntax"),
            Expect("control.md", 2, "frontmatter-syntax", "character not allowed"),
            Expect("duplicate.md", 3, "frontmatter-syntax", "duplicate key 'status'"),
            Expect("tag.md", 2, "frontmatter-syntax", "YAML tags"),
            Expect("date.md", 2, "frontmatter-syntax", "day is out of range"),
        ),
    ),
    "non-mapping": Hazard(
        build_non_mapping,
        (
            Expect("list.md", 2, "frontmatter-syntax", "list, not a mapping"),
            Expect("scalar.md", 2, "frontmatter-syntax", "not a mapping"),
            Expect("number.md", 2, "frontmatter-syntax", "int, not a mapping"),
        ),
    ),
    "invalid-dates": Hazard(
        build_dates,
        (Expect("stub.md", 5, "frontmatter-type", "2023-02-30"), Expect("free.md", 4, "broken-link")),
    ),
    "yaml-aliases": Hazard(
        build_aliases,
        (
            Expect("bomb.md", None, "frontmatter-syntax", "more than 100000 values"),
            Expect("bomb.md", 13, "broken-link"),
            Expect("self.md", 2, "frontmatter-syntax", "recursive YAML alias"),
            Expect("mapping.md", 2, "frontmatter-syntax", "recursive YAML alias"),
        ),
    ),
    "deep-yaml": Hazard(
        build_deep_yaml,
        (
            Expect("flow.md", 2, "frontmatter-syntax", "nested more than 64 levels"),
            Expect("flow.md", 4, "broken-link"),
            Expect("braces.md", 2, "frontmatter-syntax", "nested more than 64 levels"),
            Expect("block.md", None, "frontmatter-syntax", "nested more than 64 levels"),
            Expect("wide.md", None, "frontmatter-syntax", "more than 100000 values"),
        ),
    ),
    "deep-markdown": Hazard(
        build_deep_markdown,
        (Expect("deep.md", 1, "broken-link", "Quote Missing"), Expect("deep.md", 3004, "broken-link", "List Missing")),
    ),
    "huge-note-long-lines": Hazard(
        build_big,
        (
            Expect("huge.md", 1, "unreadable-file", "larger than 16777216 bytes"),
            Expect("line.md", 1, "broken-link", "Line Missing"),
            Expect("heading.md", 2, "broken-link"),
            Expect("key.md", 4, "broken-link"),
            Expect("quiet.md", 100_001, "broken-link"),
            Expect("quiet.md", 110_000, "broken-link"),
        ),
        absent=("fmlinks.md",),
    ),
    "many-brackets": Hazard(
        build_brackets,
        (
            Expect("wiki.md", 1, "broken-link", "Bracket Missing"),
            Expect("embeds.md", 3, "broken-link"),
            Expect("ticks.md", 3, "broken-link"),
        ),
    ),
    "symlink-loops": Hazard(
        build_symlink_loops,
        (
            Expect("loop.md", 1, "unreadable-file", "symlink loop"),
            Expect("a.md", 1, "unreadable-file", "symlink loop"),
            Expect("b.md", 1, "unreadable-file", "symlink loop"),
            Expect("sub/inside.md", 1, "broken-link"),
        ),
    ),
    "links-out-of-vault": Hazard(
        build_outside,
        (
            Expect("secret.md", 1, "unreadable-file", "outside the vault"),
            Expect("relative.md", 1, "unreadable-file", "outside the vault"),
            Expect("dangling.md", 1, "unreadable-file", "dangling"),
        ),
        never_printed=("SECRET-TOKEN", "Outside Missing", "PATH="),
        absent=("linked/secret.md",),
    ),
    "special-files": Hazard(
        build_special,
        (
            Expect("pipe.md", 1, "unreadable-file", "FIFO"),
            Expect("zero.md", 1, "unreadable-file", "outside the vault"),
            Expect("random.md", 1, "unreadable-file", "outside the vault"),
            Expect("to-pipe.md", 1, "unreadable-file", "FIFO"),
        ),
    ),
    "empty-and-frontmatter-only": Hazard(
        build_empty,
        (
            Expect("fm-only.md", 2, "missing-moc", "Only MOC"),
            Expect("fence-only.md", 1, "frontmatter-syntax", "not closed"),
            Expect("dots.md", 2, "missing-moc", "Dots MOC"),
        ),
        absent=("empty.md", "blank.md", "fm-empty.md"),
    ),
    "unterminated-frontmatter": Hazard(
        build_unterminated,
        (Expect("open.md", 1, "frontmatter-syntax", "not closed"), Expect("open.md", 3, "broken-link")),
    ),
    "dashes-in-body": Hazard(
        build_dashes,
        (Expect("dashes.md", 7, "broken-link", "Body Missing"), Expect("value.md", 4, "broken-link")),
    ),
    "template-syntax": Hazard(
        build_templater,
        (
            Expect("daily.md", 2, "frontmatter-syntax", "template placeholders"),
            Expect("daily.md", 5, "broken-link", "Tpl Missing"),
        ),
        absent=("ok.md",),
    ),
    "case-and-normalisation-twins": Hazard(
        build_twins,
        (
            Expect("Note.md", 1, "name-conflict", "'note.md' (the paths differ only in case)"),
            Expect("note.md", 1, "name-conflict", "'Note.md'"),
            Expect(unicodedata.normalize("NFC", "Café.md"), 1, "name-conflict", "Unicode normalisation"),
            Expect(unicodedata.normalize("NFD", "Café.md"), 1, "name-conflict", "Unicode normalisation"),
        ),
    ),
    "undecodable-names": Hazard(
        build_undecodable_name,
        (
            Expect("caf\udce9.md", 1, "unreadable-file", "not valid UTF-8"),
            Expect("caf\udce9.md", 1, "broken-link", "Name Missing"),
            Expect("dir\udcff", 1, "unreadable-file", "not valid UTF-8"),
            Expect("dir\udcff/inner.md", 1, "broken-link", "Folder Missing"),
        ),
    ),
    "workflow-command-names": Hazard(
        build_command_names,
        (
            Expect("::error::x.md", 1, "broken-link"),
            Expect("##[warning]y.md", 1, "broken-link"),
            Expect("::add-mask::z.md", 1, "broken-link"),
            Expect(" ::notice::lead.md", 1, "broken-link"),
            Expect("::stop-commands::t.md", 1, "broken-link"),
            Expect("body.md", 2, "broken-link", "::error file=a::forged"),
        ),
    ),
    "commas-colons-percent": Hazard(
        build_punctuation_names,
        (Expect("a,b:c.md", 1, "broken-link", "Comma Missing"), Expect("100%.md", 1, "broken-link", "x%0Ay")),
        absent=("50%25 off.md",),
    ),
    "terminal-escapes": Hazard(
        build_escape_names,
        (
            Expect("clear\x1b[2J.md", 1, "broken-link"),
            Expect("osc\x1b]8;;evil.example\x07link.md", 1, "broken-link"),
            Expect("bell\x07.md", 1, "broken-link"),
            Expect("new\n::error::line.md", 1, "broken-link"),
            Expect("cr\rx.md", 1, "broken-link"),
            Expect("content.md", 1, "broken-link", "\x1bcx"),
            Expect("content.md", 1, "broken-link", "\x9b2Jy"),
        ),
    ),
    "bidi-overrides": Hazard(
        build_bidi,
        (Expect("\u202egnp.md", 1, "broken-link"), Expect("isolate\u2066.md", 1, "broken-link", "\u202ex")),
    ),
    "tags-comment": Hazard(
        build_tags_comment,
        (Expect("stub.md", 3, "frontmatter-type", "write tags: [python, async]"), Expect("free.md", 4, "broken-link")),
    ),
    "many-topics-and-headings": Hazard(
        build_many_parts,
        (
            Expect("overview.md", 3, "missing-topic", "'t0'"),
            Expect("overview.md", 50_002, "missing-topic", "'t49999'"),
            Expect("overview.md", 90_005, "broken-anchor", "heading 'nowhere'"),
        ),
    ),
    "max-file-size-option": Hazard(
        build_size_option,
        (Expect("medium.md", 1, "unreadable-file", "larger than 4096 bytes"),),
        args=("--max-file-size", "4096"),
    ),
}


@POSIX
@pytest.mark.parametrize("name", list(HAZARDS))
def test_check_survives(name: str, tmp_path: Path) -> None:
    hazard = HAZARDS[name]
    vault, work = tmp_path / "vault", tmp_path / "work"
    vault.mkdir()
    work.mkdir()
    add_normal_note(vault)
    hazard.build(vault)
    before = snapshot(tmp_path)

    runs = run_cli("check", str(vault), *hazard.args, cwd=work)

    assert snapshot(tmp_path) == before, "check changed files"
    for fmt, run in runs.items():
        assert run.code == 1, (fmt, run.stderr)
        assert run.stderr == b"", (fmt, run.stderr[-2000:])
    text = assert_inert(runs["text"].stdout)
    doc = strict_json(assert_inert(runs["json"].stdout, ascii_only=True))
    found = diagnostics(doc)
    lines = text.split("\n")
    assert lines[-2].startswith("Checked ") and lines[-1] == ""
    for want in (*hazard.expect, Expect(*NORMAL_LINK)):
        assert any(
            path == want.path and (want.line is None or line == want.line) and rule == want.rule and want.words in msg
            for path, line, rule, msg in found
        ), (want, [f for f in found if f[0] == want.path][:5])
        where = inert_line(escape_text(want.path)) + ":" + ("" if want.line is None else f"{want.line}:")
        assert any(line.startswith(where) and f" {want.rule} " in line for line in lines), (want, lines[:20])
    for path in hazard.absent:
        assert not [f for f in found if f[0] == path and f[2] != "orphan-note"], path
    for secret in hazard.never_printed:
        assert secret not in text and secret not in runs["json"].stdout.decode()
