"""Notes as plain records and back, and body lines read on demand."""

from __future__ import annotations

import marshal
from pathlib import Path

from vaulttool.incremental.records import from_record, to_record
from vaulttool.model.notes import BodyLines, read_note
from vaulttool.model.vault import walk_vault


def test_every_note_survives_a_record_and_marshal(generated_vault: Path) -> None:
    vault = generated_vault
    root = str(vault)
    for path in walk_vault(vault).notes:
        note = read_note(root, path)
        record = marshal.loads(marshal.dumps(to_record(note)))
        assert from_record(record, root) == note, path


def test_body_lines_are_read_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "N.md").write_bytes(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nfirst\r\n\r\nlast\r\n")
    note = read_note(str(tmp_path), "N.md")
    lines = BodyLines(str(tmp_path), "N.md", note.body_line - 1)
    assert lines == note.lines == ("first", "", "last")
    assert (len(lines), lines[0], lines[-1], lines[1:]) == (3, "first", "last", ("", "last"))
    assert list(lines) == ["first", "", "last"]


def test_body_lines_of_a_vanished_or_undecodable_file_are_empty(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes(b"caf\xe9\n")
    assert BodyLines(str(tmp_path), "bad.md", 0) == ()
    assert BodyLines(str(tmp_path), "gone.md", 0) == ()


def test_body_lines_are_read_once_then_kept(tmp_path: Path) -> None:
    note = tmp_path / "N.md"
    note.write_text("old\n", encoding="utf-8")
    lines = BodyLines(str(tmp_path), "N.md", 0)
    note.write_text("new text\nand more\n", encoding="utf-8")
    assert lines == ("new text", "and more")  # read on first use
    note.write_text("changed again\n", encoding="utf-8")
    assert lines == ("new text", "and more")  # every rule sees one snapshot
