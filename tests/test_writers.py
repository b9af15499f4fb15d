"""Replacing a note in place: atomically, only while it is unchanged, never through a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vaulttool.files import writers
from vaulttool.files.writers import Replacement, replace_files


def test_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    (tmp_path / "Sub").mkdir()
    note = tmp_path / "Sub" / "Note.md"
    note.write_bytes(b"old\r\n")
    note.chmod(0o640)
    (result,) = replace_files(str(tmp_path), {"Sub/Note.md": Replacement(b"old\r\n", b"new\r\n")})
    assert result.written and result.reason == ""
    assert note.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert sorted(p.name for p in (tmp_path / "Sub").iterdir()) == ["Note.md"]  # no temporary file left


def test_a_note_changed_since_it_was_read_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_bytes(b"edited by the user\n")
    (tmp_path / "B.md").write_bytes(b"b\n")
    results = replace_files(
        str(tmp_path), {"A.md": Replacement(b"as read\n", b"fixed\n"), "B.md": Replacement(b"b\n", b"B\n")}
    )
    assert [r.written for r in results] == [False, True]
    assert "changed on disk" in results[0].reason
    assert (tmp_path / "A.md").read_bytes() == b"edited by the user\n"
    assert (tmp_path / "B.md").read_bytes() == b"B\n"


def test_a_note_changed_while_the_new_content_is_written_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "A.md"
    note.write_bytes(b"as read\n")
    real = writers._write_all

    def meanwhile(fd: int, data: bytes) -> None:
        real(fd, data)
        note.write_bytes(b"the user saved\n")  # a sync client or editor writes between read and rename

    monkeypatch.setattr(writers, "_write_all", meanwhile)
    (result,) = replace_files(str(tmp_path), {"A.md": Replacement(b"as read\n", b"fixed\n")})
    assert not result.written and "changed on disk" in result.reason
    assert note.read_bytes() == b"the user saved\n"
    assert [p.name for p in tmp_path.iterdir()] == ["A.md"]


def test_never_follows_symlinks_or_leaves_the_vault(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    (outside / "Target.md").write_bytes(b"x\n")
    (vault / "Link.md").symlink_to(outside / "Target.md")
    (vault / "Folder").symlink_to(outside, target_is_directory=True)
    change = Replacement(b"x\n", b"y\n")
    results = replace_files(str(vault), {"Link.md": change, "Folder/Target.md": change, "../outside/Target.md": change})
    assert [r.written for r in results] == [False, False, False]
    assert all(r.reason for r in results)
    assert (outside / "Target.md").read_bytes() == b"x\n"
    assert (vault / "Link.md").is_symlink()


def test_a_vanished_note_is_reported(tmp_path: Path) -> None:
    (result,) = replace_files(str(tmp_path), {"Gone.md": Replacement(b"x", b"y")})
    assert not result.written and "vanished" in result.reason


def test_stale_temporary_files_of_killed_runs_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_bytes(b"a")
    stale = tmp_path / f"{writers.TEMP_PREFIX}999999999-0123456789ab.tmp"
    stale.write_bytes(b"half")
    live = tmp_path / f"{writers.TEMP_PREFIX}{os.getpid()}-0123456789ab.tmp"
    live.write_bytes(b"in use")
    replace_files(str(tmp_path), {"A.md": Replacement(b"a", b"b")})
    assert not stale.exists() and live.exists()
