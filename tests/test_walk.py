"""Walking a vault: what is listed, what is skipped, and what is reported instead of read."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vaulttool.model.values import Severity
from vaulttool.model.vault import WalkResult, walk_vault

can_symlink = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
can_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
bytes_names = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file system requires valid Unicode names")


def make_files(root: Path, *paths: str) -> None:
    """Create empty files (and their folders) under ``root``."""
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")


def problems(result: WalkResult) -> list[tuple[str, str]]:
    """(path, message) of every diagnostic, after checking the fixed fields."""
    for d in result.problems:
        assert (d.rule, d.severity, d.line, d.column) == ("unreadable-file", Severity.ERROR, 1, 1)
    return [(d.path, d.message) for d in result.problems]


def test_notes_and_attachments_sorted(tmp_path: Path) -> None:
    make_files(
        tmp_path,
        "b.md",
        "A.md",
        "Upper.MD",
        "z/Deep/n.md",
        "Attachments/Figure 1.png",
        "Board.canvas",
        "archive.tar",
        "a/x.md",
    )
    result = walk_vault(tmp_path)
    assert result.notes == ("A.md", "Upper.MD", "a/x.md", "b.md", "z/Deep/n.md")
    assert result.attachments == ("Attachments/Figure 1.png", "Board.canvas", "archive.tar")
    assert result.problems == ()


def test_hidden_entries_and_node_modules_skipped(tmp_path: Path) -> None:
    make_files(
        tmp_path,
        "keep.md",
        ".obsidian/plugins/p/README.md",
        ".git/HEAD",
        ".trash/old.md",
        ".hidden.md",
        "sub/.draft.md",
        "node_modules/pkg/README.md",
        "sub/node_modules/x.md",
    )
    result = walk_vault(tmp_path)
    assert result.notes == ("keep.md",)
    assert result.attachments == ()


@pytest.mark.parametrize(
    ("ignore", "expected"),
    [
        pytest.param(
            (),
            (
                "Archive/2020/old.md",
                "Archive/new.md",
                "Drawings/d.excalidraw.md",
                "Templates/t.md",
                "Templates/x/u.md",
                "n.md",
            ),
            id="none",
        ),
        pytest.param(
            ("Templates",),
            ("Archive/2020/old.md", "Archive/new.md", "Drawings/d.excalidraw.md", "n.md"),
            id="folder",
        ),
        pytest.param(
            ("Templates/",),
            ("Archive/2020/old.md", "Archive/new.md", "Drawings/d.excalidraw.md", "n.md"),
            id="folder-slash",
        ),
        pytest.param(
            ("Templates/*",),
            ("Archive/2020/old.md", "Archive/new.md", "Drawings/d.excalidraw.md", "n.md"),
            id="folder-star",
        ),
        pytest.param(
            ("Archive/**",),
            ("Drawings/d.excalidraw.md", "Templates/t.md", "Templates/x/u.md", "n.md"),
            id="double-star",
        ),
        pytest.param(
            ("*.excalidraw.md",),
            ("Archive/2020/old.md", "Archive/new.md", "Templates/t.md", "Templates/x/u.md", "n.md"),
            id="file-pattern",
        ),
        pytest.param(
            ("Archive/20??", "Templates/x"),
            ("Archive/new.md", "Drawings/d.excalidraw.md", "Templates/t.md", "n.md"),
            id="several",
        ),
        pytest.param(
            ("templates",),
            (
                "Archive/2020/old.md",
                "Archive/new.md",
                "Drawings/d.excalidraw.md",
                "Templates/t.md",
                "Templates/x/u.md",
                "n.md",
            ),
            id="case-sensitive",
        ),
    ],
)
def test_ignore_globs(tmp_path: Path, ignore: tuple[str, ...], expected: tuple[str, ...]) -> None:
    make_files(
        tmp_path,
        "n.md",
        "Templates/t.md",
        "Templates/x/u.md",
        "Archive/new.md",
        "Archive/2020/old.md",
        "Drawings/d.excalidraw.md",
    )
    result = walk_vault(tmp_path, ignore)
    assert result.notes == expected
    assert result.problems == ()


def test_directory_named_md_is_walked(tmp_path: Path) -> None:
    make_files(tmp_path, "x.md/inner.md", "x.md/pic.png")
    result = walk_vault(tmp_path)
    assert result.notes == ("x.md/inner.md",)
    assert result.attachments == ("x.md/pic.png",)
    assert result.problems == ()


@can_symlink
def test_directory_symlinks_not_followed(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    make_files(vault, "n.md", "sub/s.md")
    make_files(outside, "secret.md")
    (vault / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (vault / "self").symlink_to("self")
    (vault / "linked").symlink_to(outside, target_is_directory=True)
    (vault / "linked.md").symlink_to(outside, target_is_directory=True)
    result = walk_vault(vault)
    assert result.notes == ("n.md", "sub/s.md")
    assert result.attachments == ()
    assert problems(result) == []


@can_symlink
def test_file_symlinks(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    make_files(vault, "real.md", "img/a.png", ".obsidian/hidden.md")
    make_files(outside, "secret.md", "secret.png")
    links = {
        "alias.md": vault / "real.md",
        "relative.md": Path("real.md"),
        "pic.png": vault / "img" / "a.png",
        "from-hidden.md": vault / ".obsidian" / "hidden.md",
        "escape.md": outside / "secret.md",
        "escape-relative.md": Path("..") / "outside" / "secret.md",
        "escape.png": outside / "secret.png",
        "dangling.md": vault / "missing.md",
        "dangling.png": vault / "missing.png",
        "loop.md": Path("loop.md"),
    }
    for name, target in links.items():
        (vault / name).symlink_to(target)
    result = walk_vault(vault)
    assert result.notes == ("alias.md", "from-hidden.md", "real.md", "relative.md")
    assert result.attachments == ("img/a.png", "pic.png")
    assert problems(result) == [
        ("dangling.md", "dangling symlink; not read"),
        ("escape-relative.md", "symlink points outside the vault; not read"),
        ("escape.md", "symlink points outside the vault; not read"),
        ("loop.md", "symlink loop; not read"),
    ]


@can_symlink
def test_vault_root_through_symlink(tmp_path: Path) -> None:
    make_files(tmp_path / "real", "n.md", "alias-target.md")
    (tmp_path / "real" / "alias.md").symlink_to("alias-target.md")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    result = walk_vault(tmp_path / "link")
    assert result.notes == ("alias-target.md", "alias.md", "n.md")
    assert result.problems == ()


@can_fifo
def test_fifo_reported_not_opened(tmp_path: Path) -> None:
    make_files(tmp_path, "n.md")
    os.mkfifo(tmp_path / "pipe.md")
    os.mkfifo(tmp_path / "pipe.txt")
    result = walk_vault(tmp_path)
    assert result.notes == ("n.md",)
    assert result.attachments == ()
    assert problems(result) == [("pipe.md", "not a regular file (FIFO); not read")]


@can_fifo
@can_symlink
def test_symlink_to_fifo_inside_vault(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "pipe.md").symlink_to("pipe")
    result = walk_vault(tmp_path)
    assert result.notes == ()
    assert problems(result) == [("pipe.md", "not a regular file (FIFO); not read")]


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_socket_reported(tmp_path: Path) -> None:
    name = tmp_path / "s.md"
    if len(os.fsencode(name)) > 100:
        pytest.skip("socket path too long")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(os.fspath(name))
        result = walk_vault(tmp_path)
    assert problems(result) == [("s.md", "not a regular file (socket); not read")]


@bytes_names
def test_undecodable_file_name(tmp_path: Path) -> None:
    with open(os.path.join(os.fsencode(str(tmp_path)), b"caf\xe9.md"), "wb") as handle:
        handle.write(b"x\n")
    result = walk_vault(tmp_path)
    assert result.notes == ("caf\udce9.md",)
    assert os.fsencode(result.notes[0]) == b"caf\xe9.md"


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        walk_vault(tmp_path / "missing")


def test_file_root_raises(tmp_path: Path) -> None:
    make_files(tmp_path, "n.md")
    with pytest.raises(NotADirectoryError):
        walk_vault(tmp_path / "n.md")


@pytest.fixture
def failing_scandir(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, OSError]]:
    """Make ``os.scandir`` raise a chosen error for chosen folders (vanished, unreadable)."""
    failures: dict[str, OSError] = {}
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if os.path.basename(path) in failures:
            raise failures[os.path.basename(path)]
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield failures


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(PermissionError(13, "Permission denied"), "cannot list folder: Permission denied", id="perm"),
        pytest.param(
            FileNotFoundError(2, "No such file or directory"),
            "cannot list folder: No such file or directory",
            id="gone",
        ),
        pytest.param(NotADirectoryError(20, "Not a directory"), "cannot list folder: Not a directory", id="replaced"),
    ],
)
def test_folder_that_cannot_be_listed(
    tmp_path: Path, failing_scandir: dict[str, OSError], error: OSError, message: str
) -> None:
    make_files(tmp_path, "a.md", "sub/inner/lost.md", "sub/kept.md", "z.md")
    failing_scandir["inner"] = error
    result = walk_vault(tmp_path)
    assert result.notes == ("a.md", "sub/kept.md", "z.md")
    assert problems(result) == [("sub/inner", message)]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_folder_for_real(tmp_path: Path) -> None:
    make_files(tmp_path, "a.md", "locked/x.md")
    (tmp_path / "locked").chmod(0)
    try:
        result = walk_vault(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert result.notes == ("a.md",)
    assert [d.path for d in result.problems] == ["locked"]


def test_deep_tree_is_not_recursive(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 50
    if len(os.fsencode(tmp_path)) + 2 * depth > 4000:
        pytest.skip("path too long for this file system")
    folder = tmp_path
    for _ in range(depth):
        folder = folder / "d"
        folder.mkdir()
    (folder / "n.md").write_text("x\n", encoding="utf-8")
    try:
        assert walk_vault(tmp_path).notes == ("d/" * depth + "n.md",)
    finally:  # shutil.rmtree recurses per level, so pytest could not clean this up
        (folder / "n.md").unlink()
        while folder != tmp_path:
            folder.rmdir()
            folder = folder.parent
