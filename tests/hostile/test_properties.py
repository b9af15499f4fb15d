"""Properties that hold for any input: the scanner, the note parser and the whole check."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.harness import assert_inert, strict_json
from vaulttool.engine.options import Options
from vaulttool.incremental.check import check
from vaulttool.model.bodyscan import scan_body
from vaulttool.model.config import builtin_schema_dir
from vaulttool.model.notes import decode, parse_note
from vaulttool.model.schema_files import load_schemas
from vaulttool.model.values import Note
from vaulttool.output.formatters import format_json, format_text


def limited(examples: int) -> settings:
    """Reproducible runs (the same examples every time), no deadline, no example database."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


BUILTIN = Options(schemas=tuple(load_schemas(builtin_schema_dir())))

# pieces that make the scanner's and the parser's states interact
MARKDOWN = [
    "[[", "]]", "![[", "[", "]", "(", ")", "](", "|", "\\|", "#", "^", "!", "`", "```", "~~~", "$", "$$",
    "%%", "<!--", "-->", "<", ">", "\\", " ", "    ", "\t", "\n", "\r", "\r\n", "-", "---", "*", "a", "Ü",
    "x.md", "%20", "http:", "\u202e", "\x1b", "\x00", "\ufeff", "\ud800",
]  # fmt: skip
YAML = [
    "---\n", "...\n", "a: ", "b:", "- ", "  ", "\t", "\n", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ",
    "!!python/name:os.system ", "!t ", "? ", '"', "'", "#", "{{date}}", "<% tp.file.title %>", "0777",
    "1:20", "yes", "~", "2023-02-30", ".nan", "[[Link]]", '"[[Link]]"', "\x07", "\ufeff",
]  # fmt: skip
BYTES = [b"\xef\xbb\xbf", b"\xff", b"\xe9", b"\xc0\xaf", b"\xed\xa0\x80", b"\x00", b"\r", b"\xe2\x80\xae"]

markdown_text = st.lists(st.sampled_from(MARKDOWN), max_size=60).map("".join)
any_text = st.one_of(markdown_text, st.text(max_size=200))


@st.composite
def note_bytes(draw: st.DrawFn) -> bytes:
    """Bytes that look like a note (frontmatter and body from syntax pieces), or arbitrary bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    front = draw(st.lists(st.sampled_from(YAML), max_size=30).map("".join))
    body = draw(markdown_text)
    junk = draw(st.lists(st.sampled_from(BYTES), max_size=2))
    data = f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass")
    cut = draw(st.integers(0, len(data)))
    return data[:cut] + b"".join(junk) + data[cut:]


@limited(300)
@given(lines=st.lists(any_text, max_size=8), first=st.integers(1, 50))
def test_scanner_positions_point_at_the_link(lines: list[str], first: int) -> None:
    lines = [part for line in lines for part in line.split("\n")]
    scan = scan_body(lines, first)
    for link in scan.links:
        text = lines[link.line - first]
        assert text[link.column - 1] == ("!" if link.kind == "embed" else "[")
        assert text[link.end_column - 2] in "])"
        assert link.end_line == link.line
    for heading in scan.headings:
        assert first <= heading.line < first + len(lines)


@limited(300)
@given(data=note_bytes())
def test_parse_note_never_raises_and_positions_are_real(data: bytes) -> None:
    note = parse_note("n.md", data)
    text = decode("n.md", data)
    lines = data.split(b"\n") if isinstance(text, Note) else text.split("\n")  # undecodable: byte lines
    for problem in note.problems:
        assert 1 <= problem.line <= len(lines)
        assert problem.column >= 1
    for link in note.links:  # body and frontmatter links alike point at their bracket
        assert lines[link.line - 1][link.column - 1] in "[!"


names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=40
).filter(lambda n: not n.startswith(".") and len(n.encode()) <= 200)


@limited(150)
@given(name=names, data=note_bytes())
def test_check_on_any_note_never_raises_and_prints_safely(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder)
        try:
            (vault / f"{name}.md").write_bytes(data)
        except OSError:  # a name this file system refuses
            return
        (vault / "Normal.md").write_text(f"[[{name}]] [[Known Missing]]\n", encoding="utf-8")
        report = check(vault, BUILTIN)
        assert os.listdir(vault) and len(os.listdir(vault)) == 2
    assert any(d.path == "Normal.md" and d.rule == "broken-link" for d in report.diagnostics)
    doc = strict_json(assert_inert(format_json(report).encode(), ascii_only=True))
    assert doc["summary"]["notes"] == 2
    assert_inert(format_text(report).encode())
