"""Faults that need the process itself: unreadable files, files vanishing mid-run, a bug in a rule."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import vaulttool.engine.lint
import vaulttool.incremental.pool
from tests.hostile.harness import NORMAL_LINK, add_normal_note, assert_inert, diagnostics, run_cli, snapshot
from vaulttool.commands.cli import main
from vaulttool.engine.lint import Report
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output.formatters import format_json, inert_line
from vaulttool.rules import orphan_note


def check_json(vault: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, int, str, str]]]:
    code = main(["check", str(vault), "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, diagnostics(json.loads(out))


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A vault with the normal note and three more, one of them in a folder."""
    add_normal_note(tmp_path)
    for name in ("locked.md", "gone.md", "sub/inner.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"[[{name} missing]]\n", encoding="utf-8")
    return tmp_path


def test_permission_denied_is_reported_and_the_rest_checked(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_open = os.open

    def guarded_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fsdecode(path).endswith("locked.md"):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    code, found = check_json(vault, capsys)
    assert code == 1
    assert ("locked.md", 1, "unreadable-file", "cannot read: Permission denied") in found
    assert any(f[:3] == ("gone.md", 1, "broken-link") for f in found)
    assert any(f[:3] == NORMAL_LINK[:3] for f in found)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything: needs a non-root user"
)
def test_permission_denied_for_real(vault: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("work")
    (vault / "locked.md").chmod(0)
    (vault / "sub").chmod(0)
    try:
        before = snapshot(vault)
        runs = run_cli("check", str(vault), cwd=work, formats=("json",))
        assert snapshot(vault) == before
    finally:
        (vault / "sub").chmod(0o755)
        (vault / "locked.md").chmod(0o644)
    found = diagnostics(json.loads(assert_inert(runs["json"].stdout)))
    assert runs["json"].code == 1
    assert ("locked.md", 1, "unreadable-file", "cannot read: Permission denied") in found
    assert ("sub", 1, "unreadable-file", "cannot list folder: Permission denied") in found


def test_files_vanishing_between_walk_and_read(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_read = vaulttool.incremental.pool.read_note_stamped

    def read_after_someone_deleted(root: str, path: str, max_bytes: int, content: bool = False) -> Any:
        if path == "gone.md":
            os.remove(os.path.join(root, path))
        if path == "sub/inner.md":  # the folder is replaced by a file
            os.remove(os.path.join(root, path))
            os.rmdir(os.path.join(root, "sub"))
            Path(root, "sub").write_text("now a file\n", encoding="utf-8")
        return real_read(root, path, max_bytes, content)

    monkeypatch.setattr(vaulttool.incremental.pool, "read_note_stamped", read_after_someone_deleted)
    code, found = check_json(vault, capsys)
    assert code == 1
    assert ("gone.md", 1, "unreadable-file", "file vanished while the vault was being checked") in found
    assert ("sub/inner.md", 1, "unreadable-file", "cannot read: Not a directory") in found
    assert any(f[0] == "locked.md" and f[2] == "broken-link" for f in found)
    assert any(f[:3] == NORMAL_LINK[:3] for f in found)


def test_a_bug_in_a_rule_is_one_line_and_exit_3(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_rule(ctx: object) -> Any:
        raise RuntimeError("boom\n::error file=x::forged ##[warning]y \x1b[2J")

    monkeypatch.setattr(orphan_note, "check", broken_rule)
    assert main(["check", str(vault)]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert err.startswith("vaulttool: internal error (RuntimeError: boom\\n::error file=x::forged #\\x23[warning]y")
    assert "--debug" in err
    assert_inert(err.encode())
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "check", str(vault)])


def test_tags_comment_without_a_schema_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "free.md").write_text("---\ntags: #python\n---\n[[Normal]]\n", encoding="utf-8")
    add_normal_note(tmp_path)
    code, found = check_json(tmp_path, capsys)
    assert [f for f in found if f[0] == "free.md" and f[2] != "orphan-note"] == []
    assert code == 1  # the normal note's broken link


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("::error::x.md:1:1: broken-link", "\\x3a:error::x.md:1:1: broken-link"),
        ("  ::warning::x", "  \\x3a:warning::x"),
        ("a ::error::x", "a ::error::x"),
        ("x ##[group]y ##[endgroup]", "x #\\x23[group]y #\\x23[endgroup]"),
        ("plain: text", "plain: text"),
    ],
)
def test_inert_line(line: str, shown: str) -> None:
    assert inert_line(line) == shown


def test_json_hides_legacy_commands_but_round_trips() -> None:
    path = "##[warning]y.md"
    diag = Diagnostic(path, 1, 1, "broken-link", Severity.ERROR, "[[##x]] and ##[error] text")
    text = format_json(Report("vault", 1, 1, (diag,)))
    assert "##[" not in text
    assert json.loads(text)["diagnostics"][0]["path"] == path
    assert json.loads(text)["diagnostics"][0]["message"] == diag.message
