"""Notes as plain records and back; body lines read from the file only while it is unchanged."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from vaulttool.incremental import records, storedlines
from vaulttool.incremental.records import from_record, to_record
from vaulttool.model.notes import read_note_stamped
from vaulttool.model.values import Note
from vaulttool.model.vault import walk_vault

TEXT = b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nfirst\r\n\r\nlast\r\n"


def rebuilt(root: Path, path: str, content: bool = False) -> tuple[Note, Note]:
    """The note at ``path`` as parsed, and as rebuilt from its record (marshalled) and stamp."""
    note, stamp = read_note_stamped(str(root), path, content=content)
    return note, from_record(marshal.loads(marshal.dumps(to_record(note))), str(root), stamp)


def test_every_note_survives_a_record_and_marshal(generated_vault: Path) -> None:
    for path in walk_vault(generated_vault).notes:
        note, again = rebuilt(generated_vault, path)
        assert to_record(again) == to_record(note), path
        assert tuple(again.lines) == tuple(note.lines), path


@pytest.mark.parametrize("content", [False, True], ids=["mtime stamp", "content stamp"])
def test_body_lines_come_back_from_an_unchanged_file(tmp_path: Path, content: bool) -> None:
    (tmp_path / "N.md").write_bytes(TEXT)
    note, again = rebuilt(tmp_path, "N.md", content)
    lines = again.lines
    assert tuple(lines) == tuple(note.lines) == ("first", "", "last")
    assert (len(lines), lines[0], lines[-1], lines[1:]) == (3, "first", "last", ("", "last"))
    assert again.raw_frontmatter == note.raw_frontmatter == "title: x"
    assert not isinstance(again.frontmatter_source, str)  # kept out of memory, like the body


def test_frontmatter_text_comes_back_as_parsed(tmp_path: Path) -> None:
    texts = {"empty.md": b"---\n---\nbody\n", "none.md": b"no properties\n", "open.md": b"---\na: 1\n"}
    texts["long.md"] = b"---\na: 1\ntags:\n  - x\n  - y\n---\n# H\n"
    for name, data in texts.items():
        (tmp_path / name).write_bytes(data)
        note, again = rebuilt(tmp_path, name)
        assert again.raw_frontmatter == note.raw_frontmatter, name
    assert rebuilt(tmp_path, "none.md")[1].raw_frontmatter is None
    assert rebuilt(tmp_path, "long.md")[1].raw_frontmatter == "a: 1\ntags:\n  - x\n  - y"


@pytest.mark.parametrize("content", [False, True], ids=["mtime stamp", "content stamp"])
@pytest.mark.parametrize("change", ["rewritten", "same size", "removed"])
def test_a_file_changed_since_it_was_parsed_gives_no_lines_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bool, change: str
) -> None:
    file = tmp_path / "N.md"
    file.write_bytes(TEXT)
    _, again = rebuilt(tmp_path, "N.md", content)
    if change == "removed":
        file.unlink()
    else:
        file.write_bytes(TEXT + b"more\n" if change == "rewritten" else TEXT.replace(b"first", b"FIRST"))
    assert tuple(again.lines) == ()
    assert again.raw_frontmatter == ""
    err = capsys.readouterr().err
    assert err.startswith("vaulttool: N.md changed while it was being checked;"), err


def test_an_unreadable_note_has_no_body_and_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.md").write_bytes(b"caf\xe9\n")
    note, again = rebuilt(tmp_path, "bad.md")
    assert note.problems[0].rule == "unreadable-file"
    assert tuple(again.lines) == ()
    assert capsys.readouterr().err == ""


def test_comparing_notes_reads_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "N.md").write_bytes(TEXT)
    note, stamp = read_note_stamped(str(tmp_path), "N.md")
    record = to_record(note)

    def no_reading(*args: object) -> None:
        raise AssertionError("a file was read")

    monkeypatch.setattr(storedlines, "read_with_status", no_reading)
    first, second = from_record(record, str(tmp_path), stamp), from_record(record, str(tmp_path), stamp)
    assert first == second and hash(first.lines) == hash(second.lines)
    other = from_record(record, str(tmp_path), (stamp[0], 0, 0))  # another version of the file
    assert first != other
    assert first != note  # lines held in memory are not compared with a file's


def test_notes_with_the_same_layout_of_properties_share_its_dict(tmp_path: Path) -> None:
    texts = {"A.md": "---\na: 1\nb: 2\n---\n", "B.md": "---\na: 3\nb: 4\n---\n", "C.md": "---\nb: 1\n---\n"}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    layouts: records.Layouts = {}
    built = {}
    for name in ("A.md", "B.md", "C.md"):
        note, stamp = read_note_stamped(str(tmp_path), name)
        built[name] = from_record(to_record(note), str(tmp_path), stamp, layouts=layouts)
        assert built[name].fm_key_lines == note.fm_key_lines
    assert built["A.md"].fm_key_lines is built["B.md"].fm_key_lines == {"a": 2, "b": 3}
    assert built["C.md"].fm_key_lines == {"b": 2}
    assert len(layouts) == 2


def test_a_stored_record_builds_the_same_note_with_or_without_its_links(generated_vault: Path) -> None:
    for path in walk_vault(generated_vault).notes:
        note, stamp = read_note_stamped(str(generated_vault), path)
        kept = marshal.loads(marshal.dumps(records.stored(to_record(note), stamp)))
        assert kept[8] in ("", None)  # the frontmatter text is read from the file
        assert to_record(from_record(kept, str(generated_vault), stamp)) == to_record(note), path
        linkless = from_record(kept, str(generated_vault), stamp, links=False)
        assert linkless.links == () and to_record(linkless)[:6] == to_record(note)[:6], path
        assert to_record(linkless)[7:] == to_record(note)[7:], path


@pytest.mark.parametrize("stamped", [True, False])
def test_a_note_made_lean_where_it_was_parsed_is_the_note_built_from_its_lean_record(
    generated_vault: Path, stamped: bool
) -> None:
    """The main process keeps the notes it parses beside its workers as it builds theirs: no body, no
    links, the frontmatter text read from the file; the same layouts shared."""
    root = str(generated_vault)
    made: records.Layouts = {}
    built: records.Layouts = {}
    for path in walk_vault(generated_vault).notes:
        note, stamp = read_note_stamped(root, path)
        stamp = stamp if stamped else None
        expected = from_record(
            records.handed(to_record(note), stamp, links=False), root, stamp, layouts=built, links=False
        )
        got = records.lean(note, root, stamp, layouts=made)
        assert got == expected, path
        assert got.raw_frontmatter == note.raw_frontmatter, path
        assert tuple(got.lines) == (tuple(note.lines) if stamped else ()), path  # no stamp: not read
    assert made == built


def test_a_stored_record_keeps_the_frontmatter_text_only_of_a_note_without_a_stamp(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: x\n---\nbody\n", encoding="utf-8")
    note, stamp = read_note_stamped(str(tmp_path), "a.md")
    assert records.stored(to_record(note), stamp)[8] == ""
    unread = from_record(records.stored(to_record(note), None), str(tmp_path), None)
    assert unread.raw_frontmatter == "title: x"  # no stamp: no file to read it from
    (tmp_path / "a.md").write_text("---\ntitle: changed\n---\nbody\n", encoding="utf-8")
    assert unread.raw_frontmatter == "title: x"
